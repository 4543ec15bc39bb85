/**
 * GoTrue, the part supabase-js uses: email sign-up (confirmed at once, or by email when
 * `[auth.email] enable_confirmations` is on), anonymous sign-up (off unless enabled),
 * the password and refresh-token grants with rotation, the user endpoint (read and
 * update), logout, and the emailed flows of email-flows.ts, whose mail goes to the
 * local inbox.
 *
 * Everything lives in the `auth` schema tables of the same database, written in one
 * transaction per request, so application triggers and foreign keys on auth.users work
 * exactly as on a Supabase project.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuthConfig } from '../config.ts';
import type { Mailer } from '../mail/inbox.ts';
import type { Database, Queryable } from '../database.ts';
import { json, type Reply, type ServiceRequest } from '../http.ts';
import { bearerToken, isOpaqueKey, JwtError, signJwt, verifyJwt, type ProjectKeys } from '../jwt.ts';
import { allowedRedirect } from './email-tokens.ts';
import * as emailFlows from './email-flows.ts';
import { AuthError, authErrors } from './errors.ts';
import { hashPassword, passwordMatches, passwordProblem, passwordRules, passwordWeakness } from './password.ts';
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

export interface AuthService {
  /** `clientAddress` is what the request's rate limits count against. */
  handle(request: ServiceRequest, clientAddress: string): Promise<Reply>;
}

const FIVE_MINUTES = 5 * 60_000;
const ONE_HOUR = 60 * 60_000;
const INSTANCE_ID = '00000000-0000-0000-0000-000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The address check GoTrue applies before anything else.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

const metadata = z.record(z.string(), z.unknown());

const signupBody = z.object({
  email: z.string().optional().nullable(),
  phone: z.string().optional().nullable(),
  password: z.string().optional().nullable(),
  data: metadata.optional().nullable(),
});

const passwordGrantBody = z.object({
  email: z.string().optional().nullable(),
  phone: z.string().optional().nullable(),
  password: z.string().optional().nullable(),
});

const refreshGrantBody = z.object({
  refresh_token: z.string().optional().nullable(),
});

interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  phone: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  phone_confirmed_at: Date | null;
  confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  created_at: Date | null;
  updated_at: Date | null;
  banned_until: Date | null;
  is_anonymous: boolean;
  confirmation_sent_at: Date | null;
  recovery_sent_at: Date | null;
  email_change: string | null;
  email_change_sent_at: Date | null;
}

interface IdentityRow {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: Record<string, unknown>;
  provider: string;
  last_sign_in_at: Date | null;
  created_at: Date | null;
  updated_at: Date | null;
  email: string | null;
}

interface RefreshTokenRow {
  id: number;
  token: string;
  user_id: string;
  revoked: boolean;
  parent: string | null;
  session_id: string | null;
  updated_at: Date | null;
}

interface SessionRow {
  id: string;
  user_id: string;
  created_at: Date;
  not_after: Date | null;
}

type UserJson = Record<string, unknown>;

