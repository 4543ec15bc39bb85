/**
 * Sessions and their tokens, as GoTrue's token issuance does it: a session row with a
 * first refresh token, an access token (JWT) signed for it, and refresh-token rotation
 * with GoTrue's reuse rules.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../database.ts';
import { signJwt } from '../jwt.ts';
import type { AuthDeps } from './deps.ts';
import { AuthError, authErrors } from './errors.ts';
import { INSTANCE_ID, loadUser, type UserJson } from './users.ts';

/** The token endpoint's answer (GoTrue's `AccessTokenResponse`). */
export type Session = Record<string, unknown>;

export interface SessionIds {
  sessionId: string;
  refreshToken: string;
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

const REFRESH_TOKEN_COLUMNS = 'id, token, user_id, revoked, parent, session_id, updated_at';

function newRefreshToken(): string {
  return randomBytes(16).toString('base64url');
}

async function insertRefreshToken(q: Queryable, token: string, userId: string, now: Date, sessionId: string, parent: string | null) {
  await q.query(
    `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
     values ($1, $2, $3, false, $4, $4, $5, $6)`,
    [INSTANCE_ID, token, userId, now, parent, sessionId],
  );
}

/** A new session for the user, with its first refresh token. */
export async function createSession(q: Queryable, userId: string, now: Date): Promise<SessionIds> {
  const sessionId = randomUUID();
  const refreshToken = newRefreshToken();
  await q.query(`insert into auth.sessions (id, user_id, created_at, updated_at, aal) values ($1, $2, $3, $3, 'aal1')`, [
    sessionId,
    userId,
    now,
  ]);
  await insertRefreshToken(q, refreshToken, userId, now, sessionId, null);
  return { sessionId, refreshToken };
}

/** The claims of an access token, as GoTrue signs them. */
export function accessTokenClaims(
  user: UserJson,
  input: { issuer: string; sessionId: string; signedInAt: Date; iat: number; exp: number; method?: string },
): Record<string, unknown> {
  const anonymous = user.is_anonymous === true;
  return {
    iss: input.issuer,
    sub: user.id,
    aud: 'authenticated',
    exp: input.exp,
    iat: input.iat,
    email: user.email ?? '',
    phone: user.phone ?? '',
    app_metadata: user.app_metadata ?? {},
    user_metadata: user.user_metadata ?? {},
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: input.method ?? (anonymous ? 'anonymous' : 'password'), timestamp: Math.floor(input.signedInAt.getTime() / 1000) }],
    session_id: input.sessionId,
    is_anonymous: anonymous,
  };
}

/** The token endpoint's answer: a fresh access token for the session, and its refresh token. */
export async function sessionResponse(
  deps: Pick<AuthDeps, 'config' | 'issuer' | 'keys'>,
  user: UserJson,
  ids: SessionIds,
  signedInAt: Date,
  method?: string,
): Promise<Session> {
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + deps.config.jwt_expiry;
  const claims = accessTokenClaims(user, { issuer: deps.issuer(), sessionId: ids.sessionId, signedInAt, iat, exp, method });
  return {
    access_token: await signJwt(claims, deps.keys.jwtSecret),
    token_type: 'bearer',
    expires_in: deps.config.jwt_expiry,
    expires_at: exp,
    refresh_token: ids.refreshToken,
    user,
  };
}

/** Signs the user in: last sign-in recorded, a new session, its tokens. */
export async function issueSession(deps: AuthDeps, q: Queryable, userId: string, method: string): Promise<Session> {
  const now = new Date();
  await q.query('update auth.users set last_sign_in_at = $2 where id = $1', [userId, now]);
  const ids = await createSession(q, userId, now);
  const user = await loadUser(q, userId);
  if (!user) throw authErrors.userNotFound();
  return sessionResponse(deps, user, ids, now, method);
}

/**
 * What presenting an already revoked refresh token does, as GoTrue decides it: the
 * parent of the session's live token, or one revoked within
 * `refresh_token_reuse_interval` (a second tab, a lost response), is answered with the
 * live token instead of forking the family; any other reuse revokes the whole family.
 */
