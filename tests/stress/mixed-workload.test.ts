/**
 * Everything at once, through the HTTP API: buyers with several ticket types in random
 * order, visitors, refunds, promoter deletions and dashboard reads running concurrently.
 * No request may fail with a 5xx (a deadlock or a serialization failure would), and
 * afterwards the books balance and the dashboards equal the raw orders.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../security/support/world.ts';
import { randomAddress } from '../db/support/race.ts';
import { expectConsistentOrders, expectDashboardMatchesRawOrders, type DashboardFigures } from './support/ledger.ts';

const engine = process.env.DATABASE_URL ? 'Postgres (DATABASE_URL)' : 'embedded PGlite through the emulator (no DATABASE_URL)';
const DURATION_MS = 8_000;

let world: World;
let ticketTypes: string[] = [];
const promoters: { id: string; code: string }[] = [];
const tokens: string[] = [];

beforeAll(async () => {
  // Buyers and visitors come from many addresses, as on a real sale day.
  world = await createWorld({ trustClientAddressHeader: true });
  ticketTypes = [];
  for (const [name, capacity] of [['Floor', 100_000], ['Balcony', 100_000], ['Backstage', 40]] as const) {
    const spec = { name, price_minor: 1000 + (capacity % 997), capacity };
    const row = await world.make.ticketType(world.a, world.a.publishedEventId, spec);
    ticketTypes.push(row.id);
  }
  for (let i = 0; i < 6; i++) {
    const code = `MIX${i}${world.unique()}`;
    const { id } = await world.make.promoter(world.a, { name: `Mixer ${i}`, code, events: [world.a.publishedEventId] });
    promoters.push({ id, code });
  }
}, 180_000);

afterAll(() => world?.stop());

/** A JSON answer: an object for most functions, a bare string for track_promoter_visit. */
type Answer = { status: number; body: Record<string, unknown>; raw: unknown };

async function call(path: string, body: unknown, token?: string): Promise<Answer> {
  const headers: Record<string, string> = { apikey: world.emulator.anonKey, 'Content-Type': 'application/json', 'cf-connecting-ip': randomAddress() };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${world.emulator.url}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  const raw: unknown = text === '' ? null : JSON.parse(text);
  expect(response.status, `${path} ${text.slice(0, 300)}`).toBeLessThan(500);
  const object = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  return { status: response.status, body: object, raw };
}

describe(`mixed workload on ${engine}`, () => {
  it('checkouts, visits, refunds, promoter deletions and dashboard reads run together without a 5xx, and the books balance', async () => {
    const { data: session } = await world.clients.ownerA.auth.getSession();
    const ownerToken = session.session!.access_token;
    const deadline = Date.now() + DURATION_MS;
    const sold: string[] = [];
    const counts = { checkouts: 0, soldOut: 0, visits: 0, refunds: 0, reads: 0, deletions: 0 };

    const buyer = async () => {
      while (Date.now() < deadline) {
        const chosen = ticketTypes.filter(() => Math.random() < 0.6);
        const items = (chosen.length ? chosen : [ticketTypes[randomInt(ticketTypes.length)]])
          .map((id) => ({ ticket_type_id: id, quantity: randomInt(1, 4) }))
          .sort(() => Math.random() - 0.5);
        const result = await call('/rest/v1/rpc/checkout', {
          p_event_slug: world.a.publishedEventSlug,
          p_items: items,
          p_buyer_name: 'Mixed Buyer',
          p_buyer_email: 'mixed@example.com',
          p_idempotency_key: randomUUID(),
          p_attribution_token: tokens.length && Math.random() < 0.7 ? tokens[randomInt(tokens.length)] : null,
        });
        if (result.status === 200) {
          counts.checkouts++;
          sold.push(result.body.order_id as string);
        } else {
          expect(result.body.message).toBe('sold_out');
          counts.soldOut++;
        }
      }
    };
    const visitor = async () => {
      while (Date.now() < deadline) {
        const promoter = promoters[randomInt(promoters.length)];
        const result = await call('/rest/v1/rpc/track_promoter_visit', {
          p_event_slug: world.a.publishedEventSlug,
          p_promo_code: promoter.code,
          p_session_id: randomUUID(),
        });
        expect(result.status, JSON.stringify(result.raw)).toBe(200);
        counts.visits++;
        if (typeof result.raw === 'string') tokens.push(result.raw);
      }
    };
    const refunder = async () => {
      while (Date.now() < deadline) {
        if (sold.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        const result = await call('/rest/v1/rpc/refund_order', { p_order_id: sold[randomInt(sold.length)] }, ownerToken);
        if (result.status === 200) counts.refunds++;
        else expect(result.body.message).toBe('order_already_refunded');
      }
    };
    const deleter = async () => {
      // Two promoters are deleted while their links are still selling.
      for (const promoter of promoters.slice(0, 2)) {
        await new Promise((resolve) => setTimeout(resolve, DURATION_MS / 3));
        const request = await call('/rest/v1/rpc/request_promoter_deletion', { p_promoter_id: promoter.id }, ownerToken);
        expect(request.status).toBe(200);
        const confirm = await call(
          '/rest/v1/rpc/confirm_promoter_deletion',
          { p_promoter_id: promoter.id, p_token: request.body.token, p_promo_code: promoter.code },
          ownerToken,
        );
        expect(confirm.status).toBe(200);
        counts.deletions++;
      }
    };
    const reader = async () => {
      while (Date.now() < deadline) {
        for (const fn of ['promoter_performance', 'promoter_summary', 'event_performance', 'promoter_group_performance']) {
          const result = await call(`/rest/v1/rpc/${fn}`, { p_organization_id: world.a.id }, ownerToken);
          expect(result.status, fn).toBe(200);
          counts.reads++;
        }
      }
    };

    // One token per promoter to start with; visitors add more as they go.
    for (const promoter of promoters) {
      const first = await call('/rest/v1/rpc/track_promoter_visit', {
        p_event_slug: world.a.publishedEventSlug,
        p_promo_code: promoter.code,
        p_session_id: randomUUID(),
      });
      expect(typeof first.raw).toBe('string');
      tokens.push(first.raw as string);
    }

    await Promise.all([...Array.from({ length: 6 }, buyer), visitor(), visitor(), refunder(), deleter(), reader()]);
    console.info(`mixed workload (${engine}): ${JSON.stringify(counts)}`);
    expect(counts.checkouts).toBeGreaterThan(0);
    expect(counts.soldOut).toBeGreaterThan(0);
    expect(counts.refunds).toBeGreaterThan(0);
    expect(counts.deletions).toBe(2);

    await expectConsistentOrders(world.db);
    const performance = await world.clients.ownerA.rpc('promoter_performance', { p_organization_id: world.a.id });
    const events = await world.clients.ownerA.rpc('event_performance', { p_organization_id: world.a.id });
    expect(performance.error).toBeNull();
    expect(events.error).toBeNull();
    await expectDashboardMatchesRawOrders(world.db, world.a.id, {
      events: (events.data ?? []) as DashboardFigures['events'],
      promoters: (performance.data ?? []) as unknown as DashboardFigures['promoters'],
    });
    const backstage = await world.db.query<{ sold: number; capacity: number }>('select sold, capacity from public.ticket_types where id = $1', [
      ticketTypes[2],
    ]);
    expect(backstage.rows[0].sold).toBeLessThanOrEqual(backstage.rows[0].capacity);
  });
});
