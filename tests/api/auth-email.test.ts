/**
 * GoTrue's emailed flows through supabase-js, with the mail read from the local inbox:
 * password recovery (link and code), email one-time codes and magic links, the user
 * update (password, email with double confirmation, metadata), reauthentication, the
 * email limits of `[auth.rate_limit]` and `[auth.email]`, and the inbox itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { loadProjectConfig, type AuthConfig } from '../../supabase/emulator/config.ts';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../supabase/emulator/server.ts';
import { startTestEmulator, TEST_PASSWORD, type TestEmulator } from '../helpers/emulator.ts';
import { inboxMessages, linkAndCode, waitForMail } from '../helpers/inbox.ts';

const config = loadProjectConfig().auth;
const NEW_PASSWORD = 'brand-new-password-2';
let emulator: TestEmulator;
const fronts: Emulator[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator();
});

afterAll(async () => {
  await Promise.all(fronts.map((front) => front.stop()));
  await emulator?.stop();
});

const newEmail = () => `mail-${randomUUID()}@example.com`;

/** Another API front on the same database, with its own auth settings. */
async function front(auth: Partial<Omit<AuthConfig, 'email'>> & { email?: Partial<AuthConfig['email']> }, options: Omit<EmulatorOptions, 'db' | 'port'> = {}) {
  const started = await startEmulator({
    authRateLimit: false,
    ...options,
    authConfig: { ...config, ...auth, email: { ...config.email, ...auth.email } },
    db: emulator.db,
    port: 0,
    logErrors: false,
  });
  fronts.push(started);
  return started;
}

function clientOf(target: { url: string; anonKey: string }) {
  return createClient(target.url, target.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
  });
}

async function newUser(target: { url: string; anonKey: string } = emulator) {
  const email = newEmail();
  const client = clientOf(target);
  const { data, error } = await client.auth.signUp({ email, password: TEST_PASSWORD });
  if (error || !data.session) throw error ?? new Error('no session');
  return { email, client, session: data.session };
}

/** Opens an emailed link as a browser would, without following the redirect. */
async function openLink(link: string): Promise<{ status: number; location: URL; fragment: URLSearchParams }> {
  const response = await fetch(link, { redirect: 'manual' });
  const location = new URL(response.headers.get('location') ?? 'about:blank');
  return { status: response.status, location, fragment: new URLSearchParams(location.hash.slice(1)) };
}

