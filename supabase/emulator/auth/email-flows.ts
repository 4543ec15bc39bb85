/**
 * GoTrue's emailed flows: password recovery (`POST /recover`), email one-time codes
 * and magic links (`POST /otp`), their verification (`POST /verify` for codes and
 * token hashes, `GET /verify` for the link a browser opens), reauthentication
 * (`GET /reauthenticate`) and the user update (`PUT /user`: password, email, metadata).
 *
 * Every code is single-use: it is consumed by the same UPDATE that checks it (hash and
 * age in its WHERE clause), so two verifications racing each other cannot both win.
 */
import { z } from 'zod';
import type { AuthConfig } from '../config.ts';
import type { Queryable } from '../database.ts';
import { json, type Reply, type ServiceRequest } from '../http.ts';
import { optionalFlag, optionalObject, optionalText, parseWith, validEmail, type AuthDeps } from './deps.ts';
import { allowedRedirect, EMAIL_LINK_TYPES, newOtp, tokenHash, VERIFY_TYPES, type VerifyType } from './email-tokens.ts';
import { AuthError, authErrors } from './errors.ts';
import { composeMail, type MailKind } from './mail-templates.ts';
import { hashPassword, passwordMatches, passwordProblem } from './password.ts';
import { issueSession } from './sessions.ts';
import { authenticate } from './user.ts';
import { loadUser } from './users.ts';

interface MailUserRow {
  id: string;
  email: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  is_anonymous: boolean;
  banned_until: Date | null;
  confirmation_sent_at: Date | null;
  recovery_sent_at: Date | null;
  email_change_sent_at: Date | null;
  reauthentication_sent_at: Date | null;
  reauthentication_token: string | null;
  email_change: string | null;
  email_change_confirm_status: number | null;
  email_change_token_new: string | null;
  email_change_token_current: string | null;
}

const USER_COLUMNS = `id, email, encrypted_password, email_confirmed_at, is_anonymous, banned_until, confirmation_sent_at,
  recovery_sent_at, email_change_sent_at, reauthentication_sent_at, reauthentication_token, email_change,
  email_change_confirm_status, email_change_token_new, email_change_token_current`;

const SINGLE_CONFIRMATION_ACCEPTED = 'Confirmation link accepted. Please proceed to confirm link sent to the other email';
const REAUTHENTICATION_WINDOW_MS = 24 * 60 * 60_000;

const recoverBody = z.object({ email: optionalText }).loose();
const otpBody = z.object({ email: optionalText, phone: optionalText, data: optionalObject, create_user: optionalFlag }).loose();
const verifyBody = z
  .object({ type: optionalText, token: optionalText, token_hash: optionalText, email: optionalText, phone: optionalText, redirect_to: optionalText })
  .loose();
const updateBody = z
  .object({ email: optionalText, password: optionalText, nonce: optionalText, data: optionalObject, app_metadata: optionalObject, phone: optionalText })
  .loose();

/** Where an emailed link leads: the request's `redirect_to` if `[auth]` allows it, else the site URL. */
export function requestedRedirect(config: AuthConfig, request: ServiceRequest): string {
  return allowedRedirect(request.query.get('redirect_to'), {
    siteUrl: config.site_url,
    additionalRedirectUrls: config.additional_redirect_urls,
  });
}

/** GoTrue's per-user pause between two emails of one kind (`max_frequency`). */
function checkFrequency(sentAt: Date | null, config: AuthConfig): void {
  if (!sentAt) return;
  const next = sentAt.getTime() + config.email.max_frequency;
  const now = Date.now();
  if (now < next) throw authErrors.overEmailFrequency(Math.ceil((next - now) / 1000));
}

function verifyLink(context: AuthDeps, hash: string, type: string, redirectTo: string): string {
  const link = new URL(`${context.issuer()}/verify`);
  link.searchParams.set('token', hash);
  link.searchParams.set('type', type);
  link.searchParams.set('redirect_to', redirectTo);
  return link.toString();
}

/**
 * One emailed code (with its link): the hash to store, and the sending, done once the
 * hash is stored, so no email ever carries a code the database does not know.
 */
