/**
 * Abuse of the anonymous entry points: floods of track_promoter_visit, and oversized or
 * excessive checkout requests. Anyone on the internet can call these, so each must stay
 * cheap, bounded and clean under misuse.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, publicChecksum, type World } from './support/world.ts';

let world: World;

beforeAll(async () => {
  world = await createWorld();
}, 120_000);
afterAll(() => world?.stop());

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${world.emulator.url}${path}`, {
    method: 'POST',
    headers: { apikey: world.emulator.anonKey, 'Content-Type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
}

async function visitsOf(promoterId: string): Promise<number> {
  const result = await world.db.query<{ n: number }>('select count(*)::int as n from public.promoter_visits where promoter_id = $1', [
    promoterId,
  ]);
  return result.rows[0].n;
}

describe('track_promoter_visit under a flood', () => {
  it('one browser session counts once per link however often it calls, and always gets the same token', async () => {
    const session = randomUUID();
    const before = await visitsOf(world.a.promoterId);
    const calls = await Promise.all(
      Array.from({ length: 200 }, () =>
        world.clients.anonymous.rpc('track_promoter_visit', {
          p_event_slug: world.a.publishedEventSlug,
          p_promo_code: world.a.promoCode,
          p_session_id: session,
        }),
      ),
    );
    expect(calls.every((call) => call.error === null)).toBe(true);
    expect(new Set(calls.map((call) => call.data)).size).toBe(1);
    expect(await visitsOf(world.a.promoterId)).toBe(before + 1);
  });

  it('calls with unknown codes, other cases of the code, unpublished events or junk store nothing', async () => {
    const before = await publicChecksum(world.db);
    const junk = [
      [world.a.publishedEventSlug, 'NOPE-NOT-A-CODE'],
      [world.a.publishedEventSlug, `${world.a.promoCode}'; drop table public.promoter_visits; --`],
      [world.a.publishedEventSlug, world.b.promoCode],
      ['no-such-event', world.a.promoCode],
      [world.b.publishedEventSlug, world.a.promoCode],
      [world.a.publishedEventSlug, 'x'.repeat(5000)],
      ['y'.repeat(5000), world.a.promoCode],
    ];
    for (let round = 0; round < 20; round++) {
      for (const [slug, code] of junk) {
        const { data, error } = await world.clients.anonymous.rpc('track_promoter_visit', {
          p_event_slug: slug,
          p_promo_code: code,
          p_session_id: randomUUID(),
        });
        expect(error).toBeNull();
        expect(data).toBeNull();
      }
    }
    expect(await publicChecksum(world.db)).toEqual(before);
  });

  it('a flood of fresh session ids for one link cannot grow its visits faster than the per-link cap', async () => {
    // Fresh random session ids are indistinguishable from real new visitors, so a bound
    // per link and minute is what keeps both the visit counts and the table in check.
    const cap = (
      await world.db.query<{ cap: number }>(`select private.visit_rate_limit_per_minute() as cap`)
    ).rows[0].cap;
    expect(cap).toBeGreaterThan(0);
    const before = await visitsOf(world.a.promoterId);
    const flood = cap + 300;
    const tokens: (string | null)[] = [];
    for (let batch = 0; batch < flood; batch += 50) {
      const results = await Promise.all(
        Array.from({ length: Math.min(50, flood - batch) }, () =>
          world.clients.anonymous.rpc('track_promoter_visit', {
            p_event_slug: world.a.publishedEventSlug,
            p_promo_code: world.a.promoCode,
            p_session_id: randomUUID(),
          }),
        ),
      );
      for (const result of results) {
        expect(result.error).toBeNull();
        tokens.push(result.data as string | null);
      }
    }
    const after = await visitsOf(world.a.promoterId);
    expect(after).toBeLessThanOrEqual(before + cap);
    // Up to the cap, new sessions are real visits and do count.
    expect(after).toBeGreaterThan(before);
    // A real attendee arriving during a flood is still attributed: calls beyond the cap
    // get a valid token of that same link.
    expect(tokens.every((token) => typeof token === 'string' && token.length > 0)).toBe(true);
    const order = await world.clients.anonymous.rpc('checkout', {
      p_event_slug: world.a.publishedEventSlug,
      p_items: [{ ticket_type_id: world.a.ticketTypeId, quantity: 1 }],
      p_buyer_name: 'Flood survivor',
      p_buyer_email: 'survivor@example.com',
      p_idempotency_key: randomUUID(),
      p_attribution_token: tokens[tokens.length - 1] ?? undefined,
    });
    expect(order.error).toBeNull();
    const attributed = await world.db.query<{ promoter_id: string }>('select promoter_id from public.attributions where order_id = $1', [
      (order.data as { order_id: string }).order_id,
    ]);
    expect(attributed.rows).toEqual([{ promoter_id: world.a.promoterId }]);
  }, 60_000);
});

describe('oversized and excessive checkouts', () => {
  const args = (items: unknown) =>
    JSON.stringify({
      p_event_slug: world.a.publishedEventSlug,
      p_items: items,
      p_buyer_name: 'Big spender',
      p_buyer_email: 'big@example.com',
      p_idempotency_key: randomUUID(),
    });

  it('a body over the limit is refused with 413 and a PostgREST-shaped error', async () => {
    const before = await publicChecksum(world.db);
    const huge = args([{ ticket_type_id: world.a.ticketTypeId, quantity: 1, padding: 'x'.repeat(2 * 1024 * 1024) }]);
    const result = await post('/rest/v1/rpc/checkout', huge);
    expect(result.status).toBe(413);
    expect(result.body).toMatchObject({ code: 'PGRST413', message: expect.any(String) });
    expect(await publicChecksum(world.db)).toEqual(before);
  });

  it('a streamed body without a length that grows past the limit is refused with 413', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 4 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${world.emulator.url}/rest/v1/rpc/checkout`, {
      method: 'POST',
      headers: { apikey: world.emulator.anonKey, 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
      signal: AbortSignal.timeout(10_000),
    } as RequestInit & { duplex: 'half' }).catch((error: unknown) => error as Error);
    // The server answers 413 and closes; depending on timing the client sees the answer
    // or the closed connection — never a hang and never a success.
    if (response instanceof Response) {
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ code: 'PGRST413' });
    } else {
      expect(response).toBeInstanceOf(Error);
    }
    const health = await fetch(`${world.emulator.url}/rest/v1/events?select=id&limit=1`, { headers: { apikey: world.emulator.anonKey } });
    expect(health.status).toBe(200);
  });

  it('10,000 order lines are refused cleanly and quickly, with nothing written', async () => {
    const before = await publicChecksum(world.db);
    const items = Array.from({ length: 10_000 }, () => ({ ticket_type_id: world.a.ticketTypeId, quantity: 1 }));
    const started = Date.now();
    const result = await post('/rest/v1/rpc/checkout', args(items));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.status).toBe(400);
    expect(['invalid_items', 'invalid_quantity']).toContain(result.body?.message);
    expect(await publicChecksum(world.db)).toEqual(before);
  });

  it('quantities beyond the per-order limits and absurd numbers are refused with invalid_quantity', async () => {
    const before = await publicChecksum(world.db);
    for (const quantity of [0, -1, 51, 1e9, 2 ** 31, 1.5, '9'.repeat(40)]) {
      const result = await post('/rest/v1/rpc/checkout', args([{ ticket_type_id: world.a.ticketTypeId, quantity }]));
      expect(result.status, String(quantity)).toBe(400);
      expect(['invalid_quantity', 'invalid_items'], String(quantity)).toContain(result.body?.message);
    }
    expect(await publicChecksum(world.db)).toEqual(before);
  });

  it('a burst of 300 concurrent checkouts with the same idempotency key makes exactly one order', async () => {
    const key = randomUUID();
    const body = JSON.stringify({
      p_event_slug: world.a.publishedEventSlug,
      p_items: [{ ticket_type_id: world.a.ticketTypeId, quantity: 2 }],
      p_buyer_name: 'Double clicker',
      p_buyer_email: 'double@example.com',
      p_idempotency_key: key,
    });
    const results = await Promise.all(Array.from({ length: 300 }, () => post('/rest/v1/rpc/checkout', body)));
    expect(results.every((result) => result.status === 200)).toBe(true);
    expect(new Set(results.map((result) => result.body?.order_id)).size).toBe(1);
    const orders = await world.db.query<{ n: number; tickets: number }>(
      'select count(*)::int as n, sum(ticket_count)::int as tickets from public.orders where idempotency_key = $1',
      [key],
    );
    expect(orders.rows[0]).toEqual({ n: 1, tickets: 2 });
  }, 60_000);
});
