/**
 * The served app's browser protections: the production build emits `_headers` (CSP,
 * frame, sniffing and referrer headers) and no source maps, and the emulator serves
 * the build with exactly those headers — the same file a static host reads.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, headersFor, parseHeadersFile } from '../../supabase/emulator/security-headers.ts';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const HOSTED = 'https://abcdefghijklmnop.supabase.co';
const HOSTED_KEY = 'hosted-project-anon-key-for-the-build-test';

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

let outDir: string;
let emulator: TestEmulator;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'promoter-links-build-'));
  const previous = { url: process.env.VITE_SUPABASE_URL, key: process.env.VITE_SUPABASE_ANON_KEY };
  process.env.VITE_SUPABASE_URL = HOSTED;
  process.env.VITE_SUPABASE_ANON_KEY = HOSTED_KEY;
  try {
    await build({ root, configFile: path.join(root, 'vite.config.ts'), mode: 'production', logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  } finally {
    restore('VITE_SUPABASE_URL', previous.url);
    restore('VITE_SUPABASE_ANON_KEY', previous.key);
  }
  emulator = await startTestEmulator({ emulator: { staticDir: outDir } });
}, 300_000);

afterAll(async () => {
  await emulator?.stop();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

async function get(pathname: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${emulator.url}${pathname}`, { headers });
  await response.arrayBuffer();
  return response;
}

describe('the production build', () => {
  it('refuses to run without the hosted project\'s URL and anon key, naming them and the emulator mode', async () => {
    const previous = { url: process.env.VITE_SUPABASE_URL, key: process.env.VITE_SUPABASE_ANON_KEY };
    delete process.env.VITE_SUPABASE_URL;
    delete process.env.VITE_SUPABASE_ANON_KEY;
    try {
      const attempt = build({ root, configFile: path.join(root, 'vite.config.ts'), mode: 'production', logLevel: 'silent', build: { write: false } });
      await expect(attempt).rejects.toThrow(/needs VITE_SUPABASE_URL and VITE_SUPABASE_ANON_KEY.*--mode emulator/s);
    } finally {
      restore('VITE_SUPABASE_URL', previous.url);
      restore('VITE_SUPABASE_ANON_KEY', previous.key);
    }
  });

  it('contains no source maps and no reference to one', async () => {
    const files = await filesUnder(outDir);
    expect(files.some((file) => file.endsWith('.js'))).toBe(true);
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    for (const file of files.filter((name) => name.endsWith('.js') || name.endsWith('.css'))) {
      expect(await readFile(path.join(outDir, file), 'utf8')).not.toContain('sourceMappingURL');
    }
  });

  it('emits _headers allowing connections to exactly the app and the hosted project', async () => {
    const rules = parseHeadersFile(await readFile(path.join(outDir, '_headers'), 'utf8'));
    const headers = headersFor(rules, '/events/some-event');
    const csp = headers['Content-Security-Policy'];
    expect(csp).toContain(`connect-src 'self' ${HOSTED} wss://abcdefghijklmnop.supabase.co`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(headers).toMatchObject({
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'strict-origin-when-cross-origin',
    });
  });

  it('without VITE_SUPABASE_URL, allows connections only to its own origin', () => {
    const csp = contentSecurityPolicy();
    expect(csp).toContain("connect-src 'self';");
    expect(csp).toContain("default-src 'self'");
  });
});

describe('the emulator serving the build', () => {
  it('sends the _headers of the build with index.html, client routes, assets and 404s', async () => {
    const expected = headersFor(parseHeadersFile(await readFile(path.join(outDir, '_headers'), 'utf8')), '/');
    const asset = (await filesUnder(outDir)).find((file) => file.startsWith('assets') && file.endsWith('.js'))!;
    for (const pathname of ['/', '/events/harbour-lights-festival?promoter=ALICE', '/dashboard', `/${asset}`, '/assets/missing-123.js']) {
      const response = await get(pathname);
      for (const [name, value] of Object.entries(expected)) expect(response.headers.get(name), `${pathname} ${name}`).toBe(value);
    }
    expect((await get('/events/harbour-lights-festival?promoter=ALICE')).headers.get('content-type')).toContain('text/html');
  });

  it('never serves source maps or the _headers file, even when present', async () => {
    const asset = (await filesUnder(outDir)).find((file) => file.startsWith('assets') && file.endsWith('.js'))!;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(outDir, `${asset}.map`), '{"version":3}');
    expect((await get(`/${asset}.map`)).status).toBe(404);
    expect((await get('/_headers')).status).toBe(404);
  });

  it('marks API answers nosniff too, errors included', async () => {
    for (const pathname of ['/rest/v1/events?select=id', '/rest/v1/nope', '/auth/v1/settings', '/rest/v1/events?select=id&id=eq.x']) {
      const response = await get(pathname, { apikey: emulator.anonKey });
      expect(response.headers.get('x-content-type-options'), pathname).toBe('nosniff');
    }
    expect((await get('/rest/v1/events')).headers.get('x-content-type-options')).toBe('nosniff');
  });
});
