/**
 * The one place that turns errors into sentences, for the dashboard and the attendee
 * pages alike. Database refusals carry a stable snake_case code in `message` (the
 * generated `ErrorCodes`); a code without a sentence here does not compile, and a test
 * reads the migrations for codes this table misses. Field refusals carry JSON in
 * `details` ({"field", "index", "name", "sold"}) that names the ticket type concerned.
 */
import type { ErrorCode } from './database.types';
import { maxImportRows, maxTicketsPerOrder, maxTicketsPerType } from './database.types';
import { isNetworkError } from './network-error';

/** What a field refusal says about the row concerned. */
export interface ErrorDetail {
  field?: string;
  index?: number;
  name?: string;
  sold?: number;
  available?: number;
}

type Sentence = string | ((detail: ErrorDetail) => string);

/** “VIP”: … when the refusal names a ticket type, else the sentence alone. */
const forTicket = (sentence: string) => (detail: ErrorDetail) =>
  detail.name ? `“${detail.name}”: ${sentence.charAt(0).toLowerCase()}${sentence.slice(1)}` : sentence;

const tickets = (count: number) => (count === 1 ? '1 ticket' : `${count} tickets`);

export const DATABASE_SENTENCES: Record<ErrorCode, Sentence> = {
  not_authorized: 'You do not have permission to do that.',
  organization_mismatch: 'Something you chose belongs to another organization or no longer exists. Reload the page and try again.',
  last_owner: 'An organization needs at least one owner. Make someone else an owner first.',
  invalid_name: 'Enter a name of 1 to 120 characters.',
  invalid_currency: 'Choose a valid currency.',
  // Events and ticket types.
  invalid_event_name: 'Enter an event name of 1 to 200 characters.',
  invalid_slug: 'The web address must be 3 to 80 lower-case letters, digits and single dashes.',
  invalid_description: 'The description can be at most 10,000 characters long.',
  invalid_venue: 'The venue can be at most 200 characters long.',
  invalid_starts_at: 'Choose when the event starts.',
  invalid_ticket_types: 'An event can have at most 100 ticket types.',
  invalid_ticket_name: 'Every ticket type needs a name of 1 to 100 characters.',
  invalid_price: forTicket('Enter a price from 0 to 1,000,000, like 25 or 25.50.'),
  invalid_capacity: forTicket('Capacity must be a whole number from 0 to 1,000,000.'),
  capacity_below_sold: (detail) =>
    detail.name && detail.sold !== undefined
      ? `“${detail.name}”: capacity cannot be lower than the ${tickets(detail.sold)} already sold.`
      : 'A capacity cannot be lower than the tickets already sold.',
  ticket_type_has_sales: (detail) =>
    `${detail.name ? `“${detail.name}”` : 'This ticket type'} has orders and cannot be removed. Lower its capacity to what was sold instead.`,
  slug_taken: 'That web address (slug) is already taken by another event. Choose another one.',
  // Promoters, links and groups.
  invalid_promo_code: 'Promo codes are 3–32 letters, digits, dashes or underscores.',
  promo_code_taken: 'That promo code is already used by another promoter in your organization.',
  invalid_email: 'Enter a valid email address, like name@example.com.',
  invalid_phone: 'The phone number can be at most 40 characters long.',
  invalid_notes: 'Notes can be at most 2,000 characters long.',
  promoter_not_found: 'This promoter no longer exists. Reload the page.',
  group_not_found: 'One of the chosen groups no longer exists. Reload the page and choose again.',
  deletion_not_requested: 'Start the deletion again: it was not requested or was already used.',
  deletion_expired: 'The deletion request expired after 10 minutes. Start again to delete this promoter.',
  deletion_code_mismatch: 'The promo code you typed does not match. Nothing was deleted.',
  // Importing and activating many promoters.
  invalid_import_rows: 'The file has no promoters to import, or a row could not be read.',
  import_too_large: `One import takes at most ${maxImportRows.toLocaleString('en')} promoters. Split the file and import the parts one by one.`,
  import_refused: 'Nothing was imported: some rows have errors. Fix them and import again.',
  invalid_promoter_ids: 'Choose 1 to 1,000 promoters.',
  invalid_date_range: 'Choose a start date on or before the end date, at most two years apart.',
  // Buying tickets and refunds.
  event_not_found: 'This event could not be found. It may have been removed.',
  event_not_on_sale: 'Tickets for this event are no longer on sale.',
  ticket_type_not_found: 'One of the ticket types is no longer available. Reload the page and choose again.',
  sold_out: (detail) => {
    if (detail.name === undefined || detail.available === undefined) {
      return 'Sorry, there are not enough tickets left for your selection. Please choose fewer tickets or another ticket type.';
    }
    if (detail.available <= 0) return `Sorry, ${detail.name} is sold out. Please choose another ticket type.`;
    return `Sorry, only ${tickets(detail.available)} of ${detail.name} ${detail.available === 1 ? 'is' : 'are'} left. Please choose fewer tickets.`;
  },
  price_changed: 'The price of a ticket changed while you were ordering, and nothing was charged. Please check the new price and order again.',
  invalid_items: 'Your ticket selection could not be read. Please go back to the event page and choose your tickets again.',
  invalid_quantity: `You can buy between 1 and ${maxTicketsPerType} tickets of each type, and at most ${maxTicketsPerOrder} tickets in one order.`,
  invalid_buyer_name: 'Please enter your name (up to 200 characters).',
  invalid_buyer_email: 'Please enter a valid email address, like name@example.com.',
  invalid_idempotency_key: 'Something went wrong preparing your order. Please reload the page and try again.',
  idempotency_key_reused: 'This payment attempt was already used for a different order. Please reload the page and try again.',
  too_many_checkouts:
    'Too many orders were placed from your connection in the last minute, so this one was not placed and you have not been charged. Please wait a minute and try again.',
  too_many_referral_code_attempts:
    'Referred by (code): too many codes were tried from your connection. Wait a minute and try again, or clear the field to buy without one.',
  order_not_found: 'This order no longer exists.',
  // Attribution settings.
  invalid_attribution_window: 'Choose “This browser session”, or a number of days from 1 to 90.',
  invalid_referral_code_setting: 'Choose whether the checkout page asks for a referral code.',
  invalid_self_referral_setting: 'Choose whether orders a promoter bought through their own link count toward their figures.',
  order_already_refunded: 'This order was already refunded.',
  // Orders list.
  invalid_cursor: 'The list changed while you were scrolling. Reload the orders and try again.',
  // Teams and invitations.
  invalid_role: 'Invite as admin or member. To make someone an owner, invite them first, then change their role here.',
  already_member: 'This person already belongs to the organization.',
  invitation_expired: 'This invitation has expired (links are valid for 7 days). Ask the organization for a new one.',
  invitation_revoked: 'This invitation was revoked. Ask the organization for a new one.',
  invitation_already_accepted: 'This invitation link was already used. Ask the organization for a new one if you still need to join.',
  invitation_email_mismatch: 'This invitation is for another email address. Sign in with the address it was sent to.',
  email_not_confirmed: 'Confirm your email address first with the link in the message we sent you, then try again.',
  too_many_attempts: 'Too many invitation links were tried from your network. Wait a minute and try again.',
};