function prepareCode(
  context: AuthDeps,
  kind: MailKind,
  to: string,
  linkType: string | undefined,
  redirectTo: string,
): { hash: string; send(): void } {
  const otp = newOtp(context.config.email.otp_length);
  const hash = tokenHash(to, otp);
  return {
    hash,
    send: () => {
      context.mailer.sendMail(composeMail(kind, to, otp, linkType ? verifyLink(context, hash, linkType, redirectTo) : undefined));
    },
  };
}

async function findByEmail(q: Queryable, email: string): Promise<MailUserRow | undefined> {
  const found = await q.query<MailUserRow>(
    `select ${USER_COLUMNS} from auth.users where email = $1 and is_sso_user = false and deleted_at is null`,
    [email],
  );
  return found.rows[0];
}

/** The signed-in caller's row; `user_not_found` when it is gone. */
async function callerRow(q: Queryable, id: string): Promise<MailUserRow> {
  const found = await q.query<MailUserRow>(`select ${USER_COLUMNS} from auth.users where id = $1`, [id]);
  const user = found.rows[0];
  if (!user) throw authErrors.userNotFound();
  return user;
}

function normalizedEmail(raw: string | null | undefined, missing: string): string {
  const email = raw?.trim() ?? '';
  if (email === '') throw authErrors.validation(missing);
  if (!validEmail(email)) {
    throw authErrors.validation('Unable to validate email address: invalid format');
  }
  return email.toLowerCase();
}

export async function recover(context: AuthDeps, request: ServiceRequest): Promise<Reply> {
  const body = parseWith(recoverBody, request.body);
  const email = normalizedEmail(body.email, 'Password recovery requires an email');
  context.limits.takeEmail();
  const redirectTo = requestedRedirect(context.config, request);
  const user = await findByEmail(context.db, email);
  // An unknown address answers like a known one: the endpoint does not list users.
  if (!user) return json(200, {});
  checkFrequency(user.recovery_sent_at, context.config);
  const code = prepareCode(context, 'recovery', email, 'recovery', redirectTo);
  await context.db.query('update auth.users set recovery_token = $2, recovery_sent_at = now(), updated_at = now() where id = $1', [
    user.id,
    code.hash,
  ]);
  code.send();
  return json(200, {});
}

export interface NewUserInput {
  email: string;
  userMetadata: Record<string, unknown>;
  confirmed: boolean;
}

/** Stores a sign-up confirmation's hash; returns the sending, for after the commit. */
export async function sendConfirmation(
  context: AuthDeps,
  q: Queryable,
  user: { id: string; email: string; confirmation_sent_at: Date | null },
  redirectTo: string,
): Promise<() => void> {
  checkFrequency(user.confirmation_sent_at, context.config);
  const code = prepareCode(context, 'signup', user.email, 'signup', redirectTo);
  await q.query('update auth.users set confirmation_token = $2, confirmation_sent_at = now() where id = $1', [user.id, code.hash]);
  return code.send;
}

export async function otp(
  context: AuthDeps,
  request: ServiceRequest,
  createUser: (input: NewUserInput) => Promise<{ id: string }>,
): Promise<Reply> {
  const body = parseWith(otpBody, request.body);
  const phone = body.phone?.trim() ?? '';
  const rawEmail = body.email?.trim() ?? '';
  if (rawEmail !== '' && phone !== '') throw authErrors.validation('Only an email address or phone number should be provided');
  if (phone !== '') throw authErrors.phoneDisabled();
  const email = normalizedEmail(rawEmail, 'One of email or phone must be set');
  context.limits.takeEmail();
  const redirectTo = requestedRedirect(context.config, request);

  let user = await findByEmail(context.db, email);
  if (!user) {
    if (body.create_user === false) throw authErrors.otpDisabled();
    if (!context.config.enable_signup || !context.config.email.enable_signup) throw authErrors.signupDisabled();
    const created = await createUser({
      email,
      userMetadata: body.data ?? {},
      confirmed: !context.config.email.enable_confirmations,
    });
    user = await findByEmail(context.db, email);
    if (!user || user.id !== created.id) throw new Error('the new user vanished');
  }
  if (!user.email_confirmed_at) {
    const send = await sendConfirmation(
      context,
      context.db,
      { id: user.id, email, confirmation_sent_at: user.confirmation_sent_at },
      redirectTo,
    );
    send();
    return json(200, {});
  }
  checkFrequency(user.recovery_sent_at, context.config);
  const code = prepareCode(context, 'magiclink', email, 'magiclink', redirectTo);
  await context.db.query('update auth.users set recovery_token = $2, recovery_sent_at = now() where id = $1', [user.id, code.hash]);
  code.send();
  return json(200, {});
}

