/**
 * Abuse of the anonymous entry points: floods of track_promoter_visit, and oversized or
 * excessive checkout requests. Anyone on the internet can call these, so each must stay
 * cheap, bounded and clean under misuse.
 *
 * The bounds are per client address, which the gateway sets (cf-connecting-ip). `world`
 * is the emulator as deployed: every request here comes from 127.0.0.1 whatever headers
 * it sends. `clients` lets each request name its address, to play several clients.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClientAddress } from '../../supabase/emulator/client-address.ts';
import { createWorld, publicChecksum, type World } from './support/world.ts';

let world: World;
let clients: World;

beforeAll(async () => {
  [world, clients] = await Promise.all([createWorld(), createWorld({ trustClientAddressHeader: true })]);
}, 180_000);
afterAll(async () => {
  await world?.stop();
  await clients?.stop();
});

async function rpc(target: World, fn: string, args: Record<string, unknown>, address?: string) {
  const response = await fetch(`${target.emulator.url}/rest/v1/rpc/${fn}`, {
    method: 'POST',
    headers: { apikey: target.emulator.anonKey, 'Content-Type': 'application/json', ...(address ? { 'cf-connecting-ip': address } : {}) },
    body: JSON.stringify(args),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as unknown };
}

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

async function visitsOf(promoterId: string, target: World = world): Promise<number> {
  const result = await target.db.query<{ n: number }>('select count(*)::int as n from public.promoter_visits where promoter_id = $1', [
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

  it('a flood of fresh session ids from one client adds at most 3 visits to a link, whatever addresses it claims', async () => {
    // Fresh random session ids are indistinguishable from new visitors; the client
    // address is not, because the gateway sets it and the caller cannot.
    const before = await visitsOf(world.a.promoterId);
    const tokens: unknown[] = [];
    for (let batch = 0; batch < 600; batch += 50) {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          rpc(world, 'track_promoter_visit', { p_event_slug: world.a.publishedEventSlug, p_promo_code: world.a.promoCode, p_session_id: randomUUID() }, `198.51.100.${(batch + i) % 250}`),
        ),
      );
      for (const result of results) {
        expect(result.status).toBe(200);
        tokens.push(result.body);
      }
    }
    const after = await visitsOf(world.a.promoterId);
    // Up to the bound, new sessions are real visits and do count.
    expect(after - before).toBeGreaterThan(0);
    expect(after - before).toBeLessThanOrEqual(3);
    // Beyond the bound the client's further sessions share its latest visit, so a real
    // buyer behind that address is still attributed.
    expect(tokens.every((token) => typeof token === 'string' && token.length > 0)).toBe(true);
    const order = await world.clients.anonymous.rpc('checkout', {
      p_event_slug: world.a.publishedEventSlug,
      p_items: [{ ticket_type_id: world.a.ticketTypeId, quantity: 1 }],
      p_buyer_name: 'Flood survivor',
      p_buyer_email: 'survivor@example.com',
      p_idempotency_key: randomUUID(),
      p_attribution_token: tokens[tokens.length - 1] as string,
    });
    expect(order.error).toBeNull();
    const attributed = await world.db.query<{ promoter_id: string }>('select promoter_id from public.attributions where order_id = $1', [
      (order.data as { order_id: string }).order_id,
    ]);
    expect(attributed.rows).toEqual([{ promoter_id: world.a.promoterId }]);
  }, 120_000);

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

  it('the gateway overwrites a client-sent cf-connecting-ip and appends the real address to x-forwarded-for', () => {
    const sent = { 'cf-connecting-ip': '203.0.113.9', 'x-forwarded-for': '203.0.113.9', apikey: 'k' };
    expect(withClientAddress(sent, '::ffff:127.0.0.1')).toEqual({ apikey: 'k', 'cf-connecting-ip': '127.0.0.1', 'x-forwarded-for': '203.0.113.9, 127.0.0.1' });
    expect(withClientAddress({}, '::1')).toEqual({ 'cf-connecting-ip': '::1', 'x-forwarded-for': '::1' });
  });

  it('during a flood from one client, genuine visitors from other addresses are each counted', async () => {
    const before = await visitsOf(clients.a.promoterId, clients);
    const args = () => ({ p_event_slug: clients.a.publishedEventSlug, p_promo_code: clients.a.promoCode, p_session_id: randomUUID() });
    const flood = Promise.all(Array.from({ length: 400 }, () => rpc(clients, 'track_promoter_visit', args(), '203.0.113.50')));
    const genuine = Promise.all(Array.from({ length: 30 }, (_, i) => rpc(clients, 'track_promoter_visit', args(), `192.0.2.${i + 1}`)));
    const [floodResults, genuineResults] = await Promise.all([flood, genuine]);
    expect([...floodResults, ...genuineResults].every((result) => result.status === 200)).toBe(true);
    expect(new Set(genuineResults.map((result) => result.body)).size).toBe(30);
    expect(await visitsOf(clients.a.promoterId, clients)).toBe(before + 3 + 30);
  }, 120_000);

  it('code guessing is throttled per client: after 20 misses a minute every code answers null, as an unknown one does', async () => {
    const guess = (code: string, address: string) =>
      rpc(clients, 'track_promoter_visit', { p_event_slug: clients.a.publishedEventSlug, p_promo_code: code, p_session_id: randomUUID() }, address);
    const guesses = await Promise.all(Array.from({ length: 60 }, (_, i) => guess(`GUESS${i}X`, '203.0.113.60')));
    expect(guesses.every((result) => result.status === 200 && result.body === null)).toBe(true);
    const throttled = await guess(clients.a.promoCode, '203.0.113.60');
    expect(throttled).toEqual({ status: 200, body: null });
    const unknown = await guess('NEVER-A-CODE', '203.0.113.61');
    expect(unknown).toEqual(throttled);
    expect(typeof (await guess(clients.a.promoCode, '203.0.113.62')).body).toBe('string');
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

  it('one client address places at most 10 new orders a minute; beyond that a PostgREST-shaped 429 too_many_checkouts', async () => {
    const keys = Array.from({ length: 40 }, () => randomUUID());
    const buy = (key: string) =>
      rpc(
        clients,
        'checkout',
        {
          p_event_slug: clients.a.publishedEventSlug,
          p_items: [{ ticket_type_id: clients.a.ticketTypeId, quantity: 1 }],
          p_buyer_name: 'Scalper',
          p_buyer_email: 'scalper@example.com',
          p_idempotency_key: key,
        },
        '203.0.113.70',
      );
    const results = await Promise.all(keys.map(buy));
    const refused = results.filter((result) => result.status !== 200);
    for (const result of refused) {
      expect(result.status).toBe(429);
      expect(result.body).toMatchObject({ code: 'PT429', message: 'too_many_checkouts', hint: expect.any(String) });
    }
    // The window is the clock minute: per minute, never more than 10 orders.
    const perMinute = await clients.db.query<{ n: number }>(
      `select count(*)::int as n from public.orders where idempotency_key = any($1::uuid[]) group by date_trunc('minute', created_at)`,
      [keys],
    );
    expect(perMinute.rows.every((row) => row.n <= 10)).toBe(true);
    expect(refused.length).toBeGreaterThanOrEqual(keys.length - 20);
    // Another client buys normally meanwhile.
    const other = await rpc(clients, 'checkout', {
      p_event_slug: clients.a.publishedEventSlug,
      p_items: [{ ticket_type_id: clients.a.ticketTypeId, quantity: 1 }],
      p_buyer_name: 'Fan',
      p_buyer_email: 'fan@example.com',
      p_idempotency_key: randomUUID(),
    }, '192.0.2.200');
    expect(other.status).toBe(200);
  }, 60_000);
});