/**
 * Codes the SPA itself raises where the database answers without an error (a function
 * that returns null rather than revealing why), carried in `message` like database codes.
 */
const APP_SENTENCES: Record<string, string> = {
  invitation_not_found: 'This invitation link is not valid. Check that you copied all of it, or ask for a new one.',
  invalid_referral_code: 'Referred by (code): no promoter of this event has this code. Check it, or clear the field to buy without one.',
};

/** Auth (GoTrue) codes people can meet on the sign-in and sign-up forms. */
const AUTH_SENTENCES: Record<string, string> = {
  invalid_credentials: 'Email or password is incorrect.',
  user_already_exists: 'An account with this email already exists. Sign in instead.',
  email_exists: 'An account with this email already exists. Sign in instead.',
  email_address_invalid: 'Enter a valid email address, like name@example.com.',
  weak_password: 'Choose a stronger password: at least 10 characters, with letters and digits.',
  over_request_rate_limit: 'Too many attempts from your network. Wait a few minutes and try again.',
  over_email_send_rate_limit: 'We sent an email very recently. Wait a little, then try again.',
  same_password: 'That is your current password. Choose a different one.',
  otp_expired: 'This link is invalid or has expired. Ask for a new one.',
  email_not_confirmed: 'Confirm your email address first: follow the link we sent you.',
  reauthentication_needed: 'For your security, sign out and sign in again before changing your password.',
  reauthentication_not_valid: 'That confirmation code is wrong or has expired.',
};