type Verified = { kind: 'session'; userId: string; method: string } | { kind: 'half-confirmed' };

/**
 * Consumes the code or token hash and applies what it confirms, in the caller's
 * transaction; throws `otp_expired` when nothing matches, expired or already used.
 */
async function consume(
  context: AuthDeps,
  tx: Queryable,
  type: VerifyType,
  match: { hash: string; email?: string },
): Promise<Verified> {
  const expiry = `${context.config.email.otp_expiry} seconds`;
  const byEmail = match.email !== undefined;
  const expired = () => authErrors.otpExpired();

  if (type === 'email_change') {
    // The new address's code is checked against the pending address, the current one's against the email.
    const rows = await tx.query<MailUserRow>(
      `select ${USER_COLUMNS} from auth.users
        where (email_change_token_new = $1 or email_change_token_current = $1) and email_change_token_new is not null
          and coalesce(email_change, '') <> '' and email_change_sent_at > now() - $2::interval
          ${byEmail ? 'and (email = $3 or email_change = $3)' : ''}
        for update`,
      byEmail ? [match.hash, expiry, match.email] : [match.hash, expiry],
    );
    const user = rows.rows[0];
    if (!user || match.hash === '') throw expired();
    const needsBoth = context.config.email.double_confirm_changes && (user.email ?? '') !== '';
    if (needsBoth && (user.email_change_confirm_status ?? 0) === 0) {
      const column = user.email_change_token_current === match.hash ? 'email_change_token_current' : 'email_change_token_new';
      await tx.query(`update auth.users set email_change_confirm_status = 1, ${column} = '' where id = $1`, [user.id]);
      return { kind: 'half-confirmed' };
    }
    const newEmail = user.email_change!;
    await tx.query(
      `update auth.users set email = $2::text, email_change = '', email_change_token_new = '', email_change_token_current = '',
              email_change_confirm_status = 0, email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now(),
              raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || jsonb_build_object('email', $2::text)
        where id = $1`,
      [user.id, newEmail],
    );
    await tx.query(
      `update auth.identities set identity_data = identity_data || jsonb_build_object('email', $2::text), updated_at = now()
        where user_id = $1 and provider = 'email'`,
      [user.id, newEmail],
    );
    return { kind: 'session', userId: user.id, method: 'email_change' };
  }

  // signup/invite codes live in confirmation_token, recovery/magic-link ones in
  // recovery_token; `email` is either kind of code typed in from the message.
  const columns =
    type === 'signup' || type === 'invite'
      ? ['confirmation']
      : type === 'recovery' || type === 'magiclink'
        ? ['recovery']
        : ['confirmation', 'recovery'];
  for (const column of columns) {
    const updated = await tx.query<{ id: string }>(
      `update auth.users set ${column}_token = '', email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now()
        where ${column}_token = $1 and $1 <> '' and ${column}_sent_at > now() - $2::interval
          and deleted_at is null and (banned_until is null or banned_until <= now())
          ${byEmail ? 'and email = $3' : ''}
        returning id`,
      byEmail ? [match.hash, expiry, match.email] : [match.hash, expiry],
    );
    const row = updated.rows[0];
    if (row) {
      await tx.query(
        `update auth.identities set identity_data = identity_data || '{"email_verified": true}'::jsonb where user_id = $1 and provider = 'email'`,
        [row.id],
      );
      const method = column === 'recovery' ? (type === 'recovery' ? 'recovery' : 'magiclink') : 'otp';
      return { kind: 'session', userId: row.id, method };
    }
  }
  throw expired();
}

/**
 * Consumes the code and signs its user in, in one transaction; undefined when it was
 * the first of two email-change confirmations.
 */
function verifyAndSignIn(context: AuthDeps, type: VerifyType, match: { hash: string; email?: string }) {
  return context.db.transaction(async (tx) => {
    const verified = await consume(context, tx, type, match);
    if (verified.kind === 'half-confirmed') return undefined;
    return issueSession(context, tx, verified.userId, verified.method);
  });
}