describe('password recovery', () => {
  it('emails a link that signs the user in for a new password, and the old password stops working', async () => {
    const { email } = await newUser();
    const client = clientOf(emulator);
    const { error } = await client.auth.resetPasswordForEmail(email, { redirectTo: 'http://127.0.0.1:5173/reset-password' });
    expect(error).toBeNull();

    const mail = await waitForMail(emulator.url, email, /reset your password/i);
    const { link, code } = linkAndCode(mail);
    expect(code).toMatch(new RegExp(`^\\d{${config.email.otp_length}}$`));
    // Only the hash is stored, never the code.
    const stored = await emulator.db.query<{ recovery_token: string }>('select recovery_token from auth.users where email = $1', [email]);
    expect(stored.rows[0].recovery_token).toMatch(/^[0-9a-f]{56}$/);
    expect(JSON.stringify(stored.rows)).not.toContain(code);

    const opened = await openLink(link!);
    expect(opened.status).toBe(303);
    expect(opened.location.origin + opened.location.pathname).toBe('http://127.0.0.1:5173/reset-password');
    expect(opened.fragment.get('type')).toBe('recovery');
    const accessToken = opened.fragment.get('access_token')!;
    const refreshToken = opened.fragment.get('refresh_token')!;
    expect(accessToken).toBeTruthy();

    const recovering = clientOf(emulator);
    await recovering.auth.setSession({ access_token: accessToken, refresh_token: refreshToken });
    const updated = await recovering.auth.updateUser({ password: NEW_PASSWORD });
    expect(updated.error).toBeNull();

    const fresh = clientOf(emulator);
    expect((await fresh.auth.signInWithPassword({ email, password: TEST_PASSWORD })).error?.code).toBe('invalid_credentials');
    expect((await fresh.auth.signInWithPassword({ email, password: NEW_PASSWORD })).error).toBeNull();
  });

  it('accepts a link once: a second click lands with otp_expired in the fragment', async () => {
    const { email } = await newUser();
    await clientOf(emulator).auth.resetPasswordForEmail(email);
    const { link } = linkAndCode(await waitForMail(emulator.url, email, /reset your password/i));
    expect((await openLink(link!)).fragment.get('access_token')).toBeTruthy();
    const again = await openLink(link!);
    expect(again.status).toBe(303);
    expect(again.fragment.get('error')).toBe('access_denied');
    expect(again.fragment.get('error_code')).toBe('otp_expired');
    expect(again.fragment.get('access_token')).toBeNull();
  });

  it('takes the 6-digit code through verifyOtp, once; a wrong or reused code is otp_expired (403)', async () => {
    const { email } = await newUser();
    await clientOf(emulator).auth.resetPasswordForEmail(email);
    const { code } = linkAndCode(await waitForMail(emulator.url, email, /reset your password/i));
    const client = clientOf(emulator);
    const wrong = await client.auth.verifyOtp({ email, token: code === '000000' ? '111111' : '000000', type: 'recovery' });
    expect(wrong.error?.status).toBe(403);
    expect(wrong.error?.code).toBe('otp_expired');
    const verified = await client.auth.verifyOtp({ email, token: code, type: 'recovery' });
    expect(verified.error).toBeNull();
    expect(verified.data.session?.access_token).toBeTruthy();
    const reused = await clientOf(emulator).auth.verifyOtp({ email, token: code, type: 'recovery' });
    expect(reused.error?.code).toBe('otp_expired');
  });

  it('refuses a code older than [auth.email] otp_expiry', async () => {
    const { email } = await newUser();
    await clientOf(emulator).auth.resetPasswordForEmail(email);
    const { code } = linkAndCode(await waitForMail(emulator.url, email, /reset your password/i));
    await emulator.db.query(`update auth.users set recovery_sent_at = now() - make_interval(secs => $2) where email = $1`, [
      email,
      config.email.otp_expiry + 1,
    ]);
    const late = await clientOf(emulator).auth.verifyOtp({ email, token: code, type: 'recovery' });
    expect(late.error?.code).toBe('otp_expired');
  });

  it('lets exactly one of many parallel verifications of one code through', async () => {
    const { email } = await newUser();
    await clientOf(emulator).auth.resetPasswordForEmail(email);
    const { code } = linkAndCode(await waitForMail(emulator.url, email, /reset your password/i));
    const results = await Promise.all(
      Array.from({ length: 12 }, () => clientOf(emulator).auth.verifyOtp({ email, token: code, type: 'recovery' })),
    );
    expect(results.filter((result) => result.data.session).length).toBe(1);
    expect(results.filter((result) => result.error?.code === 'otp_expired').length).toBe(11);
  });

  it('answers an unknown address like a known one and sends nothing', async () => {
    const email = newEmail();
    const { error } = await clientOf(emulator).auth.resetPasswordForEmail(email);
    expect(error).toBeNull();
    expect(await inboxMessages(emulator.url, email)).toEqual([]);
  });

  it('sends the browser only where config.toml allows: other hosts fall back to site_url', async () => {
    const { email } = await newUser();
    await clientOf(emulator).auth.resetPasswordForEmail(email, { redirectTo: 'https://evil.example.com/steal' });
    const { link } = linkAndCode(await waitForMail(emulator.url, email, /reset your password/i));
    const opened = await openLink(link!);
    expect(opened.location.origin).toBe(new URL(config.site_url).origin);
    expect(opened.fragment.get('access_token')).toBeTruthy();
  });

  it('never redirects to a non-http scheme, and opens only the verify link without an API key', async () => {
    const { email } = await newUser();
    await clientOf(emulator).auth.resetPasswordForEmail(email, { redirectTo: 'javascript:alert(document.cookie)//127.0.0.1' });
    const { link } = linkAndCode(await waitForMail(emulator.url, email, /reset your password/i));
    const opened = await openLink(link!);
    expect(opened.location.origin).toBe(new URL(config.site_url).origin);
    const keyless = await fetch(`${emulator.url}/auth/v1/verify`, { method: 'POST', body: '{}' });
    expect(keyless.status).toBe(401);
    expect((await fetch(`${emulator.url}/auth/v1/user`)).status).toBe(401);
  });

  it('refuses a malformed address with validation_failed', async () => {
    const { error } = await clientOf(emulator).auth.resetPasswordForEmail('not-an-address');
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('validation_failed');
  });
});