/** What a column is called on the forms, for constraint violations of direct table writes. */
const FIELD_LABELS: Record<string, string> = {
  name: 'name',
  email: 'email address',
  phone: 'phone number',
  notes: 'notes',
  color: 'colour',
  slug: 'web address',
  venue: 'venue',
  description: 'description',
  capacity: 'capacity',
  price_minor: 'price',
  promo_code: 'promo code',
  starts_at: 'start time',
  ends_at: 'end time',
  currency: 'currency',
};

export const FALLBACK_SENTENCE = 'Something went wrong. Please try again.';
export const NETWORK_SENTENCE = 'The server could not be reached. Check your connection and try again.';

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  details?: unknown;
}

const isDatabaseCode = (value: unknown): value is ErrorCode => typeof value === 'string' && Object.hasOwn(DATABASE_SENTENCES, value);

/** Reads the JSON `details` of a refusal; anything else gives an empty detail. */
export function errorDetail(details: unknown): ErrorDetail {
  if (typeof details !== 'string' || !details.startsWith('{')) return {};
  try {
    const parsed: unknown = JSON.parse(details);
    return typeof parsed === 'object' && parsed !== null ? (parsed as ErrorDetail) : {};
  } catch {
    return {};
  }
}

/** The sentence for a database code, filled in from the refusal's details. */
export function sentenceFor(code: ErrorCode, details?: unknown): string {
  const sentence = DATABASE_SENTENCES[code];
  return typeof sentence === 'string' ? sentence : sentence(errorDetail(details));
}

/** The database code of an error, when it is one. */
export function databaseCode(error: unknown): ErrorCode | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { message } = error as ErrorLike;
  return isDatabaseCode(message) ? message : undefined;
}

/** The column a Postgres constraint message names: `…check constraint "promoters_email_check"`, `…column "name"…`. */
function constraintField(text: string): string | undefined {
  const column = /column "([a-z_]+)"/.exec(text)?.[1];
  if (column) return column;
  const constraint = /constraint "([a-z_]+)"/.exec(text)?.[1];
  if (!constraint) return undefined;
  return Object.keys(FIELD_LABELS)
    .sort((a, b) => b.length - a.length)
    .find((field) => constraint.includes(`_${field}_`) || constraint.endsWith(`_${field}`));
}

/** A sentence a person can act on, for any error thrown by a fetcher or mutation. */
export function errorMessage(error: unknown): string {
  if (typeof error !== 'object' || error === null) return FALLBACK_SENTENCE;
  const { message, code, details } = error as ErrorLike;
  if (isDatabaseCode(message)) return sentenceFor(message, details);
  if (typeof message === 'string' && Object.hasOwn(APP_SENTENCES, message)) return APP_SENTENCES[message];
  if (typeof code === 'string' && Object.hasOwn(AUTH_SENTENCES, code)) return AUTH_SENTENCES[code];
  const text = `${String(message ?? '')} ${String(details ?? '')}`;
  if (code === 'validation_failed' && /email/i.test(text)) return AUTH_SENTENCES.email_address_invalid;
  if (code === '42501') return DATABASE_SENTENCES.not_authorized as string;
  if (code === '23505') {
    if (/promo_code/i.test(text)) return DATABASE_SENTENCES.promo_code_taken as string;
    if (/slug/i.test(text)) return DATABASE_SENTENCES.slug_taken as string;
    if (/name/i.test(text)) return 'Something with that name already exists. Choose another name.';
    return 'That already exists. Choose another value.';
  }
  if (code === '23514' || code === '23502' || code === '22001') {
    const field = constraintField(text);
    if (field === 'sold' || /sold_within_capacity/.test(text)) return sentenceFor('capacity_below_sold');
    if (!field) return 'One of the values is not allowed. Check the length and format of each field.';
    const label = FIELD_LABELS[field] ?? field.replace(/_/g, ' ');
    return `${label.charAt(0).toUpperCase()}${label.slice(1)}: this value is not allowed. Check its length and format.`;
  }
  if (code === '23503') return 'This is still used by other records (such as orders), so it cannot be removed or changed.';
  if (isNetworkError({ message })) return NETWORK_SENTENCE;
  return FALLBACK_SENTENCE;
}
