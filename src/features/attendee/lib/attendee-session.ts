/**
 * The attendee's browser session, kept in two session cookies (no Expires, so the
 * browser drops them when it closes, and shared by every tab of that session):
 *
 * - `pl_sid`: a random uuid naming the session, sent with each promoter visit so the
 *   database counts one visit per (event, promoter, session);
 * - `pl_attr`: a JSON map `{event slug: attribution token}`; the last tracking link
 *   opened for an event wins, and only the most recent entries are kept so the cookie
 *   stays far below the browser's size limit.
 *
 * - `pl_attr_days`: the same map for events whose organization credits links for a number
 *   of days (`{slug: [token, expires at (ms)]}`); a persistent cookie that lives as long
 *   as its latest entry, so the token survives a closed browser for the window and no
 *   longer. An event's token is in one of the two cookies, never both.
 *
 * Nothing here ever throws: a missing, foreign or tampered cookie is treated as absent,
 * because attribution must never get in the way of buying a ticket.
 */

export const SESSION_COOKIE = 'pl_sid';
export const ATTRIBUTION_COOKIE = 'pl_attr';
export const ATTRIBUTION_DAYS_COOKIE = 'pl_attr_days';
const DAY_MS = 86_400_000;
/** At most this many events keep a token; the oldest is dropped first. */
export const MAX_ATTRIBUTION_ENTRIES = 20;
/** Browsers accept about 4096 bytes per cookie (name, value and attributes together). */
const MAX_COOKIE_VALUE_LENGTH = 3800;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where the cookies live; `document` in the browser, replaceable for tests. */
export interface CookieJar {
  cookie: string;
}

function defaultJar(): CookieJar | undefined {
  return typeof document === 'undefined' ? undefined : document;
}

function readCookie(jar: CookieJar, name: string): string | undefined {
  for (const part of jar.cookie.split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    if (part.slice(0, separator).trim() !== name) continue;
    const raw = part.slice(separator + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      // A value that is not valid percent-encoding was not written by us.
      return undefined;
    }
  }
  return undefined;
}

function writeSessionCookie(jar: CookieJar, name: string, value: string): void {
  // No Expires/Max-Age: a session cookie. Secure whenever the page itself is https.
  const secure = globalThis.location?.protocol === 'https:' ? '; Secure' : '';
  jar.cookie = `${name}=${encodeURIComponent(value)}; Path=/; SameSite=Lax${secure}`;
}

function writePersistentCookie(jar: CookieJar, name: string, value: string, maxAgeSeconds: number): void {
  const secure = globalThis.location?.protocol === 'https:' ? '; Secure' : '';
  jar.cookie = `${name}=${encodeURIComponent(value)}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; SameSite=Lax${secure}`;
}

/** A random RFC 4122 v4 uuid, also where `crypto.randomUUID` is unavailable (plain http). */
export function randomUuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of this browser session, created (and stored) on first use. */
export function getSessionId(jar: CookieJar | undefined = defaultJar()): string {
  if (!jar) return randomUuid();
  const existing = readCookie(jar, SESSION_COOKIE);
  if (existing && UUID_PATTERN.test(existing)) return existing.toLowerCase();
  const created = randomUuid();
  writeSessionCookie(jar, SESSION_COOKIE, created);
  return created;
}

function parseObject(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Session-mode tokens, oldest first; anything malformed is left out. */
function readSessionTokens(jar: CookieJar): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const [slug, token] of Object.entries(parseObject(readCookie(jar, ATTRIBUTION_COOKIE)))) {
    if (typeof token === 'string' && token.length > 0) tokens.set(slug, token);
  }
  return tokens;
}

