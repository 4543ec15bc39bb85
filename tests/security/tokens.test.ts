/**
 * Forged, tampered and stale credentials are refused by every service: REST, auth and
 * realtime (a private channel join). Each refusal is checked for its status, for a
 * well-formed JSON body and for the absence of any side effect.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRaw, isReplyTo, upgradeStatus, websocketUrl, type RawSocket } from '../api/phoenix.ts';
import { TEST_PASSWORD } from '../helpers/emulator.ts';
import { createWorld, type World } from './support/world.ts';

let world: World;
let ownerToken: string;
let ownerEmail: string;
let liveTopic: string;

const WRONG_SECRET = 'not-the-project-secret-but-long-enough-to-pass-checks';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

async function sign(payload: Record<string, unknown>, secret: string, alg: 'HS256' | 'HS384' | 'HS512' = 'HS256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

/** The owner's real token with some claims replaced and the original signature kept. */
function tampered(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  return `${header}.${b64url({ ...decodePart(payload), ...changes })}.${signature}`;
}

const now = () => Math.floor(Date.now() / 1000);

/** The attacks, each a token that must never be honoured. Built once the world exists. */
async function attacks(): Promise<[string, string][]> {
  const owner = decodePart(ownerToken.split('.')[1]);
  const { secret } = { secret: world.emulator.jwtSecret };
  return [
    ['alg none with the owner’s claims', `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(owner)}.`],
    ['alg none claiming service_role', `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ role: 'service_role', exp: now() + 3600 })}.`],
    ['the owner’s claims signed with the wrong secret', await sign(owner, WRONG_SECRET)],
    ['service_role claims signed with the wrong secret', await sign({ role: 'service_role', iss: 'supabase-demo', exp: now() + 3600 }, WRONG_SECRET)],
    ['an expired token of the owner', await sign({ ...owner, iat: now() - 7200, exp: now() - 3600 }, secret)],
    ['the owner’s token with role tampered to service_role', tampered(ownerToken, { role: 'service_role' })],
    ['the owner’s token with sub tampered to another user', tampered(ownerToken, { sub: world.userIds.memberB })],
    ['the owner’s token with a later expiry', tampered(ownerToken, { exp: now() + 10 * 365 * 86400 })],
    ['a correctly signed token for the database superuser role', await sign({ role: 'postgres', exp: now() + 3600 }, secret)],
    ['a correctly signed token for supabase_admin', await sign({ role: 'supabase_admin', exp: now() + 3600 }, secret)],
    ['an HS512 token (only HS256 is accepted)', await sign({ ...owner }, secret, 'HS512')],
    ['an RS256 header over an HS256 signature', `${b64url({ alg: 'RS256', typ: 'JWT' })}.${ownerToken.split('.').slice(1).join('.')}`],
    ['garbage', 'not.a.jwt'],
  ];
}

beforeAll(async () => {
  world = await createWorld();
  const { data } = await world.clients.ownerA.auth.getSession();
  ownerToken = data.session!.access_token;
  ownerEmail = data.session!.user.email!;
  // The organization's real topic (org:<id>:<key>), so a refusal below is the token's
  // doing and not a wrong topic's.
  const topic = await world.clients.ownerA.rpc('organization_live_topic', { p_organization_id: world.a.id });
  if (topic.error) throw new Error(`organization_live_topic: ${topic.error.message}`);
  liveTopic = `realtime:${topic.data as string}`;
}, 120_000);
afterAll(() => world?.stop());

