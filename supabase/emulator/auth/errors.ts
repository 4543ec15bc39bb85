/**
 * GoTrue's error answers. The client sends `X-Supabase-Api-Version: 2024-01-01`, so the
 * header is echoed and the body carries both the current (`code`, `message`) and the
 * legacy (`error_code`, `msg`) keys: either way supabase-js finds `error.code`.
 */
import { json, type Reply } from '../http.ts';

const API_VERSION = '2024-01-01';

export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toReply(): Reply {
    return json(
      this.status,
      { code: this.code, error_code: this.code, message: this.message, msg: this.message, ...this.extra },
      { 'X-Supabase-Api-Version': API_VERSION, 'x-sb-error-code': this.code },
    );
  }
}

export const authErrors = {
  invalidCredentials: () => new AuthError(400, 'invalid_credentials', 'Invalid login credentials'),
  emailNotConfirmed: () => new AuthError(400, 'email_not_confirmed', 'Email not confirmed'),
  userBanned: () => new AuthError(400, 'user_banned', 'User is banned'),
  validation: (message: string) => new AuthError(400, 'validation_failed', message),
  badJson: (message: string) => new AuthError(400, 'bad_json', `Could not parse request body as JSON: ${message}`),
  userAlreadyExists: () => new AuthError(422, 'user_already_exists', 'User already registered'),
  weakPassword: (message: string, reasons: string[]) =>
    new AuthError(422, 'weak_password', message, { weak_password: { reasons } }),
  overRequestRateLimit: () => new AuthError(429, 'over_request_rate_limit', 'Request rate limit reached'),
  anonymousDisabled: () => new AuthError(422, 'anonymous_provider_disabled', 'Anonymous sign-ins are disabled'),
  phoneDisabled: () => new AuthError(422, 'phone_provider_disabled', 'Phone signups are disabled'),
  refreshTokenNotFound: () =>
    new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found'),
  refreshTokenAlreadyUsed: () => new AuthError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used'),
  sessionExpired: () => new AuthError(400, 'session_expired', 'Invalid Refresh Token: Session Expired'),
  noAuthorization: () => new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token'),
  badJwt: (reason: string) => new AuthError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${reason}`),
  badClaim: (message: string) => new AuthError(403, 'bad_jwt', message),
  userNotFound: () => new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist'),
  sessionNotFound: () => new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist'),
  notFound: () => new AuthError(404, 'not_found', 'Not found'),
  methodNotAllowed: () => new AuthError(405, 'method_not_allowed', 'Method not allowed'),
  unsupportedGrant: () =>
    new AuthError(400, 'unsupported_grant_type', 'unsupported_grant_type: only password and refresh_token are supported'),
  overEmailSendRateLimit: () => new AuthError(429, 'over_email_send_rate_limit', 'Email rate limit exceeded'),
  overEmailFrequency: (seconds: number) =>
    new AuthError(429, 'over_email_send_rate_limit', `For security purposes, you can only request this after ${seconds} seconds.`),
  otpExpired: () => new AuthError(403, 'otp_expired', 'Token has expired or is invalid'),
  otpDisabled: () => new AuthError(422, 'otp_disabled', 'Signups not allowed for otp'),
  signupDisabled: () => new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance'),
  emailProviderDisabled: () => new AuthError(422, 'email_provider_disabled', 'Email signups are disabled'),
  emailExists: () => new AuthError(422, 'email_exists', 'A user with this email address has already been registered'),
  samePassword: () => new AuthError(422, 'same_password', 'New password should be different from the old password.'),
  reauthenticationNeeded: () => new AuthError(400, 'reauthentication_needed', 'Password update requires reauthentication'),
  reauthenticationNotValid: (message: string) => new AuthError(422, 'reauthentication_not_valid', message),
  notAdmin: () => new AuthError(403, 'not_admin', 'Updating app_metadata requires admin privileges'),
  databaseErrorSavingUser: () => new AuthError(500, 'unexpected_failure', 'Database error saving new user'),
};
