/**
 * The built SPA served as a static host serves it: brotli or gzip as the client accepts,
 * `Vary: Accept-Encoding`, a year-long immutable cache for content-hashed assets and
 * revalidation for index.html, ETags answered with 304, and a rebuilt file served at once.
 */
import { request } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEncoding } from '../../supabase/emulator/static.ts';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';

let emulator: TestEmulator;
let staticDir: string;

const script = `export const rows = [${Array.from({ length: 400 }, (_, i) => `{ id: ${i}, label: "row ${i}" }`).join(', ')}];\n`;
const html = `<!doctype html><html><head><title>app</title><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div>${'<!-- padding -->'.repeat(64)}</body></html>`;
// A PNG is compressed already: served as it is.
const png = Buffer.alloc(4096, 7);

beforeAll(async () => {
  staticDir = await mkdtemp(path.join(tmpdir(), 'spa-static-'));
  await mkdir(path.join(staticDir, 'assets'));
  await writeFile(path.join(staticDir, 'index.html'), html);
  await writeFile(path.join(staticDir, 'assets', 'index-abc123.js'), script);
  await writeFile(path.join(staticDir, 'assets', 'tiny-abc123.js'), 'export {};\n');
  await writeFile(path.join(staticDir, 'assets', 'logo-abc123.png'), png);
  await writeFile(path.join(staticDir, 'robots.txt'), `User-agent: *\nAllow: /\n${'# comment line\n'.repeat(60)}`);
  emulator = await startTestEmulator({ emulator: { staticDir } });
});

