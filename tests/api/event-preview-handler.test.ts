// @vitest-environment jsdom
/**
 * The link preview handler alone, with a stub API: which tags it writes, that every value
 * is escaped and bounded, that the promoter parameter changes nothing, and that no
 * failure of the API (none, an error, garbage, a timeout) costs the page. Pages are read
 * back with the DOM's own parser (the jsdom environment), as a crawler reads them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_HERO_DESCRIPTION_LENGTH,
  MAX_HERO_NAME_LENGTH,
  MAX_HERO_VENUE_LENGTH,
  MAX_TITLE_LENGTH,
  PRERENDERED_EVENT_ID,
  clip,
  eventSlugOf,
  handleEventPreview,
  previewTags,
  type EventPreviewEnv,
} from '../../edge/event-preview.ts';

const TEMPLATE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta name="description" content="Promoter tracking links for event organizers." />
    <title>Promoter Links</title>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/assets/index-abc.js"></script>
  </body>
</html>
`;

const SITE = 'https://tickets.example.com';
const ANON_KEY = 'anon-key-for-tests-0123456789';

interface Row {
  slug: string;
  name: string;
  description: string | null;
  venue: string | null;
  starts_at: string;
  ends_at?: string | null;
}

const summerParty: Row = {
  slug: 'summer-party',
  name: 'Summer Party',
  description: 'Three floors of house music.\nDoors at eight.',
  venue: 'The Warehouse',
  starts_at: '2026-07-18T20:00:00Z',
};

function page(headers: Record<string, string> = {}, body = TEMPLATE): Response {
  return new Response(body, {
    status: 200,
    headers: { 'Content-Type': 'text/html; charset=utf-8', ETag: '"template"', 'Content-Security-Policy': "default-src 'self'", ...headers },
  });
}

/** A stub of the REST API answering every read with these rows. */
function api(rows: Row[] | (() => Promise<Response>)) {
  return vi.fn<typeof fetch>(async () =>
    typeof rows === 'function' ? rows() : new Response(JSON.stringify(rows), { status: 200, headers: { 'Content-Type': 'application/json' } }),
  );
}

function env(fetchStub: typeof fetch, extra: Partial<EventPreviewEnv> = {}): EventPreviewEnv {
  return { supabaseUrl: 'https://project.supabase.co', anonKey: ANON_KEY, next: async () => page(), fetch: fetchStub, ...extra };
}

function parse(html: string) {
  const document = new DOMParser().parseFromString(html, 'text/html');
  const meta = (selector: string) => document.querySelector(`meta[${selector}]`)?.getAttribute('content') ?? undefined;
  return {
    document,
    title: document.title,
    description: meta('name="description"'),
    og: (key: string) => meta(`property="og:${key}"`),
    twitter: (key: string) => meta(`name="twitter:${key}"`),
  };
}

const graphemeCount = (text: string) => Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)).length;