async function api(path: string, init: RequestInit & { token?: string; apikey?: string } = {}) {
  const headers = new Headers(init.headers);
  headers.set('apikey', init.apikey ?? world.emulator.anonKey);
  if (init.token !== undefined) headers.set('Authorization', `Bearer ${init.token}`);
  if (init.body) headers.set('Content-Type', 'application/json');
  const response = await fetch(`${world.emulator.url}${path}`, { ...init, headers, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
}

describe('forged and tampered tokens', () => {
  it('a control: the owner’s real token reads orders, refunds nothing by itself and joins the private topic', async () => {
    const read = await api('/rest/v1/orders?select=id', { token: ownerToken });
    expect(read.status).toBe(200);
    expect((read.body as unknown as unknown[]).length).toBeGreaterThan(0);
    const socket = await connectRaw(world.emulator.url, world.emulator.anonKey);
    try {
      socket.send(['1', '1', liveTopic, 'phx_join', { config: { private: true }, access_token: ownerToken }]);
      const reply = await socket.next(isReplyTo('1'));
      expect((reply[4] as { status: string }).status).toBe('ok');
    } finally {
      await socket.close();
    }
  });

  it('every forged token is refused by REST reads with a 401/403 JSON error and no rows', async () => {
    for (const [name, token] of await attacks()) {
      const result = await api('/rest/v1/orders?select=id,buyer_email', { token });
      expect([401, 403], name).toContain(result.status);
      expect(result.body, name).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
  });

  it('every forged token is refused by REST writes and RPCs, and nothing changes', async () => {
    const order = await world.buy(world.a);
    for (const [name, token] of await attacks()) {
      const refund = await api('/rest/v1/rpc/refund_order', { method: 'POST', token, body: JSON.stringify({ p_order_id: order }) });
      expect([401, 403], name).toContain(refund.status);
      const update = await api(`/rest/v1/orders?id=eq.${order}`, { method: 'PATCH', token, body: JSON.stringify({ buyer_name: 'Mallory' }) });
      expect([401, 403], name).toContain(update.status);
      const remove = await api(`/rest/v1/organizations?id=eq.${world.a.id}`, { method: 'DELETE', token });
      expect([401, 403], name).toContain(remove.status);
    }
    const check = await world.db.query<{ status: string; buyer_name: string }>('select status, buyer_name from public.orders where id = $1', [order]);
    expect(check.rows[0]).toEqual({ status: 'paid', buyer_name: 'Buyer' });
    expect((await world.db.query('select 1 from public.organizations where id = $1', [world.a.id])).rows).toHaveLength(1);
  });

  it('every forged token is refused by the auth service', async () => {
    for (const [name, token] of await attacks()) {
      const user = await api('/auth/v1/user', { token });
      expect([401, 403], name).toContain(user.status);
      expect(user.body, name).toMatchObject({ msg: expect.any(String) });
      // Signing someone else out with a forged token must not work either.
      const logout = await api('/auth/v1/logout?scope=global', { method: 'POST', token });
      expect([401, 403], name).toContain(logout.status);
    }
    // The owner's session survived, and the owner can still sign in.
    expect((await api('/auth/v1/user', { token: ownerToken })).status).toBe(200);
    const signIn = await api('/auth/v1/token?grant_type=password', {
      method: 'POST',
      body: JSON.stringify({ email: ownerEmail, password: TEST_PASSWORD }),
    });
    expect(signIn.status).toBe(200);
  });

  it('every forged token is refused as an API key, by the gateway and by the realtime upgrade', async () => {
    for (const [name, token] of await attacks()) {
      const rest = await api('/rest/v1/events?select=id', { apikey: token });
      expect(rest.status, name).toBe(401);
      expect(rest.body, name).toMatchObject({ message: expect.any(String) });
      expect(await upgradeStatus(websocketUrl(world.emulator.url, token)), name).not.toBe(101);
    }
  });

  it('every forged token is refused when joining organization A’s private topic', async () => {
    const socket: RawSocket = await connectRaw(world.emulator.url, world.emulator.anonKey);
    try {
      let ref = 10;
      for (const [name, token] of await attacks()) {
        const id = String(ref++);
        socket.send([id, id, liveTopic, 'phx_join', { config: { private: true }, access_token: token }]);
        const reply = await socket.next(isReplyTo(id));
        expect((reply[4] as { status: string }).status, name).toBe('error');
      }
      // A real token of another organization's member is refused too.
      const { data } = await world.clients.memberB.auth.getSession();
      socket.send(['99', '99', liveTopic, 'phx_join', { config: { private: true }, access_token: data.session!.access_token }]);
      expect(((await socket.next(isReplyTo('99')))[4] as { status: string }).status).toBe('error');
    } finally {
      await socket.close();
    }
  });

  it('a joined channel is closed when its token is replaced by a forged one', async () => {
    const socket = await connectRaw(world.emulator.url, world.emulator.anonKey);
    try {
      const topic = liveTopic;
      socket.send(['1', '1', topic, 'phx_join', { config: { private: true }, access_token: ownerToken }]);
      expect(((await socket.next(isReplyTo('1')))[4] as { status: string }).status).toBe('ok');
      socket.send(['1', '2', topic, 'access_token', { access_token: tampered(ownerToken, { sub: world.userIds.memberB }) }]);
      const closed = await socket.next((message) => message[2] === topic && (message[3] === 'phx_close' || message[3] === 'system'));
      expect(closed).toBeDefined();
    } finally {
      await socket.close();
    }
  });
});

describe('refresh tokens', () => {
  async function refresh(token: string) {
    return api('/auth/v1/token?grant_type=refresh_token', { method: 'POST', body: JSON.stringify({ refresh_token: token }) });
  }

  it('reusing a rotated refresh token after the reuse window is refused and revokes the whole session', async () => {
    const email = `reuse-${world.unique()}@example.com`;
    const signUp = await api('/auth/v1/signup', { method: 'POST', body: JSON.stringify({ email, password: TEST_PASSWORD }) });
    expect(signUp.status).toBe(200);
    const first = signUp.body!.refresh_token as string;
    const second = await refresh(first);
    expect(second.status).toBe(200);
    const third = await refresh(second.body!.refresh_token as string);
    expect(third.status).toBe(200);
    // The reuse window (10 s, as in GoTrue) is measured from the revocation time stored
    // with the token; moving that back is the same as waiting it out.
    await world.db.query(`update auth.refresh_tokens set updated_at = now() - interval '1 hour' where token = $1`, [first]);

    const reuse = await refresh(first);
    expect(reuse.status).toBe(400);
    expect(reuse.body).toMatchObject({ error_code: 'refresh_token_already_used' });
    // The live token of that session is now revoked as well: a thief holding it gets nothing.
    const live = await refresh(third.body!.refresh_token as string);
    expect(live.status).toBe(400);
  });

  it('a made-up refresh token is refused with a JSON error', async () => {
    const result = await refresh('x'.repeat(64));
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ error_code: 'refresh_token_not_found' });
  });
});
