/**
 * What every GoTrue endpoint works with, built once per service: the database, the
 * project keys, `[auth]` of supabase/config.toml with its password rules, the request
 * limits and the mailer. Endpoints are plain functions of these dependencies and the
 * request, as GoTrue's API handlers are methods over one `API` value.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AuthConfig } from '../config.ts';
import type { Database } from '../database.ts';
import type { ProjectKeys } from '../jwt.ts';
import type { Mailer } from '../mail/inbox.ts';
import { authErrors } from './errors.ts';
import { hashPassword, passwordRules, type PasswordRules } from './password.ts';
import { RateLimiter } from './rate-limit.ts';

export interface AuthServiceOptions {
  db: Database;
  keys: ProjectKeys;
  /** The `iss` claim: `<API URL>/auth/v1`. */
  issuer: () => string;
  anonymousSignIns: boolean;
  /** `[auth]` of supabase/config.toml: password rules, token lifetimes, email settings. */
  config: AuthConfig;
  /** `[auth.rate_limit]` of supabase/config.toml, per client address; false for none. */
  rateLimit: AuthConfig['rate_limit'] | false;
  /** Where emails go: the local inbox. */
  mailer: Mailer;
}

/** The per-address limits of `[auth.rate_limit]`, by what they count. */
export type LimitKind = 'signInSignUps' | 'tokenRefresh' | 'anonymousUsers' | 'tokenVerifications';

export interface AuthLimits {
  /** Counts one request from `clientAddress`; throws `over_request_rate_limit` past the limit. */
  count(kind: LimitKind, clientAddress: string): void;
  /** Counts one email against the project's budget; throws `over_email_send_rate_limit` past it. */
  takeEmail(): void;
}

export interface AuthDeps {
  db: Database;
  keys: ProjectKeys;
  /** `<API URL>/auth/v1`: the `iss` claim, and the base of links in emails. */
  issuer: () => string;
  anonymousSignIns: boolean;
  config: AuthConfig;
  rules: PasswordRules;
  limits: AuthLimits;
  mailer: Mailer;
  /** A hash compared against when no user matches, so timing does not reveal which emails exist. */
  timingDummy: Promise<string>;
}

const FIVE_MINUTES = 5 * 60_000;
const ONE_HOUR = 60 * 60_000;

/**
 * Which request counts against which limit: the Supabase CLI's meaning of each
 * `[auth.rate_limit]` key ("sign-ups and sign-ins per 5 minutes per IP address", …).
 * Emails are counted for the whole project, not per address, as GoTrue counts them.
 */
export function createAuthLimits(rateLimit: AuthConfig['rate_limit'] | false, now?: () => number): AuthLimits {
  if (!rateLimit) return { count() {}, takeEmail() {} };
  const limiter = (limit: number, periodMs: number) => new RateLimiter({ limit, periodMs }, now);
  const perAddress: Record<LimitKind, RateLimiter> = {
    signInSignUps: limiter(rateLimit.sign_in_sign_ups, FIVE_MINUTES),
    tokenRefresh: limiter(rateLimit.token_refresh, FIVE_MINUTES),
    anonymousUsers: limiter(rateLimit.anonymous_users, ONE_HOUR),
    tokenVerifications: limiter(rateLimit.token_verifications, FIVE_MINUTES),
  };
  const emailSent = limiter(rateLimit.email_sent, ONE_HOUR);
  return {
    count(kind, clientAddress) {
      if (!perAddress[kind].take(clientAddress)) throw authErrors.overRequestRateLimit();
    },
    takeEmail() {
      if (!emailSent.take('project')) throw authErrors.overEmailSendRateLimit();
    },
  };
}

export function createAuthDeps(options: AuthServiceOptions): AuthDeps {
  return {
    db: options.db,
    keys: options.keys,
    issuer: options.issuer,
    anonymousSignIns: options.anonymousSignIns,
    config: options.config,
    rules: passwordRules(options.config),
    limits: createAuthLimits(options.rateLimit),
    mailer: options.mailer,
    timingDummy: hashPassword(randomBytes(12).toString('hex')),
  };
}

// The address check GoTrue applies before anything else.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** An address GoTrue accepts: its pattern, at most 255 characters. */
export function validEmail(email: string): boolean {
  return email.length <= 255 && EMAIL.test(email);
}

function parseJsonBody(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw authErrors.badJson(error instanceof Error ? error.message : 'invalid JSON');
  }
}

/** A body field as GoTrue reads it: optional, and `null` is the same as not sent. */
export const optionalText = z.string().optional().nullable();
export const optionalObject = z.record(z.string(), z.unknown()).optional().nullable();
export const optionalFlag = z.boolean().optional().nullable();

/** What signing up and the password grant both read: an address or a phone number, and a password. */
export const credentialFields = { email: optionalText, phone: optionalText, password: optionalText };

/** The JSON body checked against `schema`; an empty body is `{}`. Throws `bad_json`. */
export function parseWith<T>(schema: z.ZodType<T>, body: Buffer | undefined): T {
  const value = parseJsonBody(body);
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw authErrors.badJson(`${where}: ${issue?.message ?? 'invalid value'}`);
  }
  return result.data;
}
