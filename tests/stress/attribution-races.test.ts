/**
 * The lock order of checkout, refund, visit tracking and promoter deletion, at scale and
 * through the HTTP API: round after round, the promoters being sold, refunded and
 * visited are deleted at the same moment. On Postgres (DATABASE_URL) the requests run
 * on parallel connections; a deadlock would surface as 40P01 and HTTP 500. No request
 * may fail with a 5xx, every call answers as it should, and the books balance.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../db/support/personas.ts';
import { Racer, randomAddress, type Outcome } from '../db/support/race.ts';
import { createWorld, type OrganizationFixture, type World } from '../security/support/world.ts';
import { expectConsistentOrders, expectDashboardMatchesRawOrders, type DashboardFigures } from './support/ledger.ts';

const engine = process.env.DATABASE_URL ? 'Postgres (DATABASE_URL)' : 'embedded PGlite through the emulator (no DATABASE_URL)';
const ROUNDS = 12;
const PROMOTERS_PER_ROUND = 3;
const CHECKOUTS_PER_ROUND = 36;

let world: World;
let ticketTypeId: string;
let ownerToken: string;

beforeAll(async () => {
  world = await createWorld({ trustClientAddressHeader: true });
  ticketTypeId = (await world.make.ticketType(world.a, world.a.publishedEventId, { name: 'Race', price_minor: 2100, capacity: 1_000_000 })).id;
  const { data } = await world.clients.ownerA.auth.getSession();
  ownerToken = data.session!.access_token;
}, 180_000);

afterAll(() => world?.stop());

/** A promoter with a link on the organization's published event, ready to race. */
const racerOn = (org: OrganizationFixture, name: string, code: string) => world.make.promoter(org, { name, code, events: [org.publishedEventId] });

interface Answer {
  status: number;
  raw: unknown;
  body: Record<string, unknown>;
}

async function call(fn: string, args: Record<string, unknown>, token?: string): Promise<Answer> {
  const headers: Record<string, string> = {
    apikey: world.emulator.anonKey,
    'Content-Type': 'application/json',
    'cf-connecting-ip': randomAddress(),
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${world.emulator.url}/rest/v1/rpc/${fn}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(args),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  const raw: unknown = text === '' ? null : JSON.parse(text);
  const body = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  return { status: response.status, raw, body };
}

const visit = (code: string) => call('track_promoter_visit', { p_event_slug: world.a.publishedEventSlug, p_promo_code: code, p_session_id: randomUUID() });
const buy = (token: string | null) =>
  call('checkout', {
    p_event_slug: world.a.publishedEventSlug,
    p_items: [{ ticket_type_id: ticketTypeId, quantity: 1 + Math.floor(Math.random() * 3) }],
    p_buyer_name: 'Racing Buyer',
    p_buyer_email: 'racer@example.com',
    p_idempotency_key: randomUUID(),
    p_attribution_token: token,
  });

describe(`checkout, refund, visits and deletion of the same promoters at once on ${engine}`, () => {
  it(`${ROUNDS} rounds of ${CHECKOUTS_PER_ROUND} checkouts, refunds and visits racing ${PROMOTERS_PER_ROUND} deletions: no 5xx, no deadlock, the books balance`, async () => {
    const counts = { checkouts: 0, refunds: 0, visits: 0, deletions: 0 };
    const unexpected: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const promoters: { id: string; code: string; tokens: string[]; orders: string[]; deletionToken: string }[] = [];
      for (let p = 0; p < PROMOTERS_PER_ROUND; p++) {
        const code = `RACE${round}P${p}${world.unique()}`;
        const { id } = await racerOn(world.a, `Racer ${round}.${p}`, code);
        const tokens: string[] = [];
        for (let v = 0; v < 4; v++) tokens.push((await visit(code)).raw as string);
        const orders: string[] = [];
        for (let o = 0; o < 3; o++) orders.push((await buy(tokens[o])).body.order_id as string);
        const request = await call('request_promoter_deletion', { p_promoter_id: id }, ownerToken);
        expect(request.status).toBe(200);
        promoters.push({ id, code, tokens, orders, deletionToken: request.body.token as string });
      }

      const work: Promise<void>[] = [];
      const expectOk = (what: string, answer: Answer) => {
        if (answer.status !== 200) unexpected.push(`${what}: ${answer.status} ${JSON.stringify(answer.raw).slice(0, 200)}`);
      };
      for (const promoter of promoters) {
        work.push(
          call('confirm_promoter_deletion', { p_promoter_id: promoter.id, p_token: promoter.deletionToken, p_promo_code: promoter.code }, ownerToken).then(
            (answer) => {
              expectOk('deletion', answer);
              counts.deletions++;
            },
          ),
        );
      }
      for (let i = 0; i < CHECKOUTS_PER_ROUND; i++) {
        const promoter = promoters[i % promoters.length];
        work.push(
          buy(promoter.tokens[i % promoter.tokens.length]).then((answer) => {
            expectOk('checkout', answer);
            counts.checkouts++;
          }),
        );
      }
      for (const promoter of promoters) {
        for (const orderId of promoter.orders) {
          work.push(
            call('refund_order', { p_order_id: orderId }, ownerToken).then((answer) => {
              expectOk('refund', answer);
              counts.refunds++;
            }),
          );
        }
        for (let v = 0; v < 4; v++) {
          work.push(
            visit(promoter.code).then((answer) => {
              expectOk('visit', answer);
              counts.visits++;
            }),
          );
        }
      }
      await Promise.all(work);
    }
    console.info(`attribution races (${engine}): ${JSON.stringify(counts)}`);
    expect(unexpected).toEqual([]);
    expect(counts.deletions).toBe(ROUNDS * PROMOTERS_PER_ROUND);
    const left = await world.db.query('select id from public.promoters where name like $1', ['Racer %']);
    expect(left.rows).toEqual([]);

    await expectConsistentOrders(world.db);
    const performance = await world.clients.ownerA.rpc('promoter_performance', { p_organization_id: world.a.id });
    const events = await world.clients.ownerA.rpc('event_performance', { p_organization_id: world.a.id });
    expect(performance.error).toBeNull();
    expect(events.error).toBeNull();
    await expectDashboardMatchesRawOrders(world.db, world.a.id, {
      events: (events.data ?? []) as DashboardFigures['events'],
      promoters: (performance.data ?? []) as unknown as DashboardFigures['promoters'],
    });
  });
});

