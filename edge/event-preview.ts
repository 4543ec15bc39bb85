/**
 * Link previews for the page a promoter link opens. A tracking link pasted into a chat
 * is fetched by the app's crawler (WhatsApp, iMessage, Slack, X…), which runs no
 * JavaScript: it only sees the HTML the host serves for `/events/<slug>`. This handler
 * takes the host's own answer for that path (the SPA's index.html) and fills in the
 * event's title, date, venue and description as the `<title>`, the description, Open
 * Graph and Twitter card tags.
 *
 * One web-standard handler (`Request` → `Response`, `fetch`, Web Crypto), so the same
 * module runs in the local emulator and in a static host's edge functions (decision
 * 019). It reads the event as the anonymous visitor, through the public REST API and
 * the anon key: only a published event's public columns, as the attendee page does.
 *
 * It never makes the page fail: an unknown slug, a draft, an API error or a slow API
 * (bounded by `timeoutMs`) leave the host's HTML as it is. The `promoter` parameter and
 * every other query parameter change nothing: the tags, the canonical URL and the ETag
 * are the same for every promoter's link.
 */
import { z } from 'zod';
import { PRERENDERED_EVENT_ID } from '../src/features/attendee/lib/prerendered-event.ts';
import { eventSlugPattern } from '../src/lib/database.types.ts';

export { PRERENDERED_EVENT_ID };

export interface EventPreviewEnv {
  /** The Supabase project's API URL (the emulator's own URL locally). */
  supabaseUrl: string;
  /** The project's anon key: the handler reads as the anonymous visitor. */
  anonKey: string;
  /** The host's own answer for this request (on an SPA host: index.html). */
  next: () => Promise<Response>;
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
  /** How long the event read may take before the plain page is served. Default 1500 ms. */
  timeoutMs?: number;
  /** `og:site_name` and the `<title>` suffix. Default "Promoter Links". */
  siteName?: string;
  /**
   * The site's public origin for `og:url` (e.g. https://tickets.example.com). Default:
   * the request's origin.
   */
  siteUrl?: string;
  /**
   * The zone the event's time is written in. Events carry no zone of their own and a
   * crawler has none, so this is the organizers' zone. Default UTC.
   */
  timeZone?: string;
  /** The language of the date. Default en-GB. */
  locale?: string;
}

export const DEFAULT_TIMEOUT_MS = 1500;
const DEFAULT_SITE_NAME = 'Promoter Links';

/** Bounds, in user-perceived characters: what the previewing apps show at most. */
export const MAX_TITLE_LENGTH = 90;
export const MAX_DESCRIPTION_LENGTH = 200;
const MAX_VENUE_LENGTH = 80;
/**
 * Bounds of the static hero. Name and venue: the database's own limits (200), so the hero
 * shows what the page shows. The description: enough to fill a phone's first screen;
 * the app writes the rest when it takes over.
 */
export const MAX_HERO_NAME_LENGTH = 200;
export const MAX_HERO_VENUE_LENGTH = 200;
export const MAX_HERO_DESCRIPTION_LENGTH = 1000;

/** `/events/<slug>` with an optional trailing slash; the checkout and order pages are not previews. */
const EVENT_PATH = /^\/events\/([^/]+)\/?$/;
const SLUG = new RegExp(eventSlugPattern);

