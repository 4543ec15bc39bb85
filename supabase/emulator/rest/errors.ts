/**
 * PostgREST-shaped errors: `{code, message, details, hint}` with the HTTP status
 * PostgREST gives each SQLSTATE or PGRST code, so supabase-js callers see the same
 * `error` objects locally as against a hosted project.
 */

export interface ErrorBody {
  code: string;
  message: string;
  /** A sentence, or (PGRST201) the list of candidate relationships. */
  details: string | Record<string, string>[] | null;
  hint: string | null;
}

/** A refusal decided by the emulator itself (bad syntax, unknown table, …). */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorBody['details'] = null,
    readonly hint: string | null = null,
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, details: this.details, hint: this.hint };
  }
}

export const syntaxError = (message: string, details: string | null = null): RestError =>
  new RestError(400, 'PGRST100', message, details);

export const invalidBody = (details: string | null = null): RestError =>
  new RestError(400, 'PGRST102', 'Empty or invalid json', details);

/** The shape shared by PGlite's and node-postgres' database errors. */
interface DriverError {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

export function isDriverError(error: unknown): error is DriverError {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof message === 'string';
}

/**
 * PostgREST's SQLSTATE → HTTP table. Codes a client would retry on GET (08*, 53*)
 * become 500 for GET/HEAD, because supabase-js silently retries 503 three times and
 * that looks like a hang. 42501 is 401 for the anonymous role (a token might help) and
 * 403 for any other role, as in PostgREST.
 */
export function statusForSqlState(code: string, method: string, anonymous = false): number {
  if (code === '23505' || code === '23503') return 409;
  if (code === '42501') return anonymous ? 401 : 403;
  if (code === 'P0001') return 400;
  if (/^PT\d{3}$/.test(code)) {
    const status = Number(code.slice(2));
    return status >= 100 && status <= 599 ? status : 400;
  }
  if (code === '42P01' || code === '42883') return 404;
  if (code === '25006') return 405;
  if (code.startsWith('08') || code.startsWith('53')) {
    return method === 'GET' || method === 'HEAD' ? 500 : 503;
  }
  if (code === '42P17' || /^(09|25|2D|38|39|3B|40|5[4-8]|F0|HV|P0|XX)/.test(code)) return 500;
  if (/^(0L|0P|28)/.test(code)) return 403;
  return 400;
}

export function driverErrorBody(error: DriverError): ErrorBody {
  return {
    code: error.code,
    message: error.message,
    details: error.detail ? error.detail : null,
    hint: error.hint ? error.hint : null,
  };
}

/** PostgREST's answer when the token's role is not one the API may act as. */
export const roleRefusal = (role: unknown): RestError =>
  new RestError(403, '42501', `permission denied to set role "${String(role)}"`);
