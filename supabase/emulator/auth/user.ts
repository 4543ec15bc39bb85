/**
 * The signed-in caller's endpoints: `GET /user` and `POST /logout` (the user update,
 * `PUT /user`, sends email and lives in email-flows.ts), and the caller check they
 * share, made as GoTrue makes it.
 */
import type { Queryable } from '../database.ts';
import { json, type Reply, type ServiceRequest } from '../http.ts';
import { bearerToken, isOpaqueKey, JwtError, verifyJwt, type ProjectKeys } from '../jwt.ts';
import type { AuthDeps } from './deps.ts';
import { authErrors } from './errors.ts';
import { loadUser } from './users.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOGOUT_SCOPES = ['global', 'local', 'others'];

export interface Caller {
  userId: string;
  sessionId: string | undefined;
}

async function verifiedClaims(keys: ProjectKeys, authorization: string | undefined): Promise<Record<string, unknown>> {
  const token = bearerToken(authorization);
  if (!token) throw authErrors.noAuthorization();
  if (isOpaqueKey(token)) throw authErrors.badJwt('token is malformed');
  try {
    return await verifyJwt(token, keys.jwtSecret);
  } catch (error) {
    if (error instanceof JwtError) throw authErrors.badJwt(error.message);
    throw error;
  }
}

/** The signed-in caller of /user, /logout and /reauthenticate: its user and session must exist. */
export async function authenticate(deps: { db: Queryable; keys: ProjectKeys }, request: ServiceRequest): Promise<Caller> {
  const claims = await verifiedClaims(deps.keys, request.headers.authorization);
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') throw authErrors.badClaim('invalid claim: missing sub claim');
  if (!UUID.test(sub)) throw authErrors.badClaim('invalid claim: sub claim must be a UUID');
  const sessionId = claims.session_id;
  if (sessionId !== undefined && sessionId !== null && (typeof sessionId !== 'string' || !UUID.test(sessionId))) {
    throw authErrors.badClaim('invalid claim: session_id claim must be a UUID');
  }
  const found = await deps.db.query<{ user_exists: boolean; session_exists: boolean }>(
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

export async function getUser(deps: AuthDeps, request: ServiceRequest): Promise<Reply> {
  const caller = await authenticate(deps, request);
  const user = await loadUser(deps.db, caller.userId);
  if (!user) throw authErrors.userNotFound();
  return json(200, user);
}

export async function logout(deps: AuthDeps, request: ServiceRequest): Promise<Reply> {
  const scope = request.query.get('scope') ?? 'global';
  if (!LOGOUT_SCOPES.includes(scope)) throw authErrors.validation(`Unsupported logout scope "${scope}"`);
  const caller = await authenticate(deps, request);
  // Deleting a session cascades to its refresh tokens, which ends it for good.
  if (scope === 'global') {
    await deps.db.query('delete from auth.sessions where user_id = $1', [caller.userId]);
  } else if (scope === 'local') {
    if (caller.sessionId) await deps.db.query('delete from auth.sessions where id = $1', [caller.sessionId]);
  } else {
    await deps.db.query('delete from auth.sessions where user_id = $1 and id is distinct from $2', [
      caller.userId,
      caller.sessionId ?? null,
    ]);
  }
  return { status: 204, headers: {} };
}
