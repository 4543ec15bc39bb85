/**
 * GoTrue's `POST /token`: the password grant (a new session) and the refresh-token
 * grant (the session's next tokens, sessions.ts).
 */
import { z } from 'zod';
import { json, type Reply, type ServiceRequest } from '../http.ts';
import { credentialFields, optionalText, parseWith, type AuthDeps } from './deps.ts';
import { authErrors } from './errors.ts';
import { passwordMatches, passwordWeakness } from './password.ts';
import { createSession, refreshSession, sessionResponse } from './sessions.ts';
import { loadUser, type UserRow } from './users.ts';

const passwordGrantBody = z.object(credentialFields);

const refreshGrantBody = z.object({ refresh_token: optionalText });

async function findSignInUser(deps: AuthDeps, email: string, phone: string): Promise<UserRow | undefined> {
  const found = await deps.db.query<UserRow>(
    email !== ''
      ? 'select * from auth.users where email = $1 and is_sso_user = false and deleted_at is null'
      : 'select * from auth.users where phone = $1 and deleted_at is null',
    [email !== '' ? email.toLowerCase() : phone],
  );
  return found.rows[0];
}

export async function passwordGrant(deps: AuthDeps, request: ServiceRequest, clientAddress: string): Promise<Reply> {
  deps.limits.count('signInSignUps', clientAddress);
  const body = parseWith(passwordGrantBody, request.body);
  const email = body.email?.trim() ?? '';
  const phone = body.phone?.trim() ?? '';
  if (email !== '' && phone !== '') {
    throw authErrors.validation('Only an email address or phone number should be provided on login.');
  }
  if (email === '' && phone === '') throw authErrors.validation('missing email or phone');
  const user = await findSignInUser(deps, email, phone);
  const password = body.password ?? '';
  // Compare even without a user, so timing does not reveal which emails exist.
  const hash = user?.encrypted_password || (await deps.timingDummy);
  const matches = await passwordMatches(password, hash);
  if (!user || !user.encrypted_password || !matches) throw authErrors.invalidCredentials();
  // A password that no longer meets the rules still signs in; GoTrue says so in the answer.
  const weakness = passwordWeakness(password, deps.rules);
  if (user.banned_until && user.banned_until.getTime() > Date.now()) throw authErrors.userBanned();
  if (email !== '' && !user.email_confirmed_at) throw authErrors.emailNotConfirmed();

  const session = await deps.db.transaction(async (tx) => {
    const now = new Date();
    await tx.query('update auth.users set last_sign_in_at = $2, updated_at = $2 where id = $1', [user.id, now]);
    await tx.query(`update auth.identities set last_sign_in_at = $2 where user_id = $1 and provider = 'email'`, [user.id, now]);
    const ids = await createSession(tx, user.id, now);
    const current = await loadUser(tx, user.id);
    if (!current) throw authErrors.invalidCredentials();
    return sessionResponse(deps, current, ids, now);
  });
  return json(200, weakness ? { ...session, weak_password: weakness } : session);
}

export async function refreshGrant(deps: AuthDeps, request: ServiceRequest, clientAddress: string): Promise<Reply> {
  deps.limits.count('tokenRefresh', clientAddress);
  const body = parseWith(refreshGrantBody, request.body);
  const presented = body.refresh_token ?? '';
  if (presented === '') throw authErrors.validation('refresh_token required');
  return json(200, await refreshSession(deps, presented));
}

export function token(deps: AuthDeps, request: ServiceRequest, clientAddress: string): Promise<Reply> {
  const grant = request.query.get('grant_type');
  if (grant === 'password') return passwordGrant(deps, request, clientAddress);
  if (grant === 'refresh_token') return refreshGrant(deps, request, clientAddress);
  throw authErrors.unsupportedGrant();
}
