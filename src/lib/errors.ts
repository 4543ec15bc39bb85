/**
 * Database refusals carry a stable snake_case code in `message` (see the API contract);
 * this is the one place that turns them into sentences for people.
 */
const sentences: Record<string, string> = {
  promo_code_taken: 'That promo code is already used by another promoter in your organization.',
  invalid_promo_code: 'Promo codes are 3–32 letters, digits, dashes or underscores.',
  not_authorized: 'You do not have permission to do that.',
  deletion_not_requested: 'Start the deletion again: it was not requested or was already used.',
  deletion_expired: 'The deletion request expired after 10 minutes. Start again to delete this promoter.',
  deletion_code_mismatch: 'The promo code you typed does not match. Nothing was deleted.',
  invalid_name: 'Please enter a name.',
  invalid_currency: 'Choose a valid currency.',
  event_not_found: 'This event no longer exists.',
  event_not_on_sale: 'This event is not on sale.',
  sold_out: 'Those tickets are sold out.',
  order_not_found: 'This order no longer exists.',
  order_already_refunded: 'This order was already refunded.',
  invalid_date_range: 'The start date must be on or before the end date.',
  invalid_cursor: 'The list changed while you were scrolling. Reload the orders and try again.',
  invalid_items: 'Choose at least one ticket.',
  invalid_quantity: 'That quantity is not allowed.',
  ticket_type_not_found: 'That ticket type no longer exists.',
  invalid_buyer_name: 'Please enter the buyer’s name.',
  invalid_buyer_email: 'Please enter a valid email address.',
  slug_taken: 'That web address (slug) is already taken by another event.',
  last_owner: 'An organization needs at least one owner. Make someone else an owner first.',
  invalid_role: 'Invite as admin or member. To make someone an owner, invite them first, then change their role here.',
  invalid_email: 'Enter one email address, such as name@example.com.',
  already_member: 'This person already belongs to the organization.',
  invitation_not_found: 'This invitation link is not valid. Check that you copied all of it, or ask for a new one.',
  invitation_expired: 'This invitation has expired (links are valid for 7 days). Ask the organization for a new one.',
  invitation_revoked: 'This invitation was revoked. Ask the organization for a new one.',
  invitation_already_accepted: 'This invitation link was already used. Ask the organization for a new one if you still need to join.',
  invitation_email_mismatch: 'This invitation is for another email address. Sign in with the address it was sent to.',
  email_not_confirmed: 'Confirm your email address first with the link in the message we sent you, then try again.',
  too_many_attempts: 'Too many invitation links were tried from your network. Wait a minute and try again.',
  // PostgREST and auth codes that people can run into from the dashboard.
  '23505': 'Something with that name already exists.',
  '23514': 'One of the values is not allowed. Check the form and try again.',
  '42501': 'You do not have permission to do that.',
  invalid_credentials: 'Email or password is incorrect.',
  user_already_exists: 'An account with this email already exists. Sign in instead.',
  email_exists: 'An account with this email already exists. Sign in instead.',
  weak_password: 'Choose a stronger password: at least 10 characters, with letters and digits.',
  over_request_rate_limit: 'Too many attempts from your network. Wait a few minutes and try again.',
  same_password: 'That is your current password. Choose a different one.',
  over_email_send_rate_limit: 'We sent an email very recently. Wait a little, then try again.',
  otp_expired: 'This link is invalid or has expired. Ask for a new one.',
  reauthentication_needed: 'For your security, sign out and sign in again before changing your password.',
  reauthentication_not_valid: 'That confirmation code is wrong or has expired.',
};

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  details?: unknown;
}

/** The stable code of a database or auth error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { message, code } = error as ErrorLike;
  if (typeof message === 'string' && message in sentences) return message;
  if (typeof code === 'string' && code in sentences) return code;
  if (typeof code === 'string') return code;
  return undefined;
}

/** A sentence a person can act on, for any error thrown by a fetcher or mutation. */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { message, code, details } = error as ErrorLike;
    if (typeof message === 'string' && sentences[message]) return sentences[message];
    if (typeof code === 'string' && code !== '23505' && sentences[code]) return sentences[code];
    if (code === '23505') {
      const text = `${String(message)} ${String(details ?? '')}`;
      if (/promo_code/i.test(text)) return sentences.promo_code_taken;
      if (/slug/i.test(text)) return sentences.slug_taken;
      return sentences['23505'];
    }
    if (typeof message === 'string' && /failed to fetch|network/i.test(message)) {
      return 'The server could not be reached. Check your connection and try again.';
    }
  }
  return 'Something went wrong. Please try again.';
}