/**
 * The same race below the HTTP layer, with one Postgres connection per call (the
 * emulator's pool has 10): the widest interleaving, where the old lock order
 * deadlocked within a few rounds.
 */
describe.skipIf(!process.env.DATABASE_URL)('the same race on 48 parallel Postgres connections', () => {
  it('checkouts, refunds, visits and deletions of the same promoters: no 40P01, no failure', async () => {
    const racer = new Racer(world.emulator.databaseUrl!, 48);
    const anonymous: Persona = { label: 'anonymous', role: 'anon' };
    const owner: Persona = { label: 'owner of A', role: 'authenticated', userId: world.userIds.ownerA };
    const slug = world.a.publishedEventSlug;
    const items = JSON.stringify([{ ticket_type_id: ticketTypeId, quantity: 1 }]);
    const sqlBuy = (token: string | null) =>
      racer.call(anonymous, 'select public.checkout($1, $2::jsonb, $3, $4, $5::uuid, $6)', [slug, items, 'Racing Buyer', 'racer@example.com', randomUUID(), token]);
    const sqlVisit = (code: string) => racer.call(anonymous, 'select public.track_promoter_visit($1, $2, $3::uuid)', [slug, code, randomUUID()]);
    const failures: Outcome[] = [];
    let calls = 0;
    try {
      for (let round = 0; round < 20; round++) {
        const work: Promise<Outcome>[] = [];
        const prepared: { id: string; code: string; tokens: string[]; orders: string[]; deletionToken: string }[] = [];
        for (let p = 0; p < 3; p++) {
          const code = `SQLRACE${round}P${p}${world.unique()}`;
          const { id } = await racerOn(world.a, `Sql racer ${round}.${p}`, code);
          const tokens: string[] = [];
          for (let v = 0; v < 6; v++) tokens.push((await sqlVisit(code)).value as string);
          const orders: string[] = [];
          for (let o = 0; o < 3; o++) orders.push(((await sqlBuy(tokens[o])).value as { order_id: string }).order_id);
          const request = await racer.call(owner, 'select public.request_promoter_deletion($1)', [id]);
          prepared.push({ id, code, tokens, orders, deletionToken: (request.value as { token: string }).token });
        }
        for (const promoter of prepared) {
          work.push(racer.call(owner, 'select public.confirm_promoter_deletion($1, $2, $3)', [promoter.id, promoter.deletionToken, promoter.code]));
          for (let i = 0; i < 14; i++) work.push(sqlBuy(promoter.tokens[i % promoter.tokens.length]));
          for (const orderId of promoter.orders) work.push(racer.call(owner, 'select public.refund_order($1)', [orderId]));
          for (let v = 0; v < 4; v++) work.push(sqlVisit(promoter.code));
        }
        const outcomes = await Promise.all(work);
        calls += outcomes.length;
        failures.push(...outcomes.filter((outcome) => !outcome.ok));
      }
    } finally {
      await racer.end();
    }
    console.info(`attribution races on parallel connections: ${calls} calls, ${failures.length} failed`);
    expect(failures, 'failed calls (40P01 is a deadlock)').toEqual([]);
    await expectConsistentOrders(world.db);
  });
});