describe('email one-time codes and magic links', () => {
  it('signs an existing user in with the emailed code', async () => {
    const { email } = await newUser();
    const client = clientOf(emulator);
    expect((await client.auth.signInWithOtp({ email, options: { shouldCreateUser: false } })).error).toBeNull();
    const { code, link } = linkAndCode(await waitForMail(emulator.url, email, /sign-in link/i));
    expect(link).toContain('type=magiclink');
    const { data, error } = await client.auth.verifyOtp({ email, token: code, type: 'email' });
    expect(error).toBeNull();
    expect(data.user?.email).toBe(email);
  });

  it('signs in through the magic link itself', async () => {
    const { email } = await newUser();
    await clientOf(emulator).auth.signInWithOtp({ email });
    const { link } = linkAndCode(await waitForMail(emulator.url, email, /sign-in link/i));
    const opened = await openLink(link!);
    expect(opened.fragment.get('type')).toBe('magiclink');
    expect(opened.fragment.get('access_token')).toBeTruthy();
  });

  it('refuses an unknown address with otp_disabled when should_create_user is false', async () => {
    const email = newEmail();
    const { error } = await clientOf(emulator).auth.signInWithOtp({ email, options: { shouldCreateUser: false } });
    expect(error?.status).toBe(422);
    expect(error?.code).toBe('otp_disabled');
    const users = await emulator.db.query('select 1 from auth.users where email = $1', [email]);
    expect(users.rows).toHaveLength(0);
  });

  it('creates an unknown address as a user by default and signs it in with the code', async () => {
    const email = newEmail();
    const client = clientOf(emulator);
    expect((await client.auth.signInWithOtp({ email, options: { data: { name: 'Otto' } } })).error).toBeNull();
    const { code } = linkAndCode(await waitForMail(emulator.url, email, /sign-in link/i));
    const { data, error } = await client.auth.verifyOtp({ email, token: code, type: 'email' });
    expect(error).toBeNull();
    expect(data.user?.user_metadata.name).toBe('Otto');
  });
});