export function revokedTokenOutcome(input: {
  presented: { token: string; updatedAt: Date | null };
  live: { token: string; parent: string | null } | undefined;
  now: Date;
  reuseIntervalSeconds: number;
}): { reuse: string } | 'revoke-family' {
  const { presented, live, now } = input;
  if (!live) return 'revoke-family';
  const revokedAt = presented.updatedAt ? presented.updatedAt.getTime() : 0;
  const withinReuseWindow = now.getTime() - revokedAt < input.reuseIntervalSeconds * 1000;
  return live.parent === presented.token || withinReuseWindow ? { reuse: live.token } : 'revoke-family';
}

type RefreshOutcome = { ok: true; session: Session } | { ok: false; error: AuthError };

/** The session a refresh token belongs to, if it may still be refreshed. */
async function refreshableSession(
  tx: Queryable,
  token: RefreshTokenRow | undefined,
  now: Date,
): Promise<{ session: SessionRow; user: UserJson } | AuthError> {
  if (!token || !token.session_id) return authErrors.refreshTokenNotFound();
  const sessions = await tx.query<SessionRow>('select id, user_id, created_at, not_after from auth.sessions where id = $1 for update', [
    token.session_id,
  ]);
  const session = sessions.rows[0];
  if (!session) return authErrors.refreshTokenNotFound();
  if (session.not_after && session.not_after.getTime() < now.getTime()) return authErrors.sessionExpired();
  const user = await loadUser(tx, session.user_id);
  if (!user) return authErrors.refreshTokenNotFound();
  if (typeof user.banned_until === 'string' && Date.parse(user.banned_until) > now.getTime()) return authErrors.userBanned();
  return { session, user };
}

/** Revokes the presented token and issues its child. */
async function rotate(tx: Queryable, token: RefreshTokenRow, session: SessionRow, now: Date): Promise<string> {
  const issued = newRefreshToken();
  await tx.query('update auth.refresh_tokens set revoked = true, updated_at = $2 where id = $1', [token.id, now]);
  await insertRefreshToken(tx, issued, session.user_id, now, session.id, token.token);
  await tx.query('update auth.sessions set updated_at = $2, refreshed_at = $3 where id = $1', [
    session.id,
    now,
    now.toISOString().replace('Z', ''),
  ]);
  return issued;
}

async function refreshInTransaction(deps: AuthDeps, tx: Queryable, presented: string): Promise<RefreshOutcome> {
  const tokens = await tx.query<RefreshTokenRow>(
    `select ${REFRESH_TOKEN_COLUMNS} from auth.refresh_tokens where token = $1 for update`,
    [presented],
  );
  const token = tokens.rows[0];
  const now = new Date();
  const found = await refreshableSession(tx, token, now);
  if (found instanceof AuthError) return { ok: false, error: found };
  const { session, user } = found;
  let issued: string;
  if (token!.revoked) {
    const active = await tx.query<RefreshTokenRow>(
      `select ${REFRESH_TOKEN_COLUMNS} from auth.refresh_tokens where session_id = $1 and revoked = false order by id desc limit 1`,
      [session.id],
    );
    const outcome = revokedTokenOutcome({
      presented: { token: token!.token, updatedAt: token!.updated_at },
      live: active.rows[0],
      now,
      reuseIntervalSeconds: deps.config.refresh_token_reuse_interval,
    });
    if (outcome === 'revoke-family') {
      await tx.query('update auth.refresh_tokens set revoked = true, updated_at = $2 where session_id = $1 and revoked = false', [
        session.id,
        now,
      ]);
      return { ok: false, error: authErrors.refreshTokenAlreadyUsed() };
    }
    issued = outcome.reuse;
  } else {
    issued = await rotate(tx, token!, session, now);
  }
  return { ok: true, session: await sessionResponse(deps, user, { sessionId: session.id, refreshToken: issued }, session.created_at) };
}

/**
 * The refresh-token grant: the session's next tokens. A refused reuse still commits
 * (it revokes the token family), so the refusal is returned out of the transaction
 * and thrown after it.
 */
export async function refreshSession(deps: AuthDeps, presented: string): Promise<Session> {
  const outcome = await deps.db.transaction((tx) => refreshInTransaction(deps, tx, presented));
  if (!outcome.ok) throw outcome.error;
  return outcome.session;
}