describe('an event page', () => {
  it('carries the event as title, description, Open Graph and Twitter card tags', async () => {
    const fetchStub = api([summerParty]);
    const response = await handleEventPreview(new Request(`${SITE}/events/summer-party?promoter=ADA1`), env(fetchStub));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    // The host's other headers stay (security headers).
    expect(response.headers.get('content-security-policy')).toBe("default-src 'self'");
    const html = await response.text();
    const doc = parse(html);
    expect(doc.title).toBe('Summer Party · Promoter Links');
    expect(doc.og('title')).toBe('Summer Party');
    expect(doc.og('type')).toBe('website');
    expect(doc.og('site_name')).toBe('Promoter Links');
    expect(doc.og('url')).toBe(`${SITE}/events/summer-party`);
    expect(doc.og('description')).toBe('Sat, 18 Jul 2026, 20:00 UTC · The Warehouse · Three floors of house music. Doors at eight.');
    expect(doc.description).toBe(doc.og('description'));
    expect(doc.og('image')).toBeUndefined();
    expect(doc.twitter('card')).toBe('summary');
    expect(doc.twitter('title')).toBe('Summer Party');
    expect(doc.twitter('description')).toBe(doc.og('description'));
    expect(doc.document.querySelector('link[rel="canonical"]')?.getAttribute('href')).toBe(`${SITE}/events/summer-party`);
    // One of each: the template's title and description were replaced, not repeated.
    expect(doc.document.querySelectorAll('title')).toHaveLength(1);
    expect(doc.document.querySelectorAll('meta[name="description"]')).toHaveLength(1);
    // The app itself is untouched.
    expect(html).toContain('<script type="module" src="/assets/index-abc.js"></script>');
  });

  it('reads the published event only, as the anonymous visitor, through the public REST API', async () => {
    const fetchStub = api([summerParty]);
    await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(fetchStub));
    expect(fetchStub).toHaveBeenCalledTimes(1);
    const [url, init] = fetchStub.mock.calls[0];
    const address = new URL(String(url));
    expect(address.origin + address.pathname).toBe('https://project.supabase.co/rest/v1/events');
    expect(address.searchParams.get('slug')).toBe('eq.summer-party');
    expect(address.searchParams.get('status')).toBe('eq.published');
    expect(address.searchParams.get('select')).toBe('slug,name,description,venue,starts_at,ends_at');
    const headers = new Headers(init?.headers);
    expect(headers.get('apikey')).toBe(ANON_KEY);
    expect(headers.get('authorization')).toBe(`Bearer ${ANON_KEY}`);
  });

  it('is the same page, byte for byte and ETag, whatever promoter the link names', async () => {
    const answers = await Promise.all(
      ['', '?promoter=ADA1', '?promoter=BOB2&utm_source=whatsapp', '?promoter=%3Cscript%3E'].map(async (search) => {
        const response = await handleEventPreview(new Request(`${SITE}/events/summer-party${search}`), env(api([summerParty])));
        return { etag: response.headers.get('etag'), body: await response.text() };
      }),
    );
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    expect(answers[0].body).not.toMatch(/promoter=|ADA1|BOB2|utm_source/i);
  });

  it('answers 304 to a client holding the same page, and HEAD without a body', async () => {
    const first = await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(api([summerParty])));
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const again = await handleEventPreview(
      new Request(`${SITE}/events/summer-party?promoter=X`, { headers: { 'If-None-Match': etag ?? '' } }),
      env(api([summerParty])),
    );
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const changed = await handleEventPreview(
      new Request(`${SITE}/events/summer-party`, { headers: { 'If-None-Match': etag ?? '' } }),
      env(api([{ ...summerParty, name: 'Summer Party (moved)' }])),
    );
    expect(changed.status).toBe(200);
    const head = await handleEventPreview(new Request(`${SITE}/events/summer-party`, { method: 'HEAD' }), env(api([summerParty])));
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(await head.text()).toBe('');
  });

  it('uses the configured site address, name, zone and language', async () => {
    const response = await handleEventPreview(
      new Request('http://internal:8080/events/summer-party'),
      env(api([summerParty]), { siteUrl: SITE, siteName: 'Club Tickets', timeZone: 'Europe/Berlin', locale: 'en-GB' }),
    );
    const doc = parse(await response.text());
    expect(doc.og('url')).toBe(`${SITE}/events/summer-party`);
    expect(doc.og('site_name')).toBe('Club Tickets');
    expect(doc.title).toBe('Summer Party · Club Tickets');
    expect(doc.og('description')).toMatch(/^Sat, 18 Jul 2026, 22:00 CEST · The Warehouse · /);
  });

  it('leaves out what the event does not have', async () => {
    const response = await handleEventPreview(
      new Request(`${SITE}/events/summer-party`),
      env(api([{ ...summerParty, venue: '', description: null }])),
    );
    expect(parse(await response.text()).og('description')).toBe('Sat, 18 Jul 2026, 20:00 UTC');
  });
});