describe('PUT /user', () => {
  it('refuses the current password as the new one with same_password (422)', async () => {
    const { client } = await newUser();
    const { error } = await client.auth.updateUser({ password: TEST_PASSWORD });
    expect(error?.status).toBe(422);
    expect(error?.code).toBe('same_password');
  });

  it('holds new passwords to the config.toml rules (weak_password with reasons)', async () => {
    const { client } = await newUser();
    const { error } = await client.auth.updateUser({ password: 'short' });
    expect(error?.status).toBe(422);
    expect(error?.code).toBe('weak_password');
    expect((error as unknown as { reasons: string[] }).reasons).toEqual(expect.arrayContaining(['length']));
  });

  it('ends the other sessions on a password change and keeps the current one', async () => {
    const { email, client } = await newUser();
    const other = clientOf(emulator);
    const otherSession = (await other.auth.signInWithPassword({ email, password: TEST_PASSWORD })).data.session!;
    expect((await client.auth.updateUser({ password: NEW_PASSWORD })).error).toBeNull();
    expect((await client.auth.getUser()).error).toBeNull();
    const refreshed = await other.auth.refreshSession({ refresh_token: otherSession.refresh_token });
    expect(refreshed.error?.code).toBe('refresh_token_not_found');
  });

  it('merges user metadata and removes keys set to null', async () => {
    const { client } = await newUser();
    await client.auth.updateUser({ data: { a: 1, b: 2 } });
    const { data } = await client.auth.updateUser({ data: { b: null, c: 3 } });
    expect(data.user?.user_metadata).toMatchObject({ a: 1, c: 3 });
    expect(data.user?.user_metadata).not.toHaveProperty('b');
  });

  it('changes the email only after both addresses confirm (double_confirm_changes)', async () => {
    expect(config.email.double_confirm_changes).toBe(true);
    const { email, client } = await newUser();
    const next = newEmail();
    const { data, error } = await client.auth.updateUser({ email: next });
    expect(error).toBeNull();
    expect(data.user?.email).toBe(email);
    expect(data.user?.new_email).toBe(next);

    const toNew = linkAndCode(await waitForMail(emulator.url, next, /new email/i));
    const toCurrent = linkAndCode(await waitForMail(emulator.url, email, /email change/i));
    const first = await openLink(toNew.link!);
    expect(first.fragment.get('message')).toMatch(/Confirmation link accepted/);
    expect((await client.auth.refreshSession()).data.user?.email).toBe(email);

    const second = await clientOf(emulator).auth.verifyOtp({ email, token: toCurrent.code, type: 'email_change' });
    expect(second.error).toBeNull();
    expect(second.data.user?.email).toBe(next);
    expect((await clientOf(emulator).auth.signInWithPassword({ email: next, password: TEST_PASSWORD })).error).toBeNull();
  });

  it('changes the email after one confirmation when double_confirm_changes is off', async () => {
    const single = await front({ email: { double_confirm_changes: false } });
    const { email, client } = await newUser(single);
    const next = newEmail();
    expect((await client.auth.updateUser({ email: next })).error).toBeNull();
    const { link } = linkAndCode(await waitForMail(single.url, next, /new email/i));
    expect(await inboxMessages(single.url, email)).toEqual([]);
    const opened = await openLink(link!);
    expect(opened.fragment.get('type')).toBe('email_change');
    expect((await client.auth.refreshSession()).data.user?.email).toBe(next);
  });

  it('refuses an address another user has with email_exists (422)', async () => {
    const { client } = await newUser();
    const { email: taken } = await newUser();
    const { error } = await client.auth.updateUser({ email: taken });
    expect(error?.status).toBe(422);
    expect(error?.code).toBe('email_exists');
  });

  it('asks for reauthentication after 24 h when secure_password_change is on, and takes the emailed nonce', async () => {
    const secure = await front({ email: { secure_password_change: true } });
    const { email, client, session } = await newUser(secure);
    // A fresh session may change the password without a nonce …
    expect((await client.auth.updateUser({ password: NEW_PASSWORD })).error).toBeNull();
    // … an old one may not.
    const claims = JSON.parse(Buffer.from(session.access_token.split('.')[1]!, 'base64url').toString()) as { session_id: string };
    await emulator.db.query(`update auth.sessions set created_at = now() - interval '25 hours' where id = $1`, [claims.session_id]);
    const refused = await client.auth.updateUser({ password: 'third-password-3' });
    expect(refused.error?.status).toBe(400);
    expect(refused.error?.code).toBe('reauthentication_needed');
    const wrong = await client.auth.updateUser({ password: 'third-password-3', nonce: '123456' });
    expect(wrong.error?.code).toBe('reauthentication_not_valid');

    expect((await client.auth.reauthenticate()).error).toBeNull();
    const { code } = linkAndCode(await waitForMail(secure.url, email, /confirm it is you/i));
    expect((await client.auth.updateUser({ password: 'third-password-3', nonce: code })).error).toBeNull();
  });
});

describe('sign-up with enable_confirmations', () => {
  it('answers without a session, emails a confirmation, and the link confirms and signs in', async () => {
    const confirming = await front({ email: { enable_confirmations: true } });
    const email = newEmail();
    const client = clientOf(confirming);
    const { data, error } = await client.auth.signUp({ email, password: TEST_PASSWORD });
    expect(error).toBeNull();
    expect(data.session).toBeNull();
    expect(data.user?.email).toBe(email);
    expect((await client.auth.signInWithPassword({ email, password: TEST_PASSWORD })).error?.code).toBe('email_not_confirmed');

    const { link } = linkAndCode(await waitForMail(confirming.url, email, /confirm your signup/i));
    const opened = await openLink(link!);
    expect(opened.fragment.get('type')).toBe('signup');
    expect((await client.auth.signInWithPassword({ email, password: TEST_PASSWORD })).error).toBeNull();
  });
});

