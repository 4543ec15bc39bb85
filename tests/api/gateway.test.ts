/**
 * What the Supabase gateway does in front of every service: CORS for the browser SPA,
 * project keys, body limits, and serving the built SPA.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';

let emulator: TestEmulator;
let staticDir: string;

beforeAll(async () => {
  staticDir = await mkdtemp(path.join(tmpdir(), 'spa-'));
  await mkdir(path.join(staticDir, 'assets'));
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(path.join(staticDir, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(path.join(staticDir, 'favicon.svg'), '<svg/>');
  emulator = await startTestEmulator({ emulator: { staticDir, maxBodyBytes: 64 * 1024 } });
});

afterAll(async () => {
  await emulator?.stop();
  await rm(staticDir, { recursive: true, force: true });
});

describe('CORS', () => {
  it('answers a preflight with the origin, the methods and the requested headers', async () => {
    const requested = 'authorization, apikey, x-client-info, x-supabase-api-version, content-type, prefer, accept-profile, content-profile';
    const response = await fetch(`${emulator.url}/rest/v1/events`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'PATCH',
        'Access-Control-Request-Headers': requested,
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(response.headers.get('access-control-allow-headers')).toBe(requested);
  });

  it('exposes the headers supabase-js reads on every response, errors included', async () => {
    for (const url of [`${emulator.url}/auth/v1/user`, `${emulator.url}/rest/v1/events?select=id`, `${emulator.url}/auth/v1/nowhere`]) {
      const response = await fetch(url, { headers: { apikey: emulator.anonKey, Origin: 'https://app.example' } });
      expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
      const exposed = response.headers.get('access-control-expose-headers') ?? '';
      for (const header of ['Content-Range', 'X-Supabase-Api-Version', 'x-sb-error-code', 'Range-Unit', 'Location']) {
        expect(exposed).toContain(header);
      }
    }
  });
});

describe('project keys', () => {
  it('refuses a request without an apikey', async () => {
    const response = await fetch(`${emulator.url}/rest/v1/events?select=id`);
    expect(response.status).toBe(401);
    expect((await response.json()).message).toBe('No API key found in request');
  });

  it('refuses an apikey that is not one of the project keys', async () => {
    const response = await fetch(`${emulator.url}/auth/v1/settings`, { headers: { apikey: 'sb_publishable_made_up' } });
    expect(response.status).toBe(401);
    expect((await response.json()).message).toBe('Invalid API key');
  });

  it('maps the opaque publishable and secret keys to anon and service_role without parsing them', async () => {
    const { startEmulator } = await import('../../supabase/emulator/server.ts');
    const server = await startEmulator({ db: emulator.db, port: 0 });
    try {
      const call = (key: string) =>
        fetch(`${server.url}/rest/v1/organizations?select=id`, { headers: { apikey: key, Authorization: `Bearer ${key}` } });
      // anon has no grant on organizations; service_role does.
      const anon = await call(server.publishableKey);
      const service = await call(server.secretKey);
      expect([401, 403]).toContain(anon.status);
      expect(service.status).toBe(200);
      expect(server.publishableKey).toBe('sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH');
    } finally {
      await server.stop();
    }
  });
});

describe('body limits', () => {
  it('answers an oversized REST body with 413 in PostgREST shape', async () => {
    const client = emulator.client();
    const { error, status } = await client.rpc('checkout', {
      p_event_slug: 'x'.repeat(100 * 1024),
      p_items: [],
      p_buyer_name: 'A',
      p_buyer_email: 'a@example.com',
      p_idempotency_key: '00000000-0000-4000-8000-000000000000',
    });
    expect(status).toBe(413);
    expect(error?.code).toBe('PGRST413');
  });

  it('answers an oversized auth body with 413 in GoTrue shape', async () => {
    const { error } = await emulator.client().auth.signUp({ email: 'big@example.com', password: 'p'.repeat(100 * 1024) });
    expect(error?.status).toBe(413);
    expect(error?.code).toBe('request_too_large');
  });
});

describe('the built SPA', () => {
  it('serves index.html for client routes, uncached', async () => {
    const response = await fetch(`${emulator.url}/events/summer-party?promoter=ADA`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toContain('<title>app</title>');
  });

  it('serves hashed assets with a long cache', async () => {
    const response = await fetch(`${emulator.url}/assets/index-abc123.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/javascript');
    expect(response.headers.get('cache-control')).toContain('immutable');
  });

  it('answers a missing asset with 404 rather than the page', async () => {
    expect((await fetch(`${emulator.url}/assets/missing-123.js`)).status).toBe(404);
  });

  it('never serves files outside the build directory', async () => {
    const secret = path.join(path.dirname(staticDir), `${path.basename(staticDir)}-secret.txt`);
    await writeFile(secret, 'top secret');
    try {
      const response = await fetch(`${emulator.url}/..%2f${path.basename(secret)}`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('top secret');
      const passwd = await fetch(`${emulator.url}/..%2f..%2f..%2fetc%2fpasswd`);
      expect(await passwd.text()).not.toContain('root:');
    } finally {
      await rm(secret, { force: true });
    }
  });
});