function verifyType(raw: string | null | undefined): VerifyType {
  if (!raw) throw authErrors.validation('Verify requires a verification type');
  if (!(VERIFY_TYPES as readonly string[]).includes(raw)) throw authErrors.validation('Unsupported verification type');
  return raw as VerifyType;
}

export async function verifyPost(context: AuthDeps, request: ServiceRequest, clientAddress: string): Promise<Reply> {
  context.limits.count('tokenVerifications', clientAddress);
  const body = parseWith(verifyBody, request.body);
  const type = verifyType(body.type);
  const token = body.token?.trim().replace(/-/g, '') ?? '';
  const hashGiven = body.token_hash?.trim() ?? '';
  if (token === '' && hashGiven === '') throw authErrors.validation('Verify requires a token or a token hash');
  let match: { hash: string; email?: string };
  if (hashGiven !== '') {
    match = { hash: hashGiven };
  } else {
    if ((body.phone?.trim() ?? '') !== '') throw authErrors.phoneDisabled();
    const email = normalizedEmail(body.email, 'Only an email address or phone number should be provided on verify');
    match = { hash: tokenHash(email, token), email };
  }
  const outcome = await verifyAndSignIn(context, type, match);
  if (!outcome) return json(200, { msg: SINGLE_CONFIRMATION_ACCEPTED, code: 200 });
  return json(200, outcome);
}

function redirectWithFragment(target: string, fragment: URLSearchParams): Reply {
  const url = new URL(target);
  url.hash = fragment.toString();
  return { status: 303, headers: { Location: url.toString() }, body: undefined };
}

/** The link from an email, opened in a browser: answers with a redirect either way. */
export async function verifyGet(context: AuthDeps, request: ServiceRequest, clientAddress: string): Promise<Reply> {
  const redirectTo = requestedRedirect(context.config, request);
  try {
    context.limits.count('tokenVerifications', clientAddress);
    const rawType = request.query.get('type');
    const type = verifyType(rawType);
    if (!(EMAIL_LINK_TYPES as readonly string[]).includes(type)) throw authErrors.validation('Unsupported verification type');
    const token = request.query.get('token')?.trim() ?? '';
    if (token === '') throw authErrors.validation('Verify requires a token or a token hash');
    const outcome = await verifyAndSignIn(context, type, { hash: token });
    if (!outcome) return redirectWithFragment(redirectTo, new URLSearchParams({ message: SINGLE_CONFIRMATION_ACCEPTED }));
    const fragment = new URLSearchParams({
      access_token: String(outcome.access_token),
      expires_at: String(outcome.expires_at),
      expires_in: String(outcome.expires_in),
      refresh_token: String(outcome.refresh_token),
      token_type: 'bearer',
      type,
    });
    return redirectWithFragment(redirectTo, fragment);
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    const kind = error.status === 429 ? 'temporarily_unavailable' : error.status >= 500 ? 'server_error' : 'access_denied';
    const description = error.code === 'otp_expired' ? 'Email link is invalid or has expired' : error.message;
    return redirectWithFragment(
      redirectTo,
      new URLSearchParams({ error: kind, error_code: error.code, error_description: description }),
    );
  }
}

export async function reauthenticate(context: AuthDeps, request: ServiceRequest): Promise<Reply> {
  const caller = await authenticate(context, request);
  const user = await callerRow(context.db, caller.userId);
  if (!user.email) throw authErrors.reauthenticationNotValid('Reauthentication requires the user to have an email or a phone number');
  context.limits.takeEmail();
  checkFrequency(user.reauthentication_sent_at, context.config);
  const code = prepareCode(context, 'reauthentication', user.email, undefined, context.config.site_url);
  await context.db.query('update auth.users set reauthentication_token = $2, reauthentication_sent_at = now() where id = $1', [
    user.id,
    code.hash,
  ]);
  code.send();
  return json(200, {});
}

