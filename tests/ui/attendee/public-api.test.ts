/**
 * The attendee pages' REST client (`@/lib/public-api`) against a stubbed `fetch`: the
 * requests it sends are the ones postgrest-js sends for the same calls, and its answers
 * and errors have postgrest-js's shapes (the attendee pages' error handling reads them).
 */
import { PostgrestClient } from '@supabase/postgrest-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { config } from '@/config/env';
import { publicApi } from '@/lib/public-api';

interface Sent {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
}

/** Stubs `fetch` with answers given in order; returns what was sent. */
function stubFetch(...answers: (() => Response)[]): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init: RequestInit = {}) => {
    sent.push({ url: String(input), method: init.method ?? 'GET', headers: new Headers(init.headers), body: init.body as string | undefined });
    const answer = answers.shift();
    if (!answer) throw new Error('no answer stubbed');
    return answer();
  });
  return sent;
}

const json = (status: number, body: unknown) => () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** The read chain the event page makes, on either client. */
interface Read {
  eq(column: string, value: string): Read;
  order(column: string, options: { referencedTable?: string; ascending?: boolean }): Read;
  maybeSingle(): PromiseLike<unknown>;
}
type Table = { select(columns: string): Read };

const readEvent = (table: Table) =>
  table
    .select('id, name, ticket_types(id, sort_order)')
    .eq('slug', 'summer gala&more')
    .eq('status', 'published')
    .order('sort_order', { referencedTable: 'ticket_types', ascending: true })
    .order('created_at', { referencedTable: 'ticket_types', ascending: false })
    .maybeSingle();

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('public API client', () => {
  it('calls a database function as the anonymous visitor, as postgrest-js does', async () => {
    const sent = stubFetch(json(200, 'a-token'));
    const answer = await publicApi.rpc('track_promoter_visit', { p_event_slug: 'gala', p_promo_code: 'ANNA', p_session_id: 's1', p_source: 'link' });
    expect(answer).toEqual({ data: 'a-token', error: null, status: 200 });
    expect(sent).toHaveLength(1);
    expect(sent[0].method).toBe('POST');
    expect(sent[0].url).toBe(`${config.supabaseUrl}/rest/v1/rpc/track_promoter_visit`);
    expect(sent[0].headers.get('apikey')).toBe(config.supabaseAnonKey);
    expect(sent[0].headers.get('Authorization')).toBe(`Bearer ${config.supabaseAnonKey}`);
    expect(sent[0].headers.get('Content-Type')).toBe('application/json');
    expect(JSON.parse(sent[0].body ?? '')).toEqual({ p_event_slug: 'gala', p_promo_code: 'ANNA', p_session_id: 's1', p_source: 'link' });
  });

  it('returns a refusal as PostgREST sent it, with its status, and an empty answer as null', async () => {
    const refusal = { code: 'P0001', message: 'sold_out', details: '{"available":0}', hint: 'none left' };
    stubFetch(json(400, refusal), () => new Response(null, { status: 204 }));
    expect(await publicApi.rpc('check_referral_code', { p_event_slug: 'gala', p_referral_code: 'X' })).toEqual({ data: null, error: refusal, status: 400 });
    expect(await publicApi.rpc('check_referral_code', { p_event_slug: 'gala', p_referral_code: 'X' })).toEqual({ data: null, error: null, status: 204 });
  });

  it('reports a failed fetch as status 0 and does not send a function call twice', async () => {
    const sent = stubFetch(() => {
      throw new TypeError('Failed to fetch');
    });
    const answer = await publicApi.rpc('resolve_event_slug', { p_slug: 'gala' });
    expect(answer.status).toBe(0);
    expect(answer.data).toBeNull();
    expect(answer.error).toMatchObject({ message: 'TypeError: Failed to fetch', code: '' });
    expect(sent).toHaveLength(1);
  });

  it('reads one row with the query string postgrest-js builds', async () => {
    const sent = stubFetch(json(200, [{ id: 'e1' }]), json(200, [{ id: 'e1' }]));
    const ours = await readEvent(publicApi.from('events'));
    await readEvent(new PostgrestClient(`${config.supabaseUrl}/rest/v1`).from('events') as unknown as Table);

    expect(ours).toEqual({ data: { id: 'e1' }, error: null, status: 200 });
    const [mine, reference] = sent.map((request) => new URL(request.url));
    expect(mine.pathname).toBe(reference.pathname);
    expect([...mine.searchParams]).toEqual([...reference.searchParams]);
    expect(sent[0].headers.get('Accept')).toBe(sent[1].headers.get('Accept'));
  });

  it('reads no row as null, and more than one as the PGRST116 refusal', async () => {
    stubFetch(json(200, []), json(200, [{ id: 'a' }, { id: 'b' }]));
    expect(await publicApi.from('events').select('id').eq('slug', 'x').maybeSingle()).toEqual({ data: null, error: null, status: 200 });
    const many = await publicApi.from('events').select('id').eq('slug', 'x').maybeSingle();
    expect(many.status).toBe(406);
    expect(many.error?.code).toBe('PGRST116');
  });

  it('retries a read on a 503 or a failed fetch, as postgrest-js does', async () => {
    vi.useFakeTimers();
    const sent = stubFetch(
      json(503, { message: 'schema cache loading' }),
      () => {
        throw new TypeError('Failed to fetch');
      },
      json(200, [{ id: 'e1' }]),
    );
    const reading = publicApi.from('events').select('id').eq('slug', 'gala').maybeSingle();
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await reading).toEqual({ data: { id: 'e1' }, error: null, status: 200 });
    expect(sent).toHaveLength(3);
  });
});