/** Day-mode tokens with their expiry, oldest first; expired and malformed ones are left out. */
function readDayTokens(jar: CookieJar, now: number): Map<string, [string, number]> {
  const tokens = new Map<string, [string, number]>();
  for (const [slug, entry] of Object.entries(parseObject(readCookie(jar, ATTRIBUTION_DAYS_COOKIE)))) {
    if (!Array.isArray(entry) || entry.length !== 2) continue;
    const [token, expires] = entry as unknown[];
    if (typeof token === 'string' && token.length > 0 && typeof expires === 'number' && expires > now) tokens.set(slug, [token, expires]);
  }
  return tokens;
}

/** Serializes entries, dropping the oldest until the cookie fits; undefined if even one does not. */
function fitted<V>(entries: [string, V][]): string | undefined {
  while (entries.length > MAX_ATTRIBUTION_ENTRIES) entries.shift();
  let value = JSON.stringify(Object.fromEntries(entries));
  while (entries.length > 1 && encodeURIComponent(value).length > MAX_COOKIE_VALUE_LENGTH) {
    entries.shift();
    value = JSON.stringify(Object.fromEntries(entries));
  }
  return encodeURIComponent(value).length > MAX_COOKIE_VALUE_LENGTH ? undefined : value;
}

function writeSessionTokens(jar: CookieJar, tokens: Map<string, string>): void {
  const value = fitted([...tokens.entries()]);
  if (value !== undefined) writeSessionCookie(jar, ATTRIBUTION_COOKIE, value);
}

function writeDayTokens(jar: CookieJar, tokens: Map<string, [string, number]>, now: number): void {
  const entries = [...tokens.entries()];
  const value = fitted(entries);
  if (value === undefined) return;
  const latest = Math.max(now, ...entries.map(([, [, expires]]) => expires));
  writePersistentCookie(jar, ATTRIBUTION_DAYS_COOKIE, value, (latest - now) / 1000);
}

/** Every stored token (session and day mode), oldest first within each kind. */
export function readAttributionTokens(jar: CookieJar | undefined = defaultJar(), now = Date.now()): Map<string, string> {
  const tokens = new Map<string, string>();
  if (!jar) return tokens;
  for (const [slug, [token]] of readDayTokens(jar, now)) tokens.set(slug, token);
  for (const [slug, token] of readSessionTokens(jar)) {
    tokens.delete(slug);
    tokens.set(slug, token);
  }
  return tokens;
}

/** The token of the last tracking link opened for this event that still counts, if any. */
export function attributionTokenFor(slug: string, jar: CookieJar | undefined = defaultJar(), now = Date.now()): string | undefined {
  return readAttributionTokens(jar, now).get(slug);
}

/** The token of the last tracking link this browser opened for any event, if any. */
export function latestAttributionToken(jar: CookieJar | undefined = defaultJar(), now = Date.now()): string | undefined {
  return [...readAttributionTokens(jar, now).values()].pop();
}

/**
 * Remembers the token for an event: in the session cookie when the organization credits
 * links for this browser session (`windowDays` null), else in the persistent cookie for
 * `windowDays` days. The event moves to the most recent position, so the entries dropped
 * to respect the limits are always those of the links opened longest ago. (JSON objects
 * keep insertion order except for integer-like keys, so an all-digit slug may be evicted
 * out of turn; that only matters past 20 events.)
 */
export function saveAttributionToken(
  slug: string,
  token: string,
  windowDays: number | null = null,
  jar: CookieJar | undefined = defaultJar(),
  now = Date.now(),
): void {
  if (!jar || slug.length === 0 || token.length === 0) return;
  const sessionTokens = readSessionTokens(jar);
  const dayTokens = readDayTokens(jar, now);
  const inSession = sessionTokens.delete(slug);
  const inDays = dayTokens.delete(slug);
  if (windowDays === null) {
    sessionTokens.set(slug, token);
    writeSessionTokens(jar, sessionTokens);
    if (inDays) writeDayTokens(jar, dayTokens, now);
  } else {
    dayTokens.set(slug, [token, now + windowDays * DAY_MS]);
    writeDayTokens(jar, dayTokens, now);
    if (inSession) writeSessionTokens(jar, sessionTokens);
  }
}