/** The event's slug when this path is an event page, else undefined. */
export function eventSlugOf(pathname: string): string | undefined {
  const match = EVENT_PATH.exec(pathname);
  if (!match) return undefined;
  let slug: string;
  try {
    slug = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  return SLUG.test(slug) ? slug : undefined;
}

/** What a preview shows; `imageUrl` only when the event has an image. */
export interface PreviewEvent {
  slug: string;
  name: string;
  description: string;
  venue: string;
  startsAt: string;
  endsAt?: string;
  imageUrl?: string;
}

/** The columns read: the public ones the attendee page shows. */
const PREVIEW_COLUMNS = 'slug,name,description,venue,starts_at,ends_at';

const eventRow = z.object({
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  venue: z.string().nullable(),
  starts_at: z.string(),
  ends_at: z.string().nullable().optional(),
});

/**
 * The published event with this slug, or undefined when there is none or the API does
 * not answer well within the time limit. Never throws.
 */
export async function readPreviewEvent(slug: string, env: EventPreviewEnv): Promise<PreviewEvent | undefined> {
  const signal = AbortSignal.timeout(env.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const query = new URLSearchParams({ select: PREVIEW_COLUMNS, slug: `eq.${slug}`, status: 'eq.published', limit: '1' });
  const url = new URL(`rest/v1/events?${query}`, `${env.supabaseUrl.replace(/\/+$/, '')}/`);
  const read = async (): Promise<PreviewEvent | undefined> => {
    const response = await (env.fetch ?? fetch)(url, {
      headers: { apikey: env.anonKey, Authorization: `Bearer ${env.anonKey}`, Accept: 'application/json' },
      signal,
    });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const rows = z.array(eventRow).safeParse(await response.json());
    const row = rows.success ? rows.data[0] : undefined;
    if (!row) return undefined;
    return { slug: row.slug, name: row.name, description: row.description ?? '', venue: row.venue ?? '', startsAt: row.starts_at, ...(row.ends_at ? { endsAt: row.ends_at } : {}) };
  };
  // The race also covers a fetch that ignores its signal.
  const timedOut = new Promise<undefined>((resolve) => {
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  return Promise.race([read().catch(() => undefined), timedOut]);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for an HTML attribute value or element content. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Whitespace collapsed (descriptions have line breaks), control characters dropped, and
 * at most `max` user-perceived characters: cut at a word boundary when there is one
 * late enough, ending with an ellipsis. Never splits an emoji or an accented letter.
 */
export function clip(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  const parts = Array.from(graphemes.segment(clean), (segment) => segment.segment);
  if (parts.length <= max) return clean;
  const cut = parts.slice(0, max - 1).join('');
  const space = cut.lastIndexOf(' ');
  const kept = space >= cut.length * 0.6 ? cut.slice(0, space) : cut;
  return `${kept.replace(/[\s.,;:!?·–—-]+$/u, '')}…`;
}

/** "Sat, 18 Jul 2026, 20:00 UTC", in the configured zone and language. */
export function formatStart(startsAt: string, env: Pick<EventPreviewEnv, 'timeZone' | 'locale'>): string {
  const date = new Date(startsAt);
  if (Number.isNaN(date.getTime())) return '';
  try {
    return new Intl.DateTimeFormat(env.locale ?? 'en-GB', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone: env.timeZone ?? 'UTC',
      timeZoneName: 'short',
    }).format(date);
  } catch {
    // A misconfigured zone or language must not cost the preview.
    return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

/** "date · venue · description excerpt", at most MAX_DESCRIPTION_LENGTH characters. */
export function previewDescription(event: PreviewEvent, env: Pick<EventPreviewEnv, 'timeZone' | 'locale'>): string {
  const head = [formatStart(event.startsAt, env), clip(event.venue, MAX_VENUE_LENGTH)].filter(Boolean).join(' · ');
  const room = MAX_DESCRIPTION_LENGTH - Array.from(graphemes.segment(head)).length - ' · '.length;
  const excerpt = room >= 20 ? clip(event.description, room) : '';
  return clip([head, excerpt].filter(Boolean).join(' · '), MAX_DESCRIPTION_LENGTH);
}

/** The head tags of an event page, every value escaped. */
export function previewTags(event: PreviewEvent, canonicalUrl: string, env: Pick<EventPreviewEnv, 'siteName' | 'timeZone' | 'locale'>): string {
  const siteName = env.siteName ?? DEFAULT_SITE_NAME;
  const title = clip(event.name, MAX_TITLE_LENGTH);
  const description = previewDescription(event, env);
  const meta = (attribute: 'name' | 'property', key: string, value: string) =>
    `<meta ${attribute}="${key}" content="${escapeHtml(value)}" />`;
  const tags = [
    meta('property', 'og:type', 'website'),
    meta('property', 'og:site_name', siteName),
    meta('property', 'og:title', title),
    meta('property', 'og:description', description),
    meta('property', 'og:url', canonicalUrl),
    ...(event.imageUrl ? [meta('property', 'og:image', event.imageUrl)] : []),
    meta('name', 'twitter:card', 'summary'),
    meta('name', 'twitter:title', title),
    meta('name', 'twitter:description', description),
    ...(event.imageUrl ? [meta('name', 'twitter:image', event.imageUrl)] : []),
    `<link rel="canonical" href="${escapeHtml(canonicalUrl)}" />`,
  ];
  return tags.join('\n    ');
}

/**
 * The event's time as the page shows it ("Saturday 18 July 2026 at 20:00 – …"), in the
 * configured zone and language; empty when the date cannot be read.
 */
export function formatHeroTime(event: Pick<PreviewEvent, 'startsAt' | 'endsAt'>, env: Pick<EventPreviewEnv, 'timeZone' | 'locale'>): string {
  const start = new Date(event.startsAt);
  if (Number.isNaN(start.getTime())) return '';
  const end = event.endsAt ? new Date(event.endsAt) : undefined;
  const options: Intl.DateTimeFormatOptions = { dateStyle: 'full', timeStyle: 'short', timeZone: env.timeZone ?? 'UTC' };
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat(env.locale ?? 'en-GB', options);
  } catch {
    format = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' });
  }
  return end && !Number.isNaN(end.getTime()) && end >= start ? format.formatRange(start, end) : format.format(start);
}

/**
 * Text kept as the page writes it (line breaks stay: the description is shown with
 * `white-space: pre-line`), control characters other than line breaks and tabs dropped, and at
 * most `max` user-perceived characters, cut at a word with an ellipsis.
 */
function boundText(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
  const parts = Array.from(graphemes.segment(clean), (segment) => segment.segment);
  if (parts.length <= max) return clean;
  const cut = parts.slice(0, max - 1).join('');
  const space = cut.search(/\s\S*$/);
  const kept = space >= cut.length * 0.6 ? cut.slice(0, space) : cut;
  return `${kept.replace(/[\s.,;:!?·–—-]+$/u, '')}…`;
}

/**
 * The event's hero as static markup: the same elements and classes the event page renders
 * first (its styles are in the app's first stylesheet), every value escaped and bounded.
 * Marked `aria-hidden`: the app's own page, which replaces it, is what assistive
 * technology reads.
 */
export function heroMarkup(event: PreviewEvent, env: Pick<EventPreviewEnv, 'timeZone' | 'locale'>): string {
  const time = formatHeroTime(event, env);
  const venue = boundText(event.venue, MAX_HERO_VENUE_LENGTH).trim();
  const description = boundText(event.description, MAX_HERO_DESCRIPTION_LENGTH);
  return [
    `<main id="${PRERENDERED_EVENT_ID}" class="att-page att-prerendered" aria-hidden="true">`,
    '<article class="att-event"><header class="att-event-header">',
    `<h1 class="att-event-name">${escapeHtml(boundText(event.name, MAX_HERO_NAME_LENGTH))}</h1>`,
    time ? `<p class="att-event-meta"><time datetime="${escapeHtml(event.startsAt)}">${escapeHtml(time)}</time></p>` : '',
    venue ? `<p class="att-event-meta">${escapeHtml(venue)}</p>` : '',
    '</header>',
    description.trim() ? `<p class="att-event-description">${escapeHtml(description)}</p>` : '',
    '</article></main>',
  ].join('');
}

/** The app's mount point; the hero goes right before it. */
const ROOT = /<div\s+id=["']root["'][^>]*>/i;
/** A hero of a previous rendering, replaced rather than repeated. */
const PREVIOUS_HERO = new RegExp(`\\s*<main id="${PRERENDERED_EVENT_ID}"[\\s\\S]*?</main>`, 'g');

/** The page with the event's hero before the app's root; the page unchanged when it has no root. */
export function withHero(html: string, event: PreviewEvent, env: Pick<EventPreviewEnv, 'timeZone' | 'locale'>): string {
  const page = html.replace(PREVIOUS_HERO, '');
  // A replacement function: a `$` in the event's text is not a replacement pattern.
  return ROOT.test(page) ? page.replace(ROOT, (root) => `${heroMarkup(event, env)}\n    ${root}`) : page;
}

const TITLE = /<title>[\s\S]*?<\/title>/i;
const DESCRIPTION = /<meta\s+name=["']description["'][^>]*>/i;
/** Tags of a previous rendering or of the template, replaced rather than repeated. */
const PREVIEW_TAG = /\s*<meta\s+(?:property=["']og:|name=["']twitter:)[^>]*>|\s*<link\s+rel=["']canonical["'][^>]*>/gi;

/** The page with the event's title, description and preview tags in its head, and its hero. */
export function withPreview(html: string, event: PreviewEvent, canonicalUrl: string, env: Pick<EventPreviewEnv, 'siteName' | 'timeZone' | 'locale'>): string {
  const siteName = env.siteName ?? DEFAULT_SITE_NAME;
  const title = `<title>${escapeHtml(`${clip(event.name, MAX_TITLE_LENGTH)} · ${siteName}`)}</title>`;
  const description = `<meta name="description" content="${escapeHtml(previewDescription(event, env))}" />`;
  // Replacement functions: a `$` in the event's text is not a replacement pattern.
  let page = html.replace(PREVIEW_TAG, '');
  page = TITLE.test(page) ? page.replace(TITLE, () => title) : page.replace(/<\/head>/i, () => `  ${title}\n  </head>`);
  page = DESCRIPTION.test(page) ? page.replace(DESCRIPTION, () => description) : page.replace(/<\/head>/i, () => `  ${description}\n  </head>`);
  page = page.replace(/<\/head>/i, () => `  ${previewTags(event, canonicalUrl, env)}\n  </head>`);
  return withHero(page, event, env);
}

/** The event page's address without the promoter or any other parameter. */
export function canonicalEventUrl(request: Request, slug: string, siteUrl?: string): string {
  const origin = new URL(siteUrl ?? request.url).origin;
  return `${origin}/events/${encodeURIComponent(slug)}`;
}

/** A strong ETag of the body: the same page gives the same tag, as for a static file. */
async function etagOf(body: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  const base64 = btoa(String.fromCharCode(...digest));
  return `"${base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '').slice(0, 27)}"`;
}

function matchesEtag(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** Headers of the host's answer that describe its body, not the page. */
const BODY_HEADERS = ['content-length', 'content-encoding', 'etag', 'last-modified', 'content-type', 'cache-control'];

/**
 * The handler. Event pages get their preview; any other request, and any answer of the
 * host that is not an HTML page, is the host's own answer unchanged.
 */
export async function handleEventPreview(request: Request, env: EventPreviewEnv): Promise<Response> {
  const slug = request.method === 'GET' || request.method === 'HEAD' ? eventSlugOf(new URL(request.url).pathname) : undefined;
  if (!slug) return env.next();
  // The event and the page come down in parallel.
  const eventRead = readPreviewEvent(slug, env);
  const page = await env.next();
  if (page.status !== 200 || !/^text\/html\b/i.test(page.headers.get('content-type') ?? '')) return page;
  const html = await page.text();
  const event = await eventRead;
  const body = new TextEncoder().encode(event ? withPreview(html, event, canonicalEventUrl(request, event.slug, env.siteUrl), env) : html);

  const headers = new Headers(page.headers);
  for (const name of BODY_HEADERS) headers.delete(name);
  const etag = await etagOf(body);
  headers.set('Content-Type', 'text/html; charset=utf-8');
  // Revalidated on every visit, like index.html: the event may change.
  headers.set('Cache-Control', 'no-cache');
  headers.set('ETag', etag);
  if (matchesEtag(request.headers.get('if-none-match'), etag)) return new Response(null, { status: 304, headers });
  return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
}