describe("the event's hero", () => {
  const hero = (doc: ReturnType<typeof parse>) => doc.document.getElementById(PRERENDERED_EVENT_ID);

  it('is written as static markup right before the app root: name, time, venue and description, as the page shows them', async () => {
    const response = await handleEventPreview(
      new Request(`${SITE}/events/summer-party?promoter=ADA1`),
      env(api([{ ...summerParty, ends_at: '2026-07-19T02:00:00Z' }])),
    );
    const doc = parse(await response.text());
    const element = hero(doc);
    expect(element?.tagName).toBe('MAIN');
    expect(element?.className).toBe('att-page att-prerendered');
    // Right before the root, outside it: React replaces the root's content, not this.
    expect(element?.nextElementSibling?.id).toBe('root');
    expect(doc.document.getElementById('root')?.childElementCount).toBe(0);
    // The app's page is what assistive technology reads; this is a picture of it.
    expect(element?.getAttribute('aria-hidden')).toBe('true');
    expect(element?.querySelector('h1.att-event-name')?.textContent).toBe('Summer Party');
    const time = element?.querySelector('.att-event-meta time');
    expect(time?.getAttribute('datetime')).toBe(summerParty.starts_at);
    // The page's own format (dateStyle full, timeStyle short, a range with the end), in the
    // configured zone and language (UTC and en-GB by default).
    expect(time?.textContent).toBe(
      new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }).formatRange(
        new Date(summerParty.starts_at),
        new Date('2026-07-19T02:00:00Z'),
      ),
    );
    expect(time?.textContent).toMatch(/^Saturday,? 18 July 2026/);
    expect([...(element?.querySelectorAll('.att-event-meta') ?? [])].map((p) => p.textContent)).toContain('The Warehouse');
    // Line breaks kept: the page shows the description with `white-space: pre-line`.
    expect(element?.querySelector('.att-event-description')?.textContent).toBe(summerParty.description);
  });

  it('leaves out the venue and description the event does not have, and is not written for an unknown event', async () => {
    const bare = await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(api([{ ...summerParty, venue: null, description: '' }])));
    const element = hero(parse(await bare.text()));
    expect(element?.querySelectorAll('.att-event-meta')).toHaveLength(1);
    expect(element?.querySelector('.att-event-description')).toBeNull();
    const unknown = await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(api([])));
    expect(hero(parse(await unknown.text()))).toBeNull();
  });

  it('is not written into a page without the app root, and is replaced, not repeated, in a page that has one', async () => {
    const noRoot = TEMPLATE.replace('<div id="root"></div>', '');
    const plain = await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(api([summerParty]), { next: async () => page({}, noRoot) }));
    expect(hero(parse(await plain.text()))).toBeNull();
    const first = await (await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(api([summerParty])))).text();
    const again = await handleEventPreview(
      new Request(`${SITE}/events/summer-party`),
      env(api([{ ...summerParty, name: 'Winter Party' }]), { next: async () => page({}, first) }),
    );
    const doc = parse(await again.text());
    expect(doc.document.querySelectorAll(`#${PRERENDERED_EVENT_ID}`)).toHaveLength(1);
    expect(hero(doc)?.querySelector('h1')?.textContent).toBe('Winter Party');
  });

  it('writes every value as text and keeps within its bounds', async () => {
    const hostile: Row = {
      slug: 'summer-party',
      name: `</h1></main><script>alert("x")</script> Tom & Jerry's $& $1 `.repeat(8),
      description: `"><script>alert(1)</script> <img src=x onerror=alert(2)>\r\nR&B\u0000 & 'soul' `.repeat(30),
      venue: `Club "<b>Nord</b>" & Co `.repeat(10),
      starts_at: '2026-07-18T20:00:00Z',
    };
    const html = await (await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(api([hostile])))).text();
    const doc = parse(html);
    expect(doc.document.querySelectorAll('script')).toHaveLength(1);
    expect(doc.document.querySelectorAll('img, b')).toHaveLength(0);
    expect(html).not.toContain('<script>alert');
    const element = hero(doc)!;
    const name = element.querySelector('h1')?.textContent ?? '';
    const venue = element.querySelectorAll('.att-event-meta')[1]?.textContent ?? '';
    const description = element.querySelector('.att-event-description')?.textContent ?? '';
    expect(graphemeCount(name)).toBeLessThanOrEqual(MAX_HERO_NAME_LENGTH);
    expect(name).toMatch(/^<\/h1><\/main><script>alert\("x"\)<\/script> Tom & Jerry's \$& \$1 .*…$/);
    expect(graphemeCount(venue)).toBeLessThanOrEqual(MAX_HERO_VENUE_LENGTH);
    expect(venue).toMatch(/^Club "<b>Nord<\/b>" & Co .*…$/);
    expect(graphemeCount(description)).toBeLessThanOrEqual(MAX_HERO_DESCRIPTION_LENGTH);
    expect(description).toMatch(/^"><script>alert\(1\)<\/script> <img src=x onerror=alert\(2\)>\nR&B & 'soul' [\s\S]*…$/);
    // Control characters are dropped, line breaks normalised.
    expect(description.includes('\u0000') || description.includes('\r')).toBe(false);
  });
});