function iso(value: Date | string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** GoTrue omits null timestamps. */
function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

function identityJson(row: IdentityRow): Record<string, unknown> {
  return withoutUndefined({
    identity_id: row.id,
    id: row.provider_id,
    user_id: row.user_id,
    identity_data: row.identity_data,
    provider: row.provider,
    last_sign_in_at: iso(row.last_sign_in_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    email: row.email ?? undefined,
  });
}

function userJson(user: UserRow, identities: IdentityRow[]): UserJson {
  return withoutUndefined({
    id: user.id,
    aud: user.aud ?? 'authenticated',
    role: user.role ?? 'authenticated',
    email: user.email ?? '',
    email_confirmed_at: iso(user.email_confirmed_at),
    phone: user.phone ?? '',
    confirmation_sent_at: iso(user.confirmation_sent_at),
    recovery_sent_at: iso(user.recovery_sent_at),
    new_email: user.email_change || undefined,
    email_change_sent_at: user.email_change ? iso(user.email_change_sent_at) : undefined,
    phone_confirmed_at: iso(user.phone_confirmed_at),
    confirmed_at: iso(user.confirmed_at),
    last_sign_in_at: iso(user.last_sign_in_at),
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    identities: identities.map(identityJson),
    created_at: iso(user.created_at),
    updated_at: iso(user.updated_at),
    banned_until: iso(user.banned_until),
    is_anonymous: user.is_anonymous,
  });
}

/** A database error as PGlite and node-postgres both report it. */
function isDriverError(error: unknown): error is { code: string; message: string } {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof message === 'string';
}

function newRefreshToken(): string {
  return randomBytes(16).toString('base64url');
}

function parseJsonBody(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw authErrors.badJson(error instanceof Error ? error.message : 'invalid JSON');
  }
}

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

export function createAuthService(options: AuthServiceOptions): AuthService {
  const { db, keys } = options;
  const timingDummy = hashPassword(randomBytes(12).toString('hex'));
  const { config } = options;
  const rules = passwordRules(config);
  // Which request counts against which limit: the Supabase CLI's meaning of each
  // `[auth.rate_limit]` key ("sign-ups and sign-ins per 5 minutes per IP address", …).
  const limits = options.rateLimit
    ? {
        signInSignUps: new RateLimiter({ limit: options.rateLimit.sign_in_sign_ups, periodMs: FIVE_MINUTES }),
        tokenRefresh: new RateLimiter({ limit: options.rateLimit.token_refresh, periodMs: FIVE_MINUTES }),
        anonymousUsers: new RateLimiter({ limit: options.rateLimit.anonymous_users, periodMs: ONE_HOUR }),
        tokenVerifications: new RateLimiter({ limit: options.rateLimit.token_verifications, periodMs: FIVE_MINUTES }),
      }
    : undefined;

  // Emails are counted for the whole project, not per address, as GoTrue counts them.
  const emailSent = options.rateLimit ? new RateLimiter({ limit: options.rateLimit.email_sent, periodMs: ONE_HOUR }) : undefined;

  function count(limit: keyof NonNullable<typeof limits>, clientAddress: string): void {
    if (limits && !limits[limit].take(clientAddress)) throw authErrors.overRequestRateLimit();
  }

  async function loadUser(q: Queryable, id: string): Promise<UserJson | undefined> {
    const users = await q.query<UserRow>('select * from auth.users where id = $1', [id]);
    const user = users.rows[0];
    if (!user) return undefined;
    const identities = await q.query<IdentityRow>(
      'select * from auth.identities where user_id = $1 order by created_at, id',
      [id],
    );
    return userJson(user, identities.rows);
  }

  async function createSession(q: Queryable, userId: string, now: Date): Promise<{ sessionId: string; refreshToken: string }> {
    const sessionId = randomUUID();
    const refreshToken = newRefreshToken();
    await q.query(
      `insert into auth.sessions (id, user_id, created_at, updated_at, aal) values ($1, $2, $3, $3, 'aal1')`,
      [sessionId, userId, now],
    );
    await q.query(
      `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
       values ($1, $2, $3, false, $4, $4, null, $5)`,
      [INSTANCE_ID, refreshToken, userId, now, sessionId],
    );
    return { sessionId, refreshToken };
  }

  async function sessionResponse(
    user: UserJson,
    sessionId: string,
    refreshToken: string,
    signedInAt: Date,
    method?: string,
  ): Promise<Record<string, unknown>> {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + config.jwt_expiry;
    const anonymous = user.is_anonymous === true;
    const accessToken = await signJwt(
      {
        iss: options.issuer(),
        sub: user.id,
        aud: 'authenticated',
        exp,
        iat,
        email: user.email ?? '',
        phone: user.phone ?? '',
        app_metadata: user.app_metadata ?? {},
        user_metadata: user.user_metadata ?? {},
        role: 'authenticated',
        aal: 'aal1',
        amr: [{ method: method ?? (anonymous ? 'anonymous' : 'password'), timestamp: Math.floor(signedInAt.getTime() / 1000) }],
        session_id: sessionId,
        is_anonymous: anonymous,
      },
      keys.jwtSecret,
    );
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: config.jwt_expiry,
      expires_at: exp,
      refresh_token: refreshToken,
      user,
    };
  }

  /** A new user with its identity, session and first refresh token, all in one transaction. */
  async function insertUser(input: {
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
  }): Promise<{ session?: Record<string, unknown>; user: UserJson }> {
    const now = new Date();
    const id = randomUUID();
    const confirmed = input.confirmed ?? true;
    const appMetadata = input.anonymous ? {} : { provider: 'email', providers: ['email'] };
    const identityData = { sub: id, email: input.email, email_verified: confirmed, phone_verified: false };
    const userMetadata = input.anonymous ? input.userMetadata : { ...input.userMetadata, ...identityData };
    try {
      let sendConfirmation: (() => void) | undefined;
      const created = await db.transaction(async (tx) => {
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
        if (!input.anonymous) {
          await tx.query(
            `insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
             values ($1, $2::text, $2::uuid, $3, 'email', $4, $4, $4)`,
            [randomUUID(), id, JSON.stringify(identityData), now],
          );
        }
        if ((!confirmed && input.email) || input.withoutSession) {
          if (!confirmed && input.email && input.confirm) sendConfirmation = await input.confirm(tx, { id, email: input.email });
          const user = await loadUser(tx, id);
          if (!user) throw new Error('the new user vanished inside its own transaction');
          return { user };
        }
        const { sessionId, refreshToken } = await createSession(tx, id, now);
        const user = await loadUser(tx, id);
        if (!user) throw new Error('the new user vanished inside its own transaction');
        return { user, session: await sessionResponse(user, sessionId, refreshToken, now) };
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

  async function signup(request: ServiceRequest, clientAddress: string): Promise<Reply> {
    const body = parseWith(signupBody, request.body);
    const email = body.email?.trim() ?? '';
    const phone = body.phone?.trim() ?? '';
    const data = body.data ?? {};

    if (email === '' && phone === '') {
      if (!options.anonymousSignIns) throw authErrors.anonymousDisabled();
      count('anonymousUsers', clientAddress);
      const created = await insertUser({ email: null, passwordHash: null, userMetadata: data, anonymous: true });
      return json(200, created.session);
    }
    count('signInSignUps', clientAddress);
    if (!config.enable_signup) throw authErrors.signupDisabled();
    const password = body.password ?? '';
    if (password === '') throw authErrors.validation('Signup requires a valid password');
    const problem = passwordProblem(password, rules);
    if (problem) throw problem;
    if (email !== '' && phone !== '') {
      throw authErrors.validation('Only an email address or phone number should be provided on signup.');
    }
    if (phone !== '') throw authErrors.phoneDisabled();
    if (email.length > 255 || !EMAIL.test(email)) {
      throw authErrors.validation('Unable to validate email address: invalid format');
    }
    if (!config.email.enable_signup) throw authErrors.emailProviderDisabled();
    const normalized = email.toLowerCase();
    const existing = await db.query('select 1 from auth.users where email = $1 and is_sso_user = false', [normalized]);
    if (existing.rows.length > 0) throw authErrors.userAlreadyExists();

    const confirmed = !config.email.enable_confirmations;
    // The confirmation is an email: it counts against the project's email budget.
    if (!confirmed && emailSent && !emailSent.take('project')) throw authErrors.overEmailSendRateLimit();
    const redirectTo = allowedRedirect(request.query.get('redirect_to'), {
      siteUrl: config.site_url,
      additionalRedirectUrls: config.additional_redirect_urls,
    });
    // Hashing takes tens of milliseconds (off the event loop): before the database lock.
    const passwordHash = await hashPassword(password);
    const created = await insertUser({
      email: normalized,
      passwordHash,
      userMetadata: data,
      anonymous: false,
      confirmed,
      confirm: (tx, user) => emailFlows.sendConfirmation(flows, tx, { ...user, confirmation_sent_at: null }, redirectTo),
    });
    // Without a session GoTrue answers with the user alone; supabase-js reads that as "check your email".
    return json(200, created.session ?? created.user);
  }

  async function passwordGrant(request: ServiceRequest, clientAddress: string): Promise<Reply> {
    count('signInSignUps', clientAddress);
    const body = parseWith(passwordGrantBody, request.body);
    const email = body.email?.trim() ?? '';
    const phone = body.phone?.trim() ?? '';
    if (email !== '' && phone !== '') {
      throw authErrors.validation('Only an email address or phone number should be provided on login.');
    }
    if (email === '' && phone === '') throw authErrors.validation('missing email or phone');
    const found = await db.query<UserRow>(
      email !== ''
        ? 'select * from auth.users where email = $1 and is_sso_user = false and deleted_at is null'
        : 'select * from auth.users where phone = $1 and deleted_at is null',
      [email !== '' ? email.toLowerCase() : phone],
    );
    const user = found.rows[0];
    const password = body.password ?? '';
    // Compare even without a user, so timing does not reveal which emails exist.
    const hash = user?.encrypted_password || (await timingDummy);
    const matches = await passwordMatches(password, hash);
    if (!user || !user.encrypted_password || !matches) throw authErrors.invalidCredentials();
    // A password that no longer meets the rules still signs in; GoTrue says so in the answer.
    const weakness = passwordWeakness(password, rules);
    if (user.banned_until && user.banned_until.getTime() > Date.now()) throw authErrors.userBanned();
    if (email !== '' && !user.email_confirmed_at) throw authErrors.emailNotConfirmed();

    const session = await db.transaction(async (tx) => {
      const now = new Date();
      await tx.query('update auth.users set last_sign_in_at = $2, updated_at = $2 where id = $1', [user.id, now]);
      await tx.query(`update auth.identities set last_sign_in_at = $2 where user_id = $1 and provider = 'email'`, [
        user.id,
        now,
      ]);
      const { sessionId, refreshToken } = await createSession(tx, user.id, now);
      const current = await loadUser(tx, user.id);
      if (!current) throw authErrors.invalidCredentials();
      return sessionResponse(current, sessionId, refreshToken, now);
    });
    return json(200, weakness ? { ...session, weak_password: weakness } : session);
  }

  type RefreshOutcome = { ok: true; session: Record<string, unknown> } | { ok: false; error: AuthError };

  async function refreshGrant(request: ServiceRequest, clientAddress: string): Promise<Reply> {
    count('tokenRefresh', clientAddress);
    const body = parseWith(refreshGrantBody, request.body);
    const presented = body.refresh_token ?? '';
    if (presented === '') throw authErrors.validation('refresh_token required');

    // A refused reuse still commits (it revokes the token family), so the outcome is
    // returned rather than thrown out of the transaction.
    const outcome = await db.transaction<RefreshOutcome>(async (tx) => {
      const tokens = await tx.query<RefreshTokenRow>(
        'select id, token, user_id, revoked, parent, session_id, updated_at from auth.refresh_tokens where token = $1 for update',
        [presented],
      );
      const token = tokens.rows[0];
      if (!token || !token.session_id) return { ok: false, error: authErrors.refreshTokenNotFound() };
      const sessions = await tx.query<SessionRow>(
        'select id, user_id, created_at, not_after from auth.sessions where id = $1 for update',
        [token.session_id],
      );
      const session = sessions.rows[0];
      if (!session) return { ok: false, error: authErrors.refreshTokenNotFound() };
      const now = new Date();
      if (session.not_after && session.not_after.getTime() < now.getTime()) {
        return { ok: false, error: authErrors.sessionExpired() };
      }
      const user = await loadUser(tx, session.user_id);
      if (!user) return { ok: false, error: authErrors.refreshTokenNotFound() };
      if (typeof user.banned_until === 'string' && Date.parse(user.banned_until) > now.getTime()) {
        return { ok: false, error: authErrors.userBanned() };
      }

      let issued: string;
      if (token.revoked) {
        const active = await tx.query<RefreshTokenRow>(
          `select id, token, user_id, revoked, parent, session_id, updated_at from auth.refresh_tokens
           where session_id = $1 and revoked = false order by id desc limit 1`,
          [session.id],
        );
        const current = active.rows[0];
        const revokedAt = token.updated_at ? token.updated_at.getTime() : 0;
        const withinReuseWindow = now.getTime() - revokedAt < config.refresh_token_reuse_interval * 1000;
        // The parent of the live token, or a recent one (a second tab, a lost response):
        // answer with the live token instead of forking the family.
        if (current && (current.parent === token.token || withinReuseWindow)) {
          issued = current.token;
        } else {
          await tx.query('update auth.refresh_tokens set revoked = true, updated_at = $2 where session_id = $1 and revoked = false', [
            session.id,
            now,
          ]);
          return { ok: false, error: authErrors.refreshTokenAlreadyUsed() };
        }
      } else {
        issued = newRefreshToken();
        await tx.query('update auth.refresh_tokens set revoked = true, updated_at = $2 where id = $1', [token.id, now]);
        await tx.query(
          `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
           values ($1, $2, $3, false, $4, $4, $5, $6)`,
          [INSTANCE_ID, issued, session.user_id, now, token.token, session.id],
        );
        await tx.query('update auth.sessions set updated_at = $2, refreshed_at = $3 where id = $1', [
          session.id,
          now,
          now.toISOString().replace('Z', ''),
        ]);
      }
      return { ok: true, session: await sessionResponse(user, session.id, issued, session.created_at) };
    });
    if (!outcome.ok) throw outcome.error;
    return json(200, outcome.session);
  }

  interface Caller {
    userId: string;
    sessionId: string | undefined;
  }

  /** The signed-in caller of /user and /logout, checked as GoTrue checks it. */
  async function authenticate(request: ServiceRequest): Promise<Caller> {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw authErrors.noAuthorization();
    if (isOpaqueKey(token)) throw authErrors.badJwt('token is malformed');
    let claims: Record<string, unknown>;
    try {
      claims = await verifyJwt(token, keys.jwtSecret);
    } catch (error) {
      if (error instanceof JwtError) throw authErrors.badJwt(error.message);
      throw error;
    }
    const sub = claims.sub;
    if (typeof sub !== 'string' || sub === '') throw authErrors.badClaim('invalid claim: missing sub claim');
    if (!UUID.test(sub)) throw authErrors.badClaim('invalid claim: sub claim must be a UUID');
    const sessionId = claims.session_id;
    if (sessionId !== undefined && sessionId !== null && (typeof sessionId !== 'string' || !UUID.test(sessionId))) {
      throw authErrors.badClaim('invalid claim: session_id claim must be a UUID');
    }
    const found = await db.query<{ user_exists: boolean; session_exists: boolean }>(
      `select exists(select 1 from auth.users where id = $1) as user_exists,
              exists(select 1 from auth.sessions where id = $2 and user_id = $1
                     and (not_after is null or not_after > now())) as session_exists`,
      [sub, typeof sessionId === 'string' ? sessionId : null],
    );
    const row = found.rows[0];
    if (!row?.user_exists) throw authErrors.userNotFound();
    if (typeof sessionId === 'string' && !row.session_exists) throw authErrors.sessionNotFound();
    return { userId: sub, sessionId: typeof sessionId === 'string' ? sessionId : undefined };
  }

  async function getUser(request: ServiceRequest): Promise<Reply> {
    const caller = await authenticate(request);
    const user = await loadUser(db, caller.userId);
    if (!user) throw authErrors.userNotFound();
    return json(200, user);
  }

  async function logout(request: ServiceRequest): Promise<Reply> {
    const scope = request.query.get('scope') ?? 'global';
    if (!['global', 'local', 'others'].includes(scope)) {
      throw authErrors.validation(`Unsupported logout scope "${scope}"`);
    }
    const caller = await authenticate(request);
    // Deleting a session cascades to its refresh tokens, which ends it for good.
    if (scope === 'global') {
      await db.query('delete from auth.sessions where user_id = $1', [caller.userId]);
    } else if (scope === 'local') {
      if (caller.sessionId) await db.query('delete from auth.sessions where id = $1', [caller.sessionId]);
    } else {
      await db.query('delete from auth.sessions where user_id = $1 and id is distinct from $2', [
        caller.userId,
        caller.sessionId ?? null,
      ]);
    }
    return { status: 204, headers: {} };
  }

  const flows: emailFlows.EmailFlowContext = {
    db,
    config,
    rules,
    mailer: options.mailer,
    authUrl: options.issuer,
    parseBody: (schema, request) => parseWith(schema, request.body),
    validEmail: (email) => EMAIL.test(email),
    loadUser,
    async issueSession(q, userId, method) {
      const now = new Date();
      await q.query('update auth.users set last_sign_in_at = $2 where id = $1', [userId, now]);
      const { sessionId, refreshToken } = await createSession(q, userId, now);
      const user = await loadUser(q, userId);
      if (!user) throw authErrors.userNotFound();
      return sessionResponse(user, sessionId, refreshToken, now, method);
    },
    authenticate,
    emailSent,
    countVerification: (clientAddress) => count('tokenVerifications', clientAddress),
  };

  /** A user made by /otp: no password; confirmed at once unless confirmations are on. */
  async function createOtpUser(input: emailFlows.NewUserInput): Promise<{ id: string }> {
    const created = await insertUser({
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

  function settings(): Reply {
    return json(200, {
      external: {
        anonymous_users: options.anonymousSignIns,
        email: config.email.enable_signup,
        phone: false,
      },
      disable_signup: !config.enable_signup,
      mailer_autoconfirm: !config.email.enable_confirmations,
      phone_autoconfirm: false,
      sms_provider: '',
      saml_enabled: false,
    });
  }

  type Handler = (request: ServiceRequest, clientAddress: string) => Promise<Reply> | Reply;
  const routes: Record<string, Partial<Record<string, Handler>>> = {
    '/signup': { POST: signup },
    '/token': {
      POST: (request, clientAddress) => {
        const grant = request.query.get('grant_type');
        if (grant === 'password') return passwordGrant(request, clientAddress);
        if (grant === 'refresh_token') return refreshGrant(request, clientAddress);
        throw authErrors.unsupportedGrant();
      },
    },
    '/user': { GET: getUser, PUT: (request) => emailFlows.updateUser(flows, request) },
    '/recover': { POST: (request) => emailFlows.recover(flows, request) },
    '/otp': {
      POST: (request, clientAddress) => {
        count('signInSignUps', clientAddress);
        return emailFlows.otp(flows, request, createOtpUser);
      },
    },
    '/verify': {
      GET: (request, clientAddress) => emailFlows.verifyGet(flows, request, clientAddress),
      POST: (request, clientAddress) => emailFlows.verifyPost(flows, request, clientAddress),
    },
    '/reauthenticate': { GET: (request) => emailFlows.reauthenticate(flows, request) },
    '/logout': { POST: logout },
    '/settings': { GET: settings },
    '/health': {
      GET: () => json(200, { version: 'emulator', name: 'GoTrue', description: 'GoTrue is a user registration and authentication API' }),
    },
  };

  return {
    async handle(request, clientAddress) {
      try {
        const route = routes[request.path.replace(/\/+$/, '') || '/'];
        if (!route) throw authErrors.notFound();
        const method = request.method === 'HEAD' ? 'GET' : request.method;
        const handler = route[method];
        if (!handler) throw authErrors.methodNotAllowed();
        return await handler(request, clientAddress);
      } catch (error) {
        if (error instanceof AuthError) return error.toReply();
        throw error;
      }
    },
  };
}
