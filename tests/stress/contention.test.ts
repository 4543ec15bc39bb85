/**
 * The last tickets under contention: 200 buyers at once, through the HTTP API, for the
 * final 50 tickets of a ticket type. On Postgres (DATABASE_URL) the checkouts really run
 * in parallel; without it the same test runs on the embedded database, which serializes
 * them — the test name says which engine it ran on.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../security/support/world.ts';
import { randomAddress } from '../db/support/race.ts';
import { expectConsistentOrders, expectDashboardMatchesRawOrders, type DashboardFigures } from './support/ledger.ts';

const engine = process.env.DATABASE_URL ? 'Postgres (DATABASE_URL)' : 'embedded PGlite through the emulator (no DATABASE_URL)';
const CAPACITY = 1000;
const LAST = 50;
const BUYERS = 200;

let world: World;
let ticketTypeId: string;
const tokens: string[] = [];

beforeAll(async () => {
  // Each buyer is a different client: one address may place only a few orders a minute.
  world = await createWorld({ trustClientAddressHeader: true });
  const event = { id: world.a.publishedEventId };
  ticketTypeId = (await world.make.ticketType(world.a, event.id, { name: 'Last call', price_minor: 4200, capacity: CAPACITY })).id;
  // Sell all but the last 50 the ordinary way, 50 per order.
  for (let sold = 0; sold < CAPACITY - LAST; sold += 50) {
    const items = [{ ticket_type_id: ticketTypeId, quantity: 50 }];
    await world.make.order({ slug: world.a.publishedEventSlug, items, name: 'Early bird', email: 'early@example.com' });
  }
  // Five promoters with links; half the buyers arrive through one of them.
  for (let i = 0; i < 5; i++) {
    const code = `RUSH${i}${world.unique()}`;
    await world.make.promoter(world.a, { name: `Rusher ${i}`, code, events: [event.id] });
    for (let j = 0; j < BUYERS / 10; j++) {
      tokens.push((await world.make.visit({ slug: world.a.publishedEventSlug, code }))!);
    }
  }
}, 180_000);

afterAll(() => world?.stop());

describe(`contention on ${engine}`, () => {
  it(`${BUYERS} parallel buyers for the last ${LAST} tickets: exactly ${LAST} sold, the rest told sold_out, the books balance`, async () => {
    const buyers = Array.from({ length: BUYERS }, (_, i) =>
      fetch(`${world.emulator.url}/rest/v1/rpc/checkout`, {
        method: 'POST',
        headers: { apikey: world.emulator.anonKey, 'Content-Type': 'application/json', 'cf-connecting-ip': randomAddress() },
        body: JSON.stringify({
          p_event_slug: world.a.publishedEventSlug,
          p_items: [{ ticket_type_id: ticketTypeId, quantity: 1 }],
          p_buyer_name: `Buyer ${i}`,
          p_buyer_email: `buyer${i}@example.com`,
          p_idempotency_key: randomUUID(),
          p_attribution_token: i % 2 === 0 ? tokens[i / 2] : null,
        }),
        signal: AbortSignal.timeout(120_000),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> })),
    );
    const results = await Promise.all(buyers);

    const sold = results.filter((result) => result.status === 200);
    const refused = results.filter((result) => result.status !== 200);
    expect(sold).toHaveLength(LAST);
    expect(refused.map((result) => `${result.status} ${String(result.body.message)}`)).toEqual(Array(BUYERS - LAST).fill('400 sold_out'));

    const stock = await world.db.query<{ sold: number; capacity: number }>('select sold, capacity from public.ticket_types where id = $1', [ticketTypeId]);
    expect(stock.rows[0]).toEqual({ sold: CAPACITY, capacity: CAPACITY });
    const soldHere = await world.db.query<{ n: number }>(
      'select coalesce(sum(quantity), 0)::int as n from public.order_items where ticket_type_id = $1',
      [ticketTypeId],
    );
    expect(soldHere.rows[0].n).toBe(CAPACITY);

    // Every attributed ticket belongs to a paid order, and the attributed totals agree.
    const unpaid = await world.db.query(
      `select a.id from public.attributions a join public.orders o on o.id = a.order_id where o.status <> 'paid'`,
    );
    expect(unpaid.rows).toEqual([]);
    const attributedOrders = await world.db.query<{ tickets: number }>(
      `select coalesce(sum(o.ticket_count), 0)::int as tickets from public.orders o
       where o.organization_id = $1 and exists (select 1 from public.attributions a where a.order_id = o.id)`,
      [world.a.id],
    );
    const { data: performance, error } = await world.clients.ownerA.rpc('promoter_performance', { p_organization_id: world.a.id });
    expect(error).toBeNull();
    const dashboardAttributed = (performance ?? []).reduce((sum, row) => sum + Number(row.tickets), 0);
    expect(dashboardAttributed).toBe(attributedOrders.rows[0].tickets);
    // Winners who came through a link are attributed; the others are not.
    const attributions = await world.db.query<{ order_id: string }>('select order_id from public.attributions');
    const attributedIds = new Set(attributions.rows.map((row) => row.order_id));
    results.forEach((result, i) => {
      if (result.status !== 200) return;
      expect(attributedIds.has((result.body as { order_id: string }).order_id), `buyer ${i}`).toBe(i % 2 === 0);
    });

    await expectConsistentOrders(world.db);
    const events = await world.clients.ownerA.rpc('event_performance', { p_organization_id: world.a.id });
    expect(events.error).toBeNull();
    await expectDashboardMatchesRawOrders(world.db, world.a.id, {
      events: (events.data ?? []) as DashboardFigures['events'],
      promoters: (performance ?? []) as unknown as DashboardFigures['promoters'],
    });
  });
});