describe('email limits', () => {
  it('counts [auth.rate_limit] email_sent for the whole project: past it, over_email_send_rate_limit (429)', async () => {
    const limited = await front({}, { authRateLimit: { ...config.rate_limit, email_sent: 2 } });
    const client = clientOf(limited);
    expect((await client.auth.resetPasswordForEmail(newEmail())).error).toBeNull();
    expect((await client.auth.resetPasswordForEmail(newEmail())).error).toBeNull();
    const third = await client.auth.resetPasswordForEmail(newEmail());
    expect(third.error?.status).toBe(429);
    expect(third.error?.code).toBe('over_email_send_rate_limit');
    expect(third.error?.message).toBe('Email rate limit exceeded');
  });

  it('spaces two emails to one user by [auth.email] max_frequency', async () => {
    const spaced = await front({ email: { max_frequency: 60_000 } });
    const { email } = await newUser(spaced);
    const client = clientOf(spaced);
    expect((await client.auth.resetPasswordForEmail(email)).error).toBeNull();
    const again = await client.auth.resetPasswordForEmail(email);
    expect(again.error?.status).toBe(429);
    expect(again.error?.code).toBe('over_email_send_rate_limit');
    expect(again.error?.message).toMatch(/^For security purposes, you can only request this after \d+ seconds\.$/);
    expect((await inboxMessages(spaced.url, email)).length).toBe(1);
  });

  it('counts verifications per address by [auth.rate_limit] token_verifications', async () => {
    const limited = await front({}, { authRateLimit: { ...config.rate_limit, token_verifications: 2 } });
    const client = clientOf(limited);
    const email = newEmail();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect((await client.auth.verifyOtp({ email, token: '123456', type: 'email' })).error?.code).toBe('otp_expired');
    }
    const third = await client.auth.verifyOtp({ email, token: '123456', type: 'email' });
    expect(third.error?.status).toBe(429);
    expect(third.error?.code).toBe('over_request_rate_limit');
  });
});

describe('the local inbox', () => {
  it('lists messages as JSON newest first, filtered by address, and sendMail is open to other code', async () => {
    const to = newEmail();
    emulator.inbox.sendMail({ to, subject: 'First', text: 'one' });
    emulator.inbox.sendMail({ to: to.toUpperCase(), subject: 'Second', text: 'two' });
    const messages = await inboxMessages(emulator.url, to);
    expect(messages.map((message) => message.subject)).toEqual(['Second', 'First']);
    const one = await fetch(`${emulator.url}/inbox/api/messages/${messages[0]!.id}`);
    expect(((await one.json()) as { text: string }).text).toBe('two');
  });

  it('shows messages on a page that escapes their content and runs no script', async () => {
    const to = newEmail();
    const sent = emulator.inbox.sendMail({ to, subject: '<script>alert(1)</script>', text: 'Go <b>here</b>: http://127.0.0.1/x?a=1&b="2"' });
    const list = await fetch(`${emulator.url}/inbox?to=${encodeURIComponent(to)}`);
    expect(list.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(list.headers.get('content-security-policy')).not.toMatch(/script-src/);
    const html = await list.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const page = await (await fetch(`${emulator.url}/inbox/messages/${sent.id}`)).text();
    expect(page).toContain('Go &lt;b&gt;here&lt;/b&gt;');
    // A link ends at a quote; the quote itself stays escaped text.
    expect(page).toContain('<a href="http://127.0.0.1/x?a=1&amp;b=">http://127.0.0.1/x?a=1&amp;b=</a>&quot;2&quot;');
  });

  it('keeps the newest 500 messages', async () => {
    const to = newEmail();
    for (let index = 0; index < 505; index += 1) emulator.inbox.sendMail({ to, subject: `n${index}`, text: '' });
    const messages = await inboxMessages(emulator.url, to);
    expect(messages).toHaveLength(500);
    expect(messages[0]!.subject).toBe('n504');
    expect(messages.at(-1)!.subject).toBe('n5');
  });

  it('answers only loopback connections, even when the API listens on every interface', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
    // Without a non-loopback interface there is no other machine to be, so the check is on the API routes alone.
    const open = await startEmulator({
      db: emulator.db,
      port: 0,
      host: '0.0.0.0',
      jwtSecret: 'a-test-secret-that-is-long-enough-for-hs256-0123',
      authRateLimit: false,
      logErrors: false,
    });
    fronts.push(open);
    const local = await fetch(`http://127.0.0.1:${open.port}/inbox/api/messages`);
    expect(local.status).toBe(200);
    expect(external, 'this machine needs a non-loopback IPv4 interface for this test').toBeDefined();
    const remote = await fetch(`http://${external!.address}:${open.port}/inbox/api/messages`);
    expect(remote.status).toBe(404);
    const remotePage = await fetch(`http://${external!.address}:${open.port}/inbox`);
    expect(remotePage.status).toBe(404);
  });
});
