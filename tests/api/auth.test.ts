/**
 * Auth (GoTrue) through the real supabase-js client: sign-up, sign-in, refresh-token
 * rotation, the user endpoint, logout, and every error the app can meet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { startTestEmulator, TEST_PASSWORD, type TestEmulator } from '../helpers/emulator.ts';

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator();
});

afterAll(async () => {
  await emulator?.stop();
});

const newEmail = () => `person-${randomUUID()}@example.com`;

async function rawAuth(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  return fetch(`${emulator.url}/auth/v1${path}`, {
    ...init,
    headers: {
      apikey: emulator.anonKey,
      'Content-Type': 'application/json',
      'X-Supabase-Api-Version': '2024-01-01',
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
}

describe('sign-up', () => {
  it('signs a new user up with a session, confirmed at once, stored in auth.users', async () => {
    const client = emulator.client();
    const email = newEmail();
    const { data, error } = await client.auth.signUp({
      email: email.toUpperCase(),
      password: TEST_PASSWORD,
      options: { data: { display_name: 'Ada' } },
    });
    expect(error).toBeNull();
    expect(data.session?.access_token).toBeTruthy();
    expect(data.session?.refresh_token).toBeTruthy();
    expect(data.session?.expires_in).toBe(3600);
    expect(data.user?.email).toBe(email);
    expect(data.user?.email_confirmed_at).toBeTruthy();
    expect(data.user?.user_metadata.display_name).toBe('Ada');
    expect(data.user?.app_metadata).toEqual({ provider: 'email', providers: ['email'] });
    expect(data.user?.identities).toHaveLength(1);
    expect(data.user?.is_anonymous).toBe(false);

    const stored = await emulator.db.query<{ email: string; encrypted_password: string }>(
      'select email, encrypted_password from auth.users where id = $1',
      [data.user!.id],
    );
    expect(stored.rows[0].email).toBe(email);
    expect(stored.rows[0].encrypted_password).toMatch(/^\$2a\$10\$/);
  });

  it('issues an access token with the claims Supabase puts in it', async () => {
    const client = emulator.client();
    const { data } = await client.auth.signUp({ email: newEmail(), password: TEST_PASSWORD });
    const claims = decodeJwt(data.session!.access_token);
    expect(claims).toMatchObject({
      iss: `${emulator.url}/auth/v1`,
      sub: data.user!.id,
      aud: 'authenticated',
      role: 'authenticated',
      aal: 'aal1',
      is_anonymous: false,
      email: data.user!.email,
    });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(typeof claims.session_id).toBe('string');
    expect(claims.amr).toEqual([{ method: 'password', timestamp: expect.any(Number) }]);
  });

  it('refuses an address that is already registered', async () => {
    const email = newEmail();
    await emulator.client().auth.signUp({ email, password: TEST_PASSWORD });
    const { data, error } = await emulator.client().auth.signUp({ email, password: 'another-password-2' });
    expect(data.session).toBeNull();
    expect(error?.status).toBe(422);
    expect(error?.code).toBe('user_already_exists');
    expect(error?.message).toBe('User already registered');
  });

  it('refuses a short password as a weak password with its reasons', async () => {
    const { error } = await emulator.client().auth.signUp({ email: newEmail(), password: '12345' });
    expect(error?.name).toBe('AuthWeakPasswordError');
    expect(error?.status).toBe(422);
    expect(error?.code).toBe('weak_password');
    expect((error as unknown as { reasons: string[] }).reasons).toEqual(['length', 'characters']);
  });

  it('refuses an empty password and a malformed address', async () => {
    const empty = await emulator.client().auth.signUp({ email: newEmail(), password: '' });
    expect(empty.error?.status).toBe(400);
    expect(empty.error?.code).toBe('validation_failed');
    expect(empty.error?.message).toBe('Signup requires a valid password');

    const malformed = await emulator.client().auth.signUp({ email: 'not-an-address', password: TEST_PASSWORD });
    expect(malformed.error?.status).toBe(400);
    expect(malformed.error?.code).toBe('validation_failed');
    expect(malformed.error?.message).toBe('Unable to validate email address: invalid format');
  });

  it('refuses anonymous sign-in while it is disabled, as the Supabase CLI does by default', async () => {
    const { data, error } = await emulator.client().auth.signInAnonymously();
    expect(data.session).toBeNull();
    expect(error?.status).toBe(422);
    expect(error?.code).toBe('anonymous_provider_disabled');
  });

  it('answers a body that is not JSON with a 400, not a crash', async () => {
    const response = await rawAuth('/signup', { method: 'POST', body: '{"email":' });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-sb-error-code')).toBe('bad_json');
    const body = await response.json();
    expect(body).toMatchObject({ code: 'bad_json', error_code: 'bad_json' });
  });

  it('puts the error code in the header and in both body formats', async () => {
    const response = await rawAuth('/signup', { method: 'POST', body: JSON.stringify({ email: 'x', password: '' }) });
    expect(response.headers.get('x-supabase-api-version')).toBe('2024-01-01');
    expect(response.headers.get('x-sb-error-code')).toBe('validation_failed');
    expect(await response.json()).toEqual({
      code: 'validation_failed',
      error_code: 'validation_failed',
      message: 'Signup requires a valid password',
      msg: 'Signup requires a valid password',
    });
  });
});

describe('anonymous sign-in when enabled', () => {
  it('gives an authenticated session marked anonymous', async () => {
    const anonymous = await startTestEmulator({ emulator: { anonymousSignIns: true } });
    try {
      const { data, error } = await anonymous.client().auth.signInAnonymously();
      expect(error).toBeNull();
      expect(data.user?.is_anonymous).toBe(true);
      expect(data.user?.identities).toEqual([]);
      const claims = decodeJwt(data.session!.access_token);
      expect(claims.role).toBe('authenticated');
      expect(claims.is_anonymous).toBe(true);
      expect(claims.amr).toEqual([{ method: 'anonymous', timestamp: expect.any(Number) }]);
    } finally {
      await anonymous.stop();
    }
  });
});

describe('password sign-in', () => {
  it('signs a registered user in', async () => {
    const email = newEmail();
    await emulator.client().auth.signUp({ email, password: TEST_PASSWORD });
    const client = emulator.client();
    const { data, error } = await client.auth.signInWithPassword({ email: email.toUpperCase(), password: TEST_PASSWORD });
    expect(error).toBeNull();
    expect(data.user?.email).toBe(email);
    expect(data.session?.access_token).toBeTruthy();
  });

  it('gives the same answer for a wrong password and an unknown address', async () => {
    const email = newEmail();
    await emulator.client().auth.signUp({ email, password: TEST_PASSWORD });
    const wrong = await emulator.client().auth.signInWithPassword({ email, password: 'wrong-password' });
    const unknown = await emulator.client().auth.signInWithPassword({ email: newEmail(), password: TEST_PASSWORD });
    for (const { error, data } of [wrong, unknown]) {
      expect(data.session).toBeNull();
      expect(error?.status).toBe(400);
      expect(error?.code).toBe('invalid_credentials');
      expect(error?.message).toBe('Invalid login credentials');
    }
  });

  it('refuses a user whose address is not confirmed', async () => {
    const email = newEmail();
    await emulator.db.query(
      `insert into auth.users (id, aud, role, email, encrypted_password, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
       values (gen_random_uuid(), 'authenticated', 'authenticated', $1, extensions.crypt($2, extensions.gen_salt('bf')), '{}', '{}', now(), now())`,
      [email, TEST_PASSWORD],
    );
    const { error } = await emulator.client().auth.signInWithPassword({ email, password: TEST_PASSWORD });
    expect(error?.code).toBe('email_not_confirmed');
    expect(error?.status).toBe(400);
  });

  it('accepts passwords hashed by pgcrypto in seed SQL', async () => {
    const email = newEmail();
    await emulator.db.query(
      `insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
       values (gen_random_uuid(), 'authenticated', 'authenticated', $1, extensions.crypt($2, extensions.gen_salt('bf')), now(), '{}', '{}', now(), now())`,
      [email, TEST_PASSWORD],
    );
    const { data, error } = await emulator.client().auth.signInWithPassword({ email, password: TEST_PASSWORD });
    expect(error).toBeNull();
    expect(data.user?.email).toBe(email);
  });

  it('refuses a sign-in with neither email nor phone', async () => {
    const response = await rawAuth('/token?grant_type=password', { method: 'POST', body: JSON.stringify({ password: 'x' }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'validation_failed', message: 'missing email or phone' });
  });

  it('refuses an unknown grant type', async () => {
    const response = await rawAuth('/token?grant_type=magic', { method: 'POST', body: '{}' });
    expect(response.status).toBe(400);
    expect((await response.json()).code).toBe('unsupported_grant_type');
  });
});

describe('refresh tokens', () => {
  it('rotates the refresh token and keeps the session', async () => {
    const client = await emulator.signUpUser();
    const before = (await client.auth.getSession()).data.session!;
    const { data, error } = await client.auth.refreshSession();
    expect(error).toBeNull();
    expect(data.session?.refresh_token).not.toBe(before.refresh_token);
    expect(decodeJwt(data.session!.access_token).session_id).toBe(decodeJwt(before.access_token).session_id);
    const { data: user } = await client.auth.getUser();
    expect(user.user?.id).toBe(before.user.id);
  });

  it('answers a recently used token with the current one instead of forking the session', async () => {
    const client = await emulator.signUpUser();
    const first = (await client.auth.getSession()).data.session!.refresh_token;
    const refresh = (token: string) =>
      rawAuth('/token?grant_type=refresh_token', { method: 'POST', body: JSON.stringify({ refresh_token: token }) });
    const rotated = await (await refresh(first)).json();
    const again = await refresh(first);
    expect(again.status).toBe(200);
    expect((await again.json()).refresh_token).toBe(rotated.refresh_token);
  });

  it('revokes the whole session when a used token comes back after the reuse window', async () => {
    const client = await emulator.signUpUser();
    const first = (await client.auth.getSession()).data.session!.refresh_token;
    const refresh = (token: string) =>
      rawAuth('/token?grant_type=refresh_token', { method: 'POST', body: JSON.stringify({ refresh_token: token }) });
    const second = (await (await refresh(first)).json()).refresh_token as string;
    const third = (await (await refresh(second)).json()).refresh_token as string;
    // Age the revocation of the first two tokens past the 10 s window.
    await emulator.db.query(
      `update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token in ($1, $2)`,
      [first, second],
    );
    const reused = await refresh(first);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ code: 'refresh_token_already_used', message: 'Invalid Refresh Token: Already Used' });
    // The family is gone: even the newest token no longer works.
    const newest = await refresh(third);
    expect(newest.status).toBe(400);
    expect((await newest.json()).code).toBe('refresh_token_already_used');
  });

  it('refuses an unknown refresh token', async () => {
    const client = emulator.client();
    const { error } = await client.auth.refreshSession({ refresh_token: 'no-such-token-anywhere' });
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('refresh_token_not_found');
  });

  it('refuses the refresh token of an expired session', async () => {
    const client = await emulator.signUpUser();
    const session = (await client.auth.getSession()).data.session!;
    await emulator.db.query(`update auth.sessions set not_after = now() - interval '1 second' where id = $1`, [
      decodeJwt(session.access_token).session_id,
    ]);
    const response = await rawAuth('/token?grant_type=refresh_token', {
      method: 'POST',
      body: JSON.stringify({ refresh_token: session.refresh_token }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).code).toBe('session_expired');
  });
});

describe('the user endpoint', () => {
  it('returns the signed-in user', async () => {
    const email = newEmail();
    const client = await emulator.signUpUser(email);
    const { data, error } = await client.auth.getUser();
    expect(error).toBeNull();
    expect(data.user?.email).toBe(email);
    expect(data.user?.role).toBe('authenticated');
  });

  it('requires a bearer token', async () => {
    const response = await rawAuth('/user');
    expect(response.status).toBe(401);
    expect((await response.json()).code).toBe('no_authorization');
  });

  it('refuses the project key, which names no user', async () => {
    const response = await rawAuth('/user', { token: emulator.anonKey });
    expect(response.status).toBe(403);
    expect((await response.json()).code).toBe('bad_jwt');
  });

  it('refuses a token whose user was deleted', async () => {
    const client = await emulator.signUpUser();
    const { data } = await client.auth.getSession();
    await emulator.db.query('delete from auth.users where id = $1', [data.session!.user.id]);
    const response = await rawAuth('/user', { token: data.session!.access_token });
    expect(response.status).toBe(403);
    expect((await response.json()).code).toBe('user_not_found');
  });
});

describe('logout', () => {
  it('ends every session of the user by default', async () => {
    const email = newEmail();
    const first = await emulator.signUpUser(email);
    const second = emulator.client();
    await second.auth.signInWithPassword({ email, password: TEST_PASSWORD });
    const secondSession = (await second.auth.getSession()).data.session!;

    const { error } = await first.auth.signOut();
    expect(error).toBeNull();
    expect((await first.auth.getSession()).data.session).toBeNull();

    const response = await rawAuth('/user', { token: secondSession.access_token });
    expect(response.status).toBe(403);
    expect((await response.json()).code).toBe('session_not_found');
    const refreshed = await rawAuth('/token?grant_type=refresh_token', {
      method: 'POST',
      body: JSON.stringify({ refresh_token: secondSession.refresh_token }),
    });
    expect((await refreshed.json()).code).toBe('refresh_token_not_found');
  });

  it('ends only this session with scope local, and all others with scope others', async () => {
    const email = newEmail();
    const a = await emulator.signUpUser(email);
    const b = emulator.client();
    await b.auth.signInWithPassword({ email, password: TEST_PASSWORD });
    const c = emulator.client();
    await c.auth.signInWithPassword({ email, password: TEST_PASSWORD });
    const tokenOf = async (client: typeof a) => (await client.auth.getSession()).data.session!.access_token;
    const [tokenA, tokenB, tokenC] = [await tokenOf(a), await tokenOf(b), await tokenOf(c)];

    const local = await rawAuth('/logout?scope=local', { method: 'POST', token: tokenA });
    expect(local.status).toBe(204);
    expect((await rawAuth('/user', { token: tokenA })).status).toBe(403);
    expect((await rawAuth('/user', { token: tokenB })).status).toBe(200);

    const others = await rawAuth('/logout?scope=others', { method: 'POST', token: tokenB });
    expect(others.status).toBe(204);
    expect((await rawAuth('/user', { token: tokenB })).status).toBe(200);
    expect((await rawAuth('/user', { token: tokenC })).status).toBe(403);
  });

  it('refuses an unknown scope', async () => {
    const client = await emulator.signUpUser();
    const token = (await client.auth.getSession()).data.session!.access_token;
    const response = await rawAuth('/logout?scope=everything', { method: 'POST', token });
    expect(response.status).toBe(400);
    expect((await response.json()).code).toBe('validation_failed');
  });
});

describe('settings and health', () => {
  it('describes the enabled providers', async () => {
    const response = await rawAuth('/settings');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ external: { email: true, anonymous_users: false }, mailer_autoconfirm: true });
  });

  it('answers unknown auth paths with a GoTrue-shaped 404', async () => {
    const response = await rawAuth('/factors');
    expect(response.status).toBe(404);
    expect((await response.json()).code).toBe('not_found');
  });
});

describe('app triggers on auth.users', () => {
  it('reports a failing trigger as a database error and keeps no half-made user', async () => {
    const email = newEmail();
    await emulator.db.exec(`
      create function public.refuse_blocked_signup() returns trigger language plpgsql as $$
      begin
        if new.email like 'blocked-%' then raise exception 'blocked'; end if;
        return new;
      end $$;
      create trigger refuse_blocked_signup before insert on auth.users
        for each row execute function public.refuse_blocked_signup();
    `);
    try {
      const { error } = await emulator.client().auth.signUp({ email: `blocked-${email}`, password: TEST_PASSWORD });
      expect(error?.status).toBe(500);
      expect(error?.message).toBe('Database error saving new user');
      const rows = await emulator.db.query('select 1 from auth.users where email = $1', [`blocked-${email}`]);
      expect(rows.rows).toHaveLength(0);
    } finally {
      await emulator.db.exec('drop trigger refuse_blocked_signup on auth.users; drop function public.refuse_blocked_signup();');
    }
  });
});