describe('escaping', () => {
  const hostile: Row = {
    slug: 'summer-party',
    name: `</title><script>alert("x")</script> Tom & Jerry's "Party" $& $1`,
    description: `"><script>alert(1)</script> <img src=x onerror=alert(2)> R&B & 'soul'`,
    venue: `Club "<b>Nord</b>" & Co`,
    starts_at: '2026-07-18T20:00:00Z',
  };

  it('writes every value as text: no markup of the event reaches the page', async () => {
    const response = await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(api([hostile])));
    const html = await response.text();
    const doc = parse(html);
    // Nothing was injected: the template's one script, no image, no bold.
    expect(doc.document.querySelectorAll('script')).toHaveLength(1);
    expect(doc.document.querySelectorAll('img, b')).toHaveLength(0);
    expect(html).not.toContain('<script>alert');
    // And the text reads back exactly, `$&` and quotes included.
    expect(doc.og('title')).toBe(hostile.name);
    expect(doc.twitter('title')).toBe(hostile.name);
    expect(doc.title).toBe(`${hostile.name} · Promoter Links`);
    expect(doc.og('description')).toBe(`Sat, 18 Jul 2026, 20:00 UTC · ${hostile.venue} · ${hostile.description}`);
    expect(html).toContain('Tom &amp; Jerry&#39;s &quot;Party&quot; $&amp; $1');
  });

  it('escapes the image address and writes the image tags only when there is one', () => {
    const event = { slug: 'a-b', name: 'A', description: '', venue: '', startsAt: '2026-07-18T20:00:00Z' };
    expect(previewTags(event, `${SITE}/events/a-b`, {})).not.toMatch(/og:image|twitter:image/);
    const tags = previewTags({ ...event, imageUrl: 'https://cdn.example.com/a.png?w=1&h="2"' }, `${SITE}/events/a-b`, {});
    const doc = parse(`<html><head>${tags}</head></html>`);
    expect(doc.og('image')).toBe('https://cdn.example.com/a.png?w=1&h="2"');
    expect(doc.twitter('image')).toBe('https://cdn.example.com/a.png?w=1&h="2"');
    expect(tags).toContain('w=1&amp;h=&quot;2&quot;');
  });
});

describe('bounds', () => {
  it('cuts a long title and description at a word, with an ellipsis, within the limits', async () => {
    const long: Row = {
      ...summerParty,
      name: 'The Longest Night '.repeat(20),
      venue: 'Hall '.repeat(40),
      description: 'Dancing until sunrise with friends. '.repeat(40),
    };
    const doc = parse(await (await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(api([long])))).text());
    const title = doc.og('title') ?? '';
    const description = doc.og('description') ?? '';
    expect(graphemeCount(title)).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    expect(title).toMatch(/^The Longest Night The .*[a-z]…$/);
    expect(graphemeCount(description)).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
    expect(description).toMatch(/^Sat, 18 Jul 2026, 20:00 UTC · Hall Hall .*… · Dancing until sunrise .*…$/);
    expect(graphemeCount(doc.description ?? '')).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
  });

  it('never splits a character made of several code points', () => {
    const family = '👨‍👩‍👧‍👦';
    const clipped = clip(family.repeat(30), 10);
    expect(graphemeCount(clipped)).toBe(10);
    expect(clipped).toBe(`${family.repeat(9)}…`);
    expect(clip('  short\n\ttext\u0000 ', 10)).toBe('short text');
  });
});