afterAll(async () => {
  await emulator?.stop();
  await rm(staticDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes on the wire, still encoded. */
  raw: Buffer;
}

/** A plain HTTP request: no client-side decompression, no automatic Accept-Encoding. */
function get(pathname: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.url}${pathname}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, raw: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function decoded(answer: Answer): string {
  const encoding = answer.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(answer.raw).toString('utf8');
  if (encoding === 'gzip') return gunzipSync(answer.raw).toString('utf8');
  expect(encoding).toBeUndefined();
  return answer.raw.toString('utf8');
}

describe('compression', () => {
  it('sends brotli when the client accepts it, smaller than the file and decoding to it', async () => {
    const answer = await get('/assets/index-abc123.js', { 'Accept-Encoding': 'gzip, deflate, br, zstd' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers.vary).toBe('Accept-Encoding');
    expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(answer.headers['content-length'])).toBe(answer.raw.length);
    expect(answer.raw.length).toBeLessThan(Buffer.byteLength(script) / 4);
    expect(decoded(answer)).toBe(script);
  });

  it('sends gzip to a client without brotli', async () => {
    const answer = await get('/assets/index-abc123.js', { 'Accept-Encoding': 'gzip' });
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(answer.headers.vary).toBe('Accept-Encoding');
    expect(decoded(answer)).toBe(script);
  });

  it('sends the file as it is without Accept-Encoding, still varying on it', async () => {
    const answer = await get('/assets/index-abc123.js');
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers.vary).toBe('Accept-Encoding');
    expect(answer.raw.toString('utf8')).toBe(script);
  });

  it('honours q=0 and q-values', async () => {
    expect((await get('/assets/index-abc123.js', { 'Accept-Encoding': 'br;q=0, gzip' })).headers['content-encoding']).toBe('gzip');
    expect((await get('/assets/index-abc123.js', { 'Accept-Encoding': 'br;q=0.5, gzip;q=0.9' })).headers['content-encoding']).toBe('gzip');
    expect((await get('/assets/index-abc123.js', { 'Accept-Encoding': '*;q=0' })).headers['content-encoding']).toBeUndefined();
    expect((await get('/assets/index-abc123.js', { 'Accept-Encoding': 'identity' })).headers['content-encoding']).toBeUndefined();
    expect(chooseEncoding('*', ['br', 'gzip'])).toBe('br');
    expect(chooseEncoding('x-gzip', ['br', 'gzip'])).toBe('gzip');
    expect(chooseEncoding('gzip, br', ['gzip'])).toBe('gzip');
    expect(chooseEncoding('br;q=abc', ['br'])).toBeUndefined();
  });

  it('compresses index.html for client routes too', async () => {
    const answer = await get('/events/some-event?promoter=abc', { 'Accept-Encoding': 'br, gzip' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(decoded(answer)).toBe(html);
  });

  it('leaves tiny files and already-compressed images alone', async () => {
    const tiny = await get('/assets/tiny-abc123.js', { 'Accept-Encoding': 'br, gzip' });
    expect(tiny.headers['content-encoding']).toBeUndefined();
    expect(tiny.raw.toString('utf8')).toBe('export {};\n');
    const image = await get('/assets/logo-abc123.png', { 'Accept-Encoding': 'br, gzip' });
    expect(image.headers['content-encoding']).toBeUndefined();
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.raw.equals(png)).toBe(true);
  });

  it('answers HEAD with the headers and length of the GET, and no body', async () => {
    const full = await get('/assets/index-abc123.js', { 'Accept-Encoding': 'br' });
    const head = await get('/assets/index-abc123.js', { 'Accept-Encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.raw.length).toBe(0);
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.headers['content-length']).toBe(String(full.raw.length));
    expect(head.headers.etag).toBe(full.headers.etag);
  });
});

describe('caching', () => {
  it('marks content-hashed assets immutable for a year', async () => {
    for (const file of ['/assets/index-abc123.js', '/assets/logo-abc123.png']) {
      const answer = await get(file, { 'Accept-Encoding': 'br' });
      expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  });

  it('makes browsers revalidate index.html and unhashed files', async () => {
    for (const file of ['/', '/index.html', '/events/x', '/robots.txt']) {
      const answer = await get(file, { 'Accept-Encoding': 'br' });
      expect(answer.status).toBe(200);
      expect(answer.headers['cache-control']).toBe('no-cache');
      expect(answer.headers.etag).toMatch(/^"[^"]+"$/);
    }
  });

  it('answers a matching If-None-Match with 304 and no body, per encoding', async () => {
    const first = await get('/assets/index-abc123.js', { 'Accept-Encoding': 'br' });
    const etag = String(first.headers.etag);
    const again = await get('/assets/index-abc123.js', { 'Accept-Encoding': 'br', 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.raw.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(again.headers.vary).toBe('Accept-Encoding');
    expect(again.headers['content-length']).toBeUndefined();
    // Weak comparison and lists, as browsers and proxies send them.
    expect((await get('/assets/index-abc123.js', { 'Accept-Encoding': 'br', 'If-None-Match': `"other", W/${etag}` })).status).toBe(304);
    // The gzip body is another representation with its own tag.
    const gzip = await get('/assets/index-abc123.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': etag });
    expect(gzip.status).toBe(200);
    expect(gzip.headers.etag).not.toBe(etag);
    expect((await get('/assets/index-abc123.js', { 'Accept-Encoding': 'br', 'If-None-Match': '"other"' })).status).toBe(200);
  });

  it('revalidates index.html for a client route with 304', async () => {
    const first = await get('/events/a', { 'Accept-Encoding': 'gzip' });
    const again = await get('/events/b/checkout', { 'Accept-Encoding': 'gzip', 'If-None-Match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.headers['cache-control']).toBe('no-cache');
  });

  it('serves a rebuilt index.html at once, with a new ETag', async () => {
    const before = await get('/', { 'Accept-Encoding': 'br' });
    const rebuilt = html.replace('index-abc123.js', 'index-def4567890.js');
    await writeFile(path.join(staticDir, 'index.html'), rebuilt);
    const after = await get('/', { 'Accept-Encoding': 'br', 'If-None-Match': String(before.headers.etag) });
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(decoded(after)).toBe(rebuilt);
  });

  it('keeps 404 for a missing hashed asset', async () => {
    const answer = await get('/assets/missing-abc123.js', { 'Accept-Encoding': 'br' });
    expect(answer.status).toBe(404);
  });
});