export async function updateUser(context: AuthDeps, request: ServiceRequest): Promise<Reply> {
  const caller = await authenticate(context, request);
  const body = parseWith(updateBody, request.body);
  const password = body.password ?? undefined;
  const rawEmail = body.email?.trim() ?? '';
  const email = rawEmail === '' ? '' : normalizedEmail(rawEmail, '');
  if ((body.phone?.trim() ?? '') !== '') throw authErrors.phoneDisabled();
  if (password !== undefined && password !== '') {
    const problem = passwordProblem(password, context.rules);
    if (problem) throw problem;
  }
  if (body.app_metadata) throw authErrors.notAdmin();

  const user = await callerRow(context.db, caller.userId);
  if (user.is_anonymous && password && email === '') {
    throw new AuthError(422, 'validation_failed', 'Updating password of an anonymous user without an email or phone is not allowed');
  }
  const changesEmail = email !== '' && email !== user.email;
  if (changesEmail) {
    const duplicate = await context.db.query('select 1 from auth.users where email = $1 and id <> $2 and is_sso_user = false', [
      email,
      user.id,
    ]);
    if (duplicate.rows.length > 0) throw authErrors.emailExists();
  }

  let passwordHash: string | undefined;
  let reauthenticated = false;
  if (password !== undefined) {
    if (context.config.email.secure_password_change) {
      const session = caller.sessionId
        ? await context.db.query<{ created_at: Date }>('select created_at from auth.sessions where id = $1', [caller.sessionId])
        : undefined;
      const createdAt = session?.rows[0]?.created_at;
      if (!createdAt || Date.now() > createdAt.getTime() + REAUTHENTICATION_WINDOW_MS) {
        const nonce = body.nonce?.trim() ?? '';
        if (nonce === '') throw authErrors.reauthenticationNeeded();
        const sentAt = user.reauthentication_sent_at?.getTime() ?? 0;
        const valid =
          !!user.email &&
          user.reauthentication_token !== null &&
          user.reauthentication_token !== '' &&
          user.reauthentication_token === tokenHash(user.email, nonce) &&
          Date.now() <= sentAt + context.config.email.otp_expiry * 1000;
        if (!valid) throw authErrors.reauthenticationNotValid('Nonce has expired or is invalid');
        reauthenticated = true;
      }
    }
    if (password !== '' && user.encrypted_password && (await passwordMatches(password, user.encrypted_password))) {
      throw authErrors.samePassword();
    }
    passwordHash = password === '' ? '' : await hashPassword(password);
  }
  if (changesEmail) {
    context.limits.takeEmail();
    checkFrequency(user.email_change_sent_at, context.config);
  }

  const redirectTo = requestedRedirect(context.config, request);
  const codes = changesEmail
    ? {
        new: prepareCode(context, 'email_change_new', email, 'email_change', redirectTo),
        current:
          context.config.email.double_confirm_changes && user.email
            ? prepareCode(context, 'email_change_current', user.email, 'email_change', redirectTo)
            : undefined,
      }
    : undefined;
  const updated = await context.db.transaction(async (tx) => {
    if (passwordHash !== undefined) {
      await tx.query('update auth.users set encrypted_password = $2, updated_at = now() where id = $1', [user.id, passwordHash]);
      if (reauthenticated) {
        await tx.query(`update auth.users set reauthentication_token = '' where id = $1`, [user.id]);
      }
      // A new password ends every other session, as GoTrue does.
      await tx.query('delete from auth.sessions where user_id = $1 and id is distinct from $2', [user.id, caller.sessionId ?? null]);
    }
    if (body.data) {
      await tx.query(
        // A key set to null is removed, as GoTrue merges metadata.
        `update auth.users set updated_at = now(), raw_user_meta_data = (
            select coalesce(jsonb_object_agg(key, value), '{}'::jsonb)
              from jsonb_each(coalesce(raw_user_meta_data, '{}'::jsonb) || $2::jsonb) where value <> 'null'::jsonb)
          where id = $1`,
        [user.id, JSON.stringify(body.data)],
      );
    }
    if (codes) {
      await tx.query(
        `update auth.users set email_change = $2, email_change_token_new = $3, email_change_token_current = $4,
                email_change_confirm_status = 0, email_change_sent_at = now(), updated_at = now() where id = $1`,
        [user.id, email, codes.new.hash, codes.current?.hash ?? ''],
      );
    }
    return loadUser(tx, user.id);
  });
  if (!updated) throw authErrors.userNotFound();
  codes?.new.send();
  codes?.current?.send();
  return json(200, updated);
}