describe('anything else is the plain page', () => {
  const plain = async (response: Response) => {
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(TEMPLATE);
  };

  it('an unknown slug or a draft (the API returns no row)', async () => {
    const response = await handleEventPreview(new Request(`${SITE}/events/no-such-event?promoter=ADA1`), env(api([])));
    const doc = parse(TEMPLATE);
    await plain(response);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(doc.og('title')).toBeUndefined();
  });

  it('an API error, a network failure or an answer that is not the expected JSON', async () => {
    const failures: (() => Promise<Response>)[] = [
      async () => new Response(JSON.stringify({ code: 'PGRST000', message: 'down' }), { status: 503 }),
      async () => Promise.reject(new TypeError('fetch failed')),
      async () => new Response('<html>proxy error</html>', { status: 200 }),
      async () => new Response(JSON.stringify([{ slug: 'summer-party' }]), { status: 200 }),
      async () => new Response(JSON.stringify({ rows: [summerParty] }), { status: 200 }),
    ];
    for (const failure of failures) await plain(await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(api(failure))));
  });

  it('a slow API, within the time limit, whether or not its fetch honours the abort', async () => {
    const ignoresAbort = vi.fn<typeof fetch>(() => new Promise<Response>(() => {}));
    await plain(await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(ignoresAbort, { timeoutMs: 50 })));
    let aborted: unknown;
    const honoursAbort = vi.fn<typeof fetch>(
      (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => {
            aborted = init.signal?.reason;
            reject(init.signal?.reason);
          });
        }),
    );
    await plain(await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(honoursAbort, { timeoutMs: 50 })));
    expect((aborted as Error | undefined)?.name).toBe('TimeoutError');
  });

  it('other paths, methods and slugs that cannot exist are passed through without a read', async () => {
    const fetchStub = api([summerParty]);
    const hostAnswer = new Response('host', { status: 200, headers: { 'Content-Type': 'text/plain', ETag: '"host"' } });
    for (const [method, path] of [
      ['GET', '/events/summer-party/checkout'],
      ['GET', '/events/summer-party/orders/ABC'],
      ['GET', '/dashboard'],
      ['GET', '/events/'],
      ['GET', '/events/Summer_Party'],
      ['GET', '/events/%E0%A4%A'],
      ['POST', '/events/summer-party'],
    ]) {
      const response = await handleEventPreview(new Request(`${SITE}${path}`, { method }), env(fetchStub, { next: async () => hostAnswer }));
      expect(response).toBe(hostAnswer);
    }
    expect(fetchStub).not.toHaveBeenCalled();
    expect(eventSlugOf('/events/summer-party/')).toBe('summer-party');
  });

  it("the host's answer when it is not an HTML page", async () => {
    const notFound = new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
    const response = await handleEventPreview(new Request(`${SITE}/events/summer-party`), env(api([summerParty]), { next: async () => notFound }));
    expect(response).toBe(notFound);
  });
});

describe('the Netlify wrapper', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('runs the handler with the site settings and the host answer as next', async () => {
    const settings: Record<string, string> = {
      VITE_SUPABASE_URL: 'https://project.supabase.co',
      VITE_SUPABASE_ANON_KEY: ANON_KEY,
      URL: SITE,
      EVENT_TIME_ZONE: 'Europe/Berlin',
    };
    vi.stubGlobal('Netlify', { env: { get: (name: string) => settings[name] } });
    const fetchStub = api([summerParty]);
    vi.stubGlobal('fetch', fetchStub);
    const { default: eventPreview, config } = await import('../../netlify/edge-functions/event-preview.ts');
    expect(config.path).toBe('/events/*');
    const response = await eventPreview(new Request('https://deploy-preview-1--site.netlify.app/events/summer-party?promoter=ADA1'), {
      next: async () => page(),
    });
    const doc = parse(await response.text());
    expect(doc.og('url')).toBe(`${SITE}/events/summer-party`);
    expect(doc.og('description')).toMatch(/^Sat, 18 Jul 2026, 22:00 CEST · The Warehouse/);
    expect(String(fetchStub.mock.calls[0][0])).toMatch(/^https:\/\/project\.supabase\.co\/rest\/v1\/events\?/);
  });

  it('serves the page as it is without the project settings', async () => {
    vi.stubGlobal('Netlify', { env: { get: () => undefined } });
    const { default: eventPreview } = await import('../../netlify/edge-functions/event-preview.ts');
    const hostAnswer = page();
    expect(await eventPreview(new Request(`${SITE}/events/summer-party`), { next: async () => hostAnswer })).toBe(hostAnswer);
  });
});
