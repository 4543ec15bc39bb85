import { afterEach, describe, expect, it } from 'vitest';
import {
  ATTRIBUTION_COOKIE,
  ATTRIBUTION_DAYS_COOKIE,
  MAX_ATTRIBUTION_ENTRIES,
  SESSION_COOKIE,
  attributionTokenFor,
  getSessionId,
  randomUuid,
  readAttributionTokens,
  saveAttributionToken,
  type CookieJar,
} from '@/features/attendee/lib/attendee-session';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function clearCookies() {
  for (const name of [SESSION_COOKIE, ATTRIBUTION_COOKIE, ATTRIBUTION_DAYS_COOKIE, 'other']) {
    document.cookie = `${name}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
  }
}

/** Records every Set-Cookie string, to check the attributes the browser receives. */
function recordingJar(initial = ''): CookieJar & { written: string[] } {
  const written: string[] = [];
  let cookie = initial;
  return {
    written,
    get cookie() {
      return cookie;
    },
    set cookie(value: string) {
      written.push(value);
      const [pair] = value.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const kept = cookie
        .split('; ')
        .filter((part) => part && !part.startsWith(`${name}=`));
      cookie = [...kept, pair].join('; ');
    },
  };
}

afterEach(clearCookies);

describe('the attendee session cookie', () => {
  it('creates a random session id once and returns the same one afterwards', () => {
    const first = getSessionId();
    expect(first).toMatch(UUID);
    expect(getSessionId()).toBe(first);
    expect(document.cookie).toContain(`${SESSION_COOKIE}=${first}`);
  });

  it('replaces a session id that is not a uuid', () => {
    document.cookie = `${SESSION_COOKIE}=not-a-uuid; Path=/`;
    const id = getSessionId();
    expect(id).toMatch(UUID);
    expect(getSessionId()).toBe(id);
  });

  it('is written as a session cookie: no expiry, SameSite=Lax, path /', () => {
    const jar = recordingJar();
    getSessionId(jar);
    saveAttributionToken('summer-fest', 'token-1', null, jar);
    expect(jar.written).toHaveLength(2);
    for (const written of jar.written) {
      expect(written).toMatch(/; Path=\/; SameSite=Lax$/);
      expect(written.toLowerCase()).not.toContain('expires');
      expect(written.toLowerCase()).not.toContain('max-age');
    }
  });

  it('makes well-formed random uuids even without crypto.randomUUID', () => {
    const original = crypto.randomUUID;
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const ids = new Set(Array.from({ length: 50 }, () => randomUuid()));
      expect(ids.size).toBe(50);
      for (const id of ids) expect(id).toMatch(UUID);
    } finally {
      Object.defineProperty(crypto, 'randomUUID', { value: original, configurable: true });
    }
  });
});

describe('the attribution cookie', () => {
  it('has no token for an event until a link for it was opened', () => {
    expect(attributionTokenFor('summer-fest')).toBeUndefined();
    saveAttributionToken('summer-fest', 'token-a');
    expect(attributionTokenFor('summer-fest')).toBe('token-a');
    expect(attributionTokenFor('winter-gala')).toBeUndefined();
  });

  it('keeps one token per event and the last link opened wins', () => {
    saveAttributionToken('summer-fest', 'token-a');
    saveAttributionToken('winter-gala', 'token-b');
    saveAttributionToken('summer-fest', 'token-c');
    expect(attributionTokenFor('summer-fest')).toBe('token-c');
    expect(attributionTokenFor('winter-gala')).toBe('token-b');
    expect(JSON.parse(decodeURIComponent(document.cookie.split(`${ATTRIBUTION_COOKIE}=`)[1].split(';')[0]))).toEqual({
      'winter-gala': 'token-b',
      'summer-fest': 'token-c',
    });
  });

  it(`keeps only the ${MAX_ATTRIBUTION_ENTRIES} most recently opened events`, () => {
    for (let i = 1; i <= 25; i += 1) saveAttributionToken(`event-${i}`, `token-${i}`);
    // Re-opening an old link makes it recent again.
    saveAttributionToken('event-6', 'token-6b');
    saveAttributionToken('event-26', 'token-26');
    const tokens = readAttributionTokens();
    expect(tokens.size).toBe(MAX_ATTRIBUTION_ENTRIES);
    for (let i = 1; i <= 7; i += 1) {
      if (i !== 6) expect(tokens.has(`event-${i}`)).toBe(false);
    }
    expect(tokens.get('event-6')).toBe('token-6b');
    expect(tokens.get('event-8')).toBe('token-8');
    expect(tokens.get('event-26')).toBe('token-26');
  });

  it('stays small enough for the browser by dropping the oldest entries of very long tokens', () => {
    const longToken = 'x'.repeat(400);
    for (let i = 1; i <= 20; i += 1) saveAttributionToken(`event-${i}`, `${longToken}${i}`);
    const tokens = readAttributionTokens();
    expect(tokens.size).toBeLessThan(20);
    expect(tokens.get('event-20')).toBe(`${longToken}20`);
    expect(document.cookie.length).toBeLessThan(4096);
  });

  it('treats a malformed or foreign cookie as empty instead of failing', () => {
    for (const value of ['%E0%A4%A', 'not json', encodeURIComponent('[1,2]'), encodeURIComponent('{"a":1,"b":""}')]) {
      document.cookie = `${ATTRIBUTION_COOKIE}=${value}; Path=/`;
      expect(readAttributionTokens().size).toBe(0);
      expect(attributionTokenFor('a')).toBeUndefined();
    }
    saveAttributionToken('summer-fest', 'token-a');
    expect(attributionTokenFor('summer-fest')).toBe('token-a');
  });

  it('leaves other cookies alone', () => {
    document.cookie = 'other=1; Path=/';
    saveAttributionToken('summer-fest', 'token-a');
    getSessionId();
    expect(document.cookie).toContain('other=1');
  });
});

describe('attribution window in days', () => {
  const DAY = 86_400_000;
  const now = Date.UTC(2026, 5, 1, 12);

  it('keeps the token in a persistent cookie for the window, and not beyond it', () => {
    const jar = recordingJar();
    saveAttributionToken('summer-fest', 'token-7d', 7, jar, now);
    expect(jar.written.at(-1)).toMatch(/^pl_attr_days=[^;]+; Path=\/; Max-Age=604800; SameSite=Lax$/);
    expect(jar.cookie).not.toContain(`${ATTRIBUTION_COOKIE}=`);
    expect(attributionTokenFor('summer-fest', jar, now + 7 * DAY - 1)).toBe('token-7d');
    expect(attributionTokenFor('summer-fest', jar, now + 7 * DAY)).toBeUndefined();
  });

  it('keeps one token per event across both cookies: the last link opened wins', () => {
    const jar = recordingJar();
    saveAttributionToken('summer-fest', 'session-token', null, jar, now);
    saveAttributionToken('summer-fest', 'days-token', 3, jar, now + 1000);
    expect(attributionTokenFor('summer-fest', jar, now + 2000)).toBe('days-token');
    expect(readAttributionTokens(jar, now + 2000).size).toBe(1);
    saveAttributionToken('summer-fest', 'session-again', null, jar, now + 3000);
    expect(attributionTokenFor('summer-fest', jar, now + 4000)).toBe('session-again');
    expect(readAttributionTokens(jar, now + 4000).size).toBe(1);
  });

  it('ignores tampered day entries', () => {
    const jar = recordingJar(`${ATTRIBUTION_DAYS_COOKIE}=${encodeURIComponent('{"a":["t","soon"],"b":"t","c":["t",1e20]}')}`);
    expect([...readAttributionTokens(jar, now).keys()]).toEqual(['c']);
  });
});
