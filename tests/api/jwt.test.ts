/**
 * Forged tokens — `alg: none`, the wrong secret, expired, tampered claims — are refused
 * by auth, REST and realtime alike, each in the shape that service uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { signJwt } from '../../supabase/emulator/jwt.ts';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';
import { connectRaw, isReplyTo, upgradeStatus, websocketUrl } from './phoenix.ts';

let emulator: TestEmulator;
let userToken: string;
let claims: Record<string, unknown>;

beforeAll(async () => {
  emulator = await startTestEmulator();
  const client = await emulator.signUpUser();
  userToken = (await client.auth.getSession()).data.session!.access_token;
  claims = decodeJwt(userToken) as Record<string, unknown>;
});

afterAll(async () => {
  await emulator?.stop();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function forgeries(): Record<string, () => Promise<string>> {
  return {
    'alg none': async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, role: 'service_role' })}.`,
    'wrong secret': () => signJwt({ ...claims }, 'a-completely-different-secret-of-enough-length'),
    expired: () => signJwt({ ...claims, iat: now() - 7200, exp: now() - 3600 }, emulator.jwtSecret),
    'tampered claims': async () => {
      const [header, , signature] = userToken.split('.');
      return `${header}.${b64({ ...claims, role: 'service_role' })}.${signature}`;
    },
    'HS512 header': async () => {
      const [, payload, signature] = userToken.split('.');
      return `${b64({ alg: 'HS512', typ: 'JWT' })}.${payload}.${signature}`;
    },
    'not a JWT': async () => 'garbage',
  };
}

describe('auth', () => {
  for (const [name, forge] of Object.entries(forgeries())) {
    it(`refuses a token with ${name} on /user`, async () => {
      const response = await fetch(`${emulator.url}/auth/v1/user`, {
        headers: { apikey: emulator.anonKey, Authorization: `Bearer ${await forge()}` },
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('x-sb-error-code')).toBe('bad_jwt');
      expect((await response.json()).message).toMatch(/^invalid JWT: unable to parse or verify signature, /);
    });
  }

  it('accepts the genuine token', async () => {
    const response = await fetch(`${emulator.url}/auth/v1/user`, {
      headers: { apikey: emulator.anonKey, Authorization: `Bearer ${userToken}` },
    });
    expect(response.status).toBe(200);
  });
});

describe('REST', () => {
  const expected: Record<string, string> = {
    'alg none': 'PGRST301',
    'wrong secret': 'PGRST301',
    expired: 'PGRST303',
    'tampered claims': 'PGRST301',
    'HS512 header': 'PGRST301',
    'not a JWT': 'PGRST301',
  };
  for (const [name, forge] of Object.entries(forgeries())) {
    it(`refuses a token with ${name} with 401 ${expected[name]}`, async () => {
      const response = await fetch(`${emulator.url}/rest/v1/events?select=id`, {
        headers: { apikey: emulator.anonKey, Authorization: `Bearer ${await forge()}` },
      });
      expect(response.status).toBe(401);
      const body = await response.json();
      expect(body).toMatchObject({ code: expected[name], details: null, hint: null });
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    });
  }

  it('reports an expired token to supabase-js as PGRST303', async () => {
    const expired = await forgeries().expired();
    const forged = createClient(emulator.url, emulator.anonKey, {
      accessToken: async () => expired,
      realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
    });
    const { error, status } = await forged.from('events').select('id');
    expect(status).toBe(401);
    expect(error?.code).toBe('PGRST303');
    expect(error?.message).toBe('JWT expired');
  });

  it('refuses a validly signed token for a role the API does not have', async () => {
    const token = await signJwt({ role: 'postgres', exp: now() + 60 }, emulator.jwtSecret);
    const response = await fetch(`${emulator.url}/rest/v1/events?select=id`, {
      headers: { apikey: emulator.anonKey, Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(403);
    expect((await response.json()).code).toBe('42501');
  });
});

describe('realtime', () => {
  for (const [name, forge] of Object.entries(forgeries())) {
    it(`refuses to join a channel with a token with ${name}`, async () => {
      const socket = await connectRaw(emulator.url, emulator.anonKey);
      try {
        socket.send(['1', '1', 'realtime:room', 'phx_join', { config: {}, access_token: await forge() }]);
        const reply = await socket.next(isReplyTo('1'));
        expect(reply[4].status).toBe('error');
        expect((reply[4].response as { reason: string }).reason).toMatch(/^InvalidJWTToken: /);
      } finally {
        await socket.close();
      }
    });

    it(`refuses the WebSocket upgrade when the apikey is a token with ${name}`, async () => {
      expect(await upgradeStatus(websocketUrl(emulator.url, await forge()))).toBe(401);
    });
  }

  it('closes a joined channel when a later access_token is forged', async () => {
    const socket = await connectRaw(emulator.url, emulator.anonKey);
    try {
      socket.send(['1', '1', 'realtime:room', 'phx_join', { config: {}, access_token: userToken }]);
      expect((await socket.next(isReplyTo('1')))[4].status).toBe('ok');
      socket.send(['1', '2', 'realtime:room', 'access_token', { access_token: await forgeries()['tampered claims']() }]);
      const system = await socket.next((m) => m[3] === 'system');
      expect(system[4]).toMatchObject({ extension: 'system', status: 'error', channel: 'room' });
      await socket.next((m) => m[3] === 'phx_close');
    } finally {
      await socket.close();
    }
  });
});
