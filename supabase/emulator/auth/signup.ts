/**
 * Sign-up, as GoTrue's `POST /signup`: an email user (confirmed at once, or by email
 * when `[auth.email] enable_confirmations` is on) or an anonymous one (off unless
 * enabled), and the creation of a user with its email identity, which /otp shares.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../database.ts';
import { json, type Reply, type ServiceRequest } from '../http.ts';
import { credentialFields, optionalObject, parseWith, validEmail, type AuthDeps } from './deps.ts';
import * as emailFlows from './email-flows.ts';
import { AuthError, authErrors } from './errors.ts';
import { hashPassword, passwordProblem } from './password.ts';
import { createSession, sessionResponse, type Session } from './sessions.ts';
import { INSTANCE_ID, loadUser, type UserJson } from './users.ts';

const signupBody = z.object({ ...credentialFields, data: optionalObject });

/** A database error as PGlite and node-postgres both report it. */
function isDriverError(error: unknown): error is { code: string; message: string } {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof message === 'string';
}

export interface NewUser {
  email: string | null;
  passwordHash: string | null;
  userMetadata: Record<string, unknown>;
  anonymous: boolean;
  /** False: the address waits for its confirmation email, and there is no session yet. */
  confirmed?: boolean;
  /** Runs in the transaction when the user is unconfirmed; returns the email's sending. */
  confirm?: (tx: Queryable, user: { id: string; email: string }) => Promise<() => void>;
  /** Create the user only, without signing it in (a user made by /otp). */
  withoutSession?: boolean;
}

async function insertUserRows(tx: Queryable, id: string, input: NewUser, confirmed: boolean, now: Date): Promise<void> {
  const appMetadata = input.anonymous ? {} : { provider: 'email', providers: ['email'] };
  const identityData = { sub: id, email: input.email, email_verified: confirmed, phone_verified: false };
  const userMetadata = input.anonymous ? input.userMetadata : { ...input.userMetadata, ...identityData };
  await tx.query(
    `insert into auth.users (
       instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, last_sign_in_at,
       raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at, updated_at, is_anonymous,
       confirmation_token, recovery_token, email_change_token_new, email_change)
     values ($1, $2, 'authenticated', 'authenticated', $3, $4, $5, $6, $7, $8, false, $6, $6, $9, '', '', '', '')`,
    [
      INSTANCE_ID,
      id,
      input.email,
      input.passwordHash ?? '',
      input.anonymous || !confirmed ? null : now,
      confirmed ? now : null,
      JSON.stringify(appMetadata),
      JSON.stringify(userMetadata),
      input.anonymous,
    ],
  );
  if (input.anonymous) return;
  await tx.query(
    `insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
     values ($1, $2::text, $2::uuid, $3, 'email', $4, $4, $4)`,
    [randomUUID(), id, JSON.stringify(identityData), now],
  );
}

/** A new user with its identity, session and first refresh token, all in one transaction. */
export async function insertUser(deps: AuthDeps, input: NewUser): Promise<{ session?: Session; user: UserJson }> {
  const now = new Date();
  const id = randomUUID();
  const confirmed = input.confirmed ?? true;
  try {
    let sendConfirmation: (() => void) | undefined;
    const created = await deps.db.transaction(async (tx) => {
      await insertUserRows(tx, id, input, confirmed, now);
      const signsIn = !((!confirmed && input.email) || input.withoutSession);
      if (!confirmed && input.email && input.confirm) sendConfirmation = await input.confirm(tx, { id, email: input.email });
      const ids = signsIn ? await createSession(tx, id, now) : undefined;
      const user = await loadUser(tx, id);
      if (!user) throw new Error('the new user vanished inside its own transaction');
      if (!ids) return { user };
      return { user, session: await sessionResponse(deps, user, ids, now) };
    });
    sendConfirmation?.();
    return created;
  } catch (error) {
    if (error instanceof AuthError) throw error;
    if (isDriverError(error) && error.code === '23505' && /email/.test(error.message)) {
      throw authErrors.userAlreadyExists();
    }
    // An application trigger on auth.users failed: GoTrue answers exactly this.
    if (isDriverError(error)) throw authErrors.databaseErrorSavingUser();
    throw error;
  }
}

/** A user made by /otp: no password, not signed in; confirmed at once unless confirmations are on. */
export async function createOtpUser(deps: AuthDeps, input: emailFlows.NewUserInput): Promise<{ id: string }> {
  const created = await insertUser(deps, {
    email: input.email,
    passwordHash: null,
    userMetadata: input.userMetadata,
    anonymous: false,
    confirmed: input.confirmed,
    // The confirmation email, if any, is sent by /otp itself once the user exists.
    withoutSession: true,
  });
  return { id: String(created.user.id) };
}

async function anonymousSignup(deps: AuthDeps, data: Record<string, unknown>, clientAddress: string): Promise<Reply> {
  if (!deps.anonymousSignIns) throw authErrors.anonymousDisabled();
  deps.limits.count('anonymousUsers', clientAddress);
  const created = await insertUser(deps, { email: null, passwordHash: null, userMetadata: data, anonymous: true });
  return json(200, created.session);
}

/** The checks GoTrue makes of an email sign-up, in its order; the address, normalized. */
function checkedSignup(deps: AuthDeps, body: z.infer<typeof signupBody>, email: string, phone: string): string {
  if (!deps.config.enable_signup) throw authErrors.signupDisabled();
  const password = body.password ?? '';
  if (password === '') throw authErrors.validation('Signup requires a valid password');
  const problem = passwordProblem(password, deps.rules);
  if (problem) throw problem;
  if (email !== '' && phone !== '') {
    throw authErrors.validation('Only an email address or phone number should be provided on signup.');
  }
  if (phone !== '') throw authErrors.phoneDisabled();
  if (!validEmail(email)) throw authErrors.validation('Unable to validate email address: invalid format');
  if (!deps.config.email.enable_signup) throw authErrors.emailProviderDisabled();
  return email.toLowerCase();
}

export async function signup(deps: AuthDeps, request: ServiceRequest, clientAddress: string): Promise<Reply> {
  const body = parseWith(signupBody, request.body);
  const email = body.email?.trim() ?? '';
  const phone = body.phone?.trim() ?? '';
  const data = body.data ?? {};
  if (email === '' && phone === '') return anonymousSignup(deps, data, clientAddress);

  deps.limits.count('signInSignUps', clientAddress);
  const normalized = checkedSignup(deps, body, email, phone);
  const existing = await deps.db.query('select 1 from auth.users where email = $1 and is_sso_user = false', [normalized]);
  if (existing.rows.length > 0) throw authErrors.userAlreadyExists();

  const confirmed = !deps.config.email.enable_confirmations;
  // The confirmation is an email: it counts against the project's email budget.
  if (!confirmed) deps.limits.takeEmail();
  const redirectTo = emailFlows.requestedRedirect(deps.config, request);
  // Hashing takes tens of milliseconds (off the event loop): before the database lock.
  const passwordHash = await hashPassword(body.password ?? '');
  const created = await insertUser(deps, {
    email: normalized,
    passwordHash,
    userMetadata: data,
    anonymous: false,
    confirmed,
    confirm: (tx, user) => emailFlows.sendConfirmation(deps, tx, { ...user, confirmation_sent_at: null }, redirectTo),
  });
  // Without a session GoTrue answers with the user alone; supabase-js reads that as "check your email".
  return json(200, created.session ?? created.user);
}
