/**
 * One retry policy for reads (src/lib/query-client.ts): React Query tries a read again
 * after a network failure (a proxy's failure page counts as one) or PostgREST's
 * "unavailable" only, and the REST clients do not retry underneath it, so a
 * read that cannot reach the server says so after two short retries instead of the
 * client's three and React Query's one stacked (about 16 s of spinner).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NETWORK_RETRIES, retryNetworkFailures } from '@/lib/query-client';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('retryNetworkFailures', () => {
  it('tries a read that failed on the network again, twice', () => {
    const offline = new TypeError('Failed to fetch');
    expect([0, 1, 2].map((count) => retryNetworkFailures(count, offline))).toEqual([true, true, false]);
    expect(NETWORK_RETRIES).toBe(2);
    // What postgrest-js hands back for a fetch that threw, and Safari's wording.
    expect(retryNetworkFailures(0, { message: 'TypeError: Failed to fetch', code: '' })).toBe(true);
    expect(retryNetworkFailures(0, new TypeError('Load failed'))).toBe(true);
    expect(retryNetworkFailures(0, new TypeError('NetworkError when attempting to fetch resource.'))).toBe(true);
    expect(retryNetworkFailures(0, new TypeError('fetch failed'))).toBe(true);
    // PostgREST's 503: the schema cache is loading.
    expect(retryNetworkFailures(1, { code: 'PGRST002', message: 'Could not query the database for the schema cache. Retrying.' })).toBe(true);
  });

  it('never tries an answered read again: a refusal, a bad request or a server error answers the same', () => {
    for (const answered of [
      { code: '42501', message: 'not_authorized' },
      { code: 'PGRST116', message: 'JSON object requested, multiple (or no) rows returned' },
      { code: '', message: 'Internal Server Error' },
      new Error('Unexpected token < in JSON'),
      undefined,
    ]) {
      expect(retryNetworkFailures(0, answered), JSON.stringify(answered)).toBe(false);
    }
  });
});

describe('the REST clients', () => {
  // Each client is loaded after the stub, since a client may keep the fetch it was built with.
  it.each([
    ['the organizer client', async () => (await import('@/lib/supabase')).supabase.from('events').select('id')],
    ['the attendee client', async () => (await import('@/lib/public-api')).publicApi.from('events').select('id')],
  ])('%s sends a failed read once and leaves retrying to React Query', async (_name, read) => {
    vi.resetModules();
    const fetch = vi.fn(() => Promise.reject(new TypeError('Failed to fetch')));
    vi.stubGlobal('fetch', fetch);
    const { error } = await read();
    expect(retryNetworkFailures(0, error)).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['the organizer client', async () => (await import('@/lib/supabase')).supabase.from('events').select('id')],
    ['the attendee client', async () => (await import('@/lib/public-api')).publicApi.from('events').select('id')],
  ])("%s takes a proxy's failure page for a network failure, and the API's own answers as answers", async (_name, read) => {
    const page = (status: number, body: string, type: string) => () => Promise.resolve(new Response(body, { status, headers: { 'content-type': type } }));
    const cases: [() => Promise<Response>, boolean][] = [
      // Cloudflare's origin error, a gateway's 502 and 503 pages: the API may never have seen the request.
      [page(520, '<html>Web server is returning an unknown error</html>', 'text/html'), true],
      [page(502, '{"message":"An invalid response was received from the upstream server"}', 'application/json'), true],
      [page(503, 'upstream connect error or disconnect/reset before headers', 'text/plain'), true],
      // PostgREST's own "unavailable": retried by its code.
      [page(503, '{"code":"PGRST002","message":"Could not query the database for the schema cache. Retrying.","details":null,"hint":null}', 'application/json'), true],
      // A refusal and a server error: answers, not retried.
      [page(401, '{"code":"42501","message":"not_authorized","details":null,"hint":null}', 'application/json'), false],
      [page(500, '{"code":"XX000","message":"internal error","details":null,"hint":null}', 'application/json'), false],
    ];
    for (const [answer, retried] of cases) {
      vi.resetModules();
      const fetch = vi.fn(answer);
      vi.stubGlobal('fetch', fetch);
      const { error } = await read();
      expect(retryNetworkFailures(0, error), JSON.stringify(error)).toBe(retried);
      expect(fetch).toHaveBeenCalledTimes(1);
    }
  });
});
