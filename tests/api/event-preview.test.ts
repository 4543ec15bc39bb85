/**
 * Link previews as the emulator serves them: the HTML of `/events/<slug>` carries a
 * published event's Open Graph and Twitter card tags (read through the emulator's own
 * REST API with the anon key, by the edge handler), compressed, revalidated and with
 * the build's security headers like index.html; the promoter parameter changes
 * nothing; a draft, a cancelled or an unknown event reveals nothing.
 */
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';

let emulator: TestEmulator;
let staticDir: string;
let indexHtml: string;
const suffix = randomUUID().slice(0, 8);
const published = `summer-party-${suffix}`;
const draft = `secret-draft-${suffix}`;
const cancelled = `called-off-${suffix}`;
const NAME = `Summer "Party" <script>alert(1)</script> & Friends`;

beforeAll(async () => {
  staticDir = await mkdtemp(path.join(tmpdir(), 'spa-preview-'));
  // The app's own page template.
  indexHtml = await readFile(new URL('../../index.html', import.meta.url), 'utf8');
  await writeFile(path.join(staticDir, 'index.html'), indexHtml);
  // A generous bound: the machine may be busy, and a late read would serve the plain page.
  emulator = await startTestEmulator({ emulator: { staticDir, eventPreviewTimeoutMs: 20_000 } });
  await emulator.db.transaction(async (tx) => {
    const organization = await tx.query<{ id: string }>(`insert into public.organizations (name, currency) values ($1, 'EUR') returning id`, [
      `Org ${suffix}`,
    ]);
    const insert = `insert into public.events (organization_id, slug, name, description, venue, starts_at, currency, status)
                    values ($1, $2, $3, $4, $5, '2026-07-18T20:00:00Z', 'EUR', $6)`;
    const organizationId = organization.rows[0].id;
    await tx.query(insert, [organizationId, published, NAME, 'Three floors of house.\nDoors at eight.', 'The Warehouse', 'published']);
    await tx.query(insert, [organizationId, draft, 'Unannounced Headliner', 'Not yet public.', 'Hidden Venue', 'draft']);
    await tx.query(insert, [organizationId, cancelled, 'Called Off Night', 'Cancelled.', 'Gone Venue', 'cancelled']);
  });
});

afterAll(async () => {
  await emulator?.stop();
  if (staticDir) await rm(staticDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Decoded as the Content-Encoding says. */
  text: string;
  /** Bytes on the wire. */
  wireBytes: number;
}

function get(pathname: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.url}${pathname}`, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const raw = Buffer.concat(chunks);
        const encoding = response.headers['content-encoding'];
        const body = encoding === 'br' ? brotliDecompressSync(raw) : encoding === 'gzip' ? gunzipSync(raw) : raw;
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text: body.toString('utf8'), wireBytes: raw.length });
      });
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The content of a meta tag, unescaped; undefined when the page has none. */
function meta(html: string, attribute: 'name' | 'property', key: string): string | undefined {
  const tags = [...html.matchAll(new RegExp(`<meta ${attribute}="${key}" content="([^"]*)" />`, 'g'))];
  expect(tags.length).toBeLessThanOrEqual(1);
  return tags[0]?.[1].replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);
}

describe('a published event', () => {
  it('is served with its title, description and preview tags, compressed and revalidated', async () => {
    const answer = await get(`/events/${published}?promoter=ADA1`, { 'Accept-Encoding': 'br, gzip' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers.vary).toBe('Accept-Encoding');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.headers['etag']).toMatch(/^"[A-Za-z0-9_-]{27}-br"$/);
    // The build's security headers, as for every page.
    expect(answer.headers['content-security-policy']).toBeDefined();
    expect(answer.wireBytes).toBeLessThan(Buffer.byteLength(answer.text));

    const html = answer.text;
    expect(meta(html, 'property', 'og:title')).toBe(NAME);
    expect(meta(html, 'property', 'og:type')).toBe('website');
    expect(meta(html, 'property', 'og:site_name')).toBe('Promoter Links');
    expect(meta(html, 'property', 'og:url')).toBe(`${emulator.url}/events/${published}`);
    expect(meta(html, 'property', 'og:description')).toBe('Sat, 18 Jul 2026, 20:00 UTC · The Warehouse · Three floors of house. Doors at eight.');
    expect(meta(html, 'property', 'og:image')).toBeUndefined();
    expect(meta(html, 'name', 'twitter:card')).toBe('summary');
    expect(meta(html, 'name', 'twitter:title')).toBe(NAME);
    expect(meta(html, 'name', 'description')).toBe(meta(html, 'property', 'og:description'));
    expect(html).toContain('<title>Summer &quot;Party&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; Friends · Promoter Links</title>');
    expect(html).not.toContain('<script>alert');
    // The event's hero as static markup right before the app's root, every value escaped.
    const hero = /<main id="prerendered-event"[^>]*>[\s\S]*?<\/main>\s*(?=<div id="root"><\/div>)/.exec(html)?.[0] ?? '';
    expect(hero).toContain('<h1 class="att-event-name">Summer &quot;Party&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; Friends</h1>');
    expect(hero).toContain('<time datetime="2026-07-18T20:00:00+00:00">');
    expect(hero).toContain('<p class="att-event-meta">The Warehouse</p>');
    expect(hero).toContain('<p class="att-event-description">Three floors of house.\nDoors at eight.</p>');
    // The rest is the app's page.
    expect(html).toContain('<div id="root"></div>');
    expect(html.replace(hero, '').replace(/\s*<meta (property="og:|name="twitter:)[^>]*>|\s*<link rel="canonical"[^>]*>/g, '')).toBe(
      indexHtml
        .replace(/<title>.*<\/title>/, html.match(/<title>.*<\/title>/)?.[0] ?? '')
        .replace(/<meta name="description"[^>]*>/, html.match(/<meta name="description"[^>]*>/)?.[0] ?? ''),
    );
  });

  it('is the same page and ETag for every promoter, and 304 for a client that has it', async () => {
    const plain = await get(`/events/${published}`, { 'Accept-Encoding': 'gzip' });
    const viaAda = await get(`/events/${published}?promoter=ADA1`, { 'Accept-Encoding': 'gzip' });
    const viaBob = await get(`/events/${published}?promoter=BOB2&utm_source=whatsapp`, { 'Accept-Encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBe('gzip');
    for (const answer of [viaAda, viaBob]) {
      expect(answer.text).toBe(plain.text);
      expect(answer.headers.etag).toBe(plain.headers.etag);
    }
    expect(plain.text).not.toMatch(/ADA1|BOB2|promoter=/);
    const revalidated = await get(`/events/${published}?promoter=BOB2`, { 'Accept-Encoding': 'gzip', 'If-None-Match': String(plain.headers.etag) });
    expect(revalidated.status).toBe(304);
    expect(revalidated.text).toBe('');
  });

  it('shows a change to the event at the next visit', async () => {
    await emulator.db.query(`update public.events set venue = 'The Boathouse' where slug = $1`, [published]);
    try {
      const answer = await get(`/events/${published}`);
      expect(meta(answer.text, 'property', 'og:description')).toContain(' · The Boathouse · ');
    } finally {
      await emulator.db.query(`update public.events set venue = 'The Warehouse' where slug = $1`, [published]);
    }
  });
});

describe('nothing is revealed', () => {
  it.each([
    ['a draft', () => draft],
    ['a cancelled event', () => cancelled],
    ['an unknown slug', () => `no-such-event-${suffix}`],
  ])('for %s: the plain app page', async (_label, slug) => {
    const answer = await get(`/events/${slug()}?promoter=ADA1`, { 'Accept-Encoding': 'br' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.text).toBe(indexHtml);
    expect(answer.text).not.toMatch(/Unannounced|Hidden Venue|Called Off|Gone Venue|og:/);
  });

  it('on the checkout page and other routes, which are not previews', async () => {
    for (const pathname of [`/events/${published}/checkout?promoter=ADA1`, '/dashboard']) {
      const answer = await get(pathname);
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(indexHtml);
    }
  });
});
