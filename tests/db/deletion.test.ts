import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymous, inRollback, type PersonaTx } from './support/personas.ts';
import { Racer, type Outcome } from './support/race.ts';
import { checkout, databaseWithWorld, ids, people, raceTicketType, racingPromoter, slugs, track } from './support/world.ts';

const testDb = databaseWithWorld();

const maya = ids.promoters.maya;
const request = (s: PersonaTx, promoterId = maya) =>
  s.value<{ token: string; expires_at: string }>('select public.request_promoter_deletion($1) as r', [promoterId]);
const confirmSql = 'select public.confirm_promoter_deletion($1, $2, $3) as r';

/** Two attributed sales for Maya, so there is history to remove. */
async function mayaWithHistory(s: PersonaTx): Promise<string[]> {
  await s.as(anonymous);
  const orders: string[] = [];
  for (const quantity of [1, 2]) {
    const token = await track(s, slugs.aLive, 'MAYA', randomUUID());
    orders.push((await checkout(s, { token, items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity }] })).order_id);
  }
  return orders;
}

const countFor = (s: PersonaTx, table: string, column = 'promoter_id') =>
  s.value<number>(`select count(*)::int from public.${table} where ${column} = $1`, [maya]);

describe('promoter deletion', () => {
  it('deletes the promoter and all of their history after two confirmations, and keeps the orders', async () => {
    await inRollback(testDb.db, async (s) => {
      const orderIds = await mayaWithHistory(s);
      await s.as(people.adminA);
      const { token, expires_at } = await request(s);
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const minutes = (new Date(expires_at).getTime() - Date.now()) / 60_000;
      expect(minutes).toBeGreaterThan(9);
      expect(minutes).toBeLessThanOrEqual(10.1);

      const result = await s.value(confirmSql, [maya, token, 'maya']);
      expect(result).toEqual({ deleted_visits: 2, deleted_attributions: 2, deleted_links: 3, deleted_memberships: 1 });

      await s.asOwner();
      expect(await s.value('select count(*)::int from public.promoters where id = $1', [maya])).toBe(0);
      for (const table of ['event_promoters', 'promoter_visits', 'attributions', 'promoter_group_members']) {
        expect(await countFor(s, table)).toBe(0);
      }
      expect(await s.value('select count(*)::int from private.promoter_daily_stats where promoter_id = $1', [maya])).toBe(0);
      const kept = await s.rows<{ status: string }>('select status::text from public.orders where id = any($1::uuid[])', [orderIds]);
      expect(kept).toEqual([{ status: 'paid' }, { status: 'paid' }]);
      expect(await s.value('select count(*)::int from public.order_items where order_id = any($1::uuid[])', [orderIds])).toBe(2);
      // The sales still count for the event, just no longer for a promoter.
      await s.as(people.ownerA);
      const event = await s.one('select tickets, attributed_tickets from public.event_performance($1) where event_id = $2', [ids.orgA, ids.events.aLive]);
      expect(event).toEqual({ tickets: 3, attributed_tickets: 0 });
    });
  });

  it('refuses a confirmation without a request', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      expect((await s.refused(confirmSql, [maya, 'whatever-token', 'MAYA'])).message).toBe('deletion_not_requested');
      expect(await countFor(s, 'promoters', 'id')).toBe(1);
    });
  });

  it('refuses a wrong token and keeps the promoter', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      await request(s);
      expect((await s.refused(confirmSql, [maya, 'A'.repeat(32), 'MAYA'])).message).toBe('deletion_not_requested');
      expect((await s.refused(confirmSql, [maya, 'A'.repeat(10 * 1024 * 1024), 'MAYA'])).message).toBe('deletion_not_requested');
      expect((await s.refused(confirmSql, [maya, null, 'MAYA'])).message).toBe('deletion_not_requested');
      expect(await countFor(s, 'promoters', 'id')).toBe(1);
    });
  });

  it('refuses a token of an earlier request once a new one was made', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      const first = await request(s);
      await request(s);
      expect((await s.refused(confirmSql, [maya, first.token, 'MAYA'])).message).toBe('deletion_not_requested');
    });
  });

  it('refuses a token of another promoter', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      const forJonas = await request(s, ids.promoters.jonas);
      await request(s);
      expect((await s.refused(confirmSql, [maya, forJonas.token, 'MAYA'])).message).toBe('deletion_not_requested');
    });
  });

  it('refuses an expired token', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      const { token } = await request(s);
      await s.asOwner();
      await s.rows(`update private.promoter_deletion_requests set expires_at = now() - interval '1 second' where promoter_id = $1`, [maya]);
      await s.as(people.ownerA);
      expect((await s.refused(confirmSql, [maya, token, 'MAYA'])).message).toBe('deletion_expired');
      expect(await countFor(s, 'promoters', 'id')).toBe(1);
    });
  });

  it('refuses a promo code typed wrongly, and accepts it again typed right', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      const { token } = await request(s);
      for (const wrong of ['MAYB', '', 'M'.repeat(10 * 1024 * 1024)]) {
        expect((await s.refused(confirmSql, [maya, token, wrong])).message).toBe('deletion_code_mismatch');
      }
      expect((await s.refused(confirmSql, [maya, token, null])).message).toBe('deletion_code_mismatch');
      expect(await countFor(s, 'promoters', 'id')).toBe(1);
      await s.rows(confirmSql, [maya, token, ' Maya ']);
      expect(await countFor(s, 'promoters', 'id')).toBe(0);
    });
  });

  it('is for owners and admins of the promoter organization only', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      const { token } = await request(s);
      for (const persona of [people.memberA, people.ownerB, people.loner]) {
        await s.as(persona);
        expect((await s.refused('select public.request_promoter_deletion($1)', [maya])).message).toBe('not_authorized');
        expect((await s.refused(confirmSql, [maya, token, 'MAYA'])).message).toBe('not_authorized');
      }
      await s.as(anonymous);
      expect((await s.refused('select public.request_promoter_deletion($1)', [maya])).code).toBe('42501');
      expect((await s.refused(confirmSql, [maya, token, 'MAYA'])).code).toBe('42501');
      await s.as(people.ownerA);
      expect((await s.refused('select public.request_promoter_deletion($1)', [randomUUID()])).message).toBe('not_authorized');
      expect(await countFor(s, 'promoters', 'id')).toBe(1);
    });
  });
});

/**
 * Checkouts key-share the promoter of their token, refunds key-share the promoter of
 * their order, visits key-share the promoter of their link, and the deletion locks it
 * for update — all before any ticket type, order or rollup row (the lock order of
 * 20261130100000_attribution_integrity.sql). Before that, a checkout locked an
 * event_stats shard first and deadlocked with the deletion (40P01, HTTP 500). Real
 * parallel connections exist only on Postgres; the embedded engine runs one
 * transaction at a time and cannot deadlock.
 */
describe.skipIf(!process.env.DATABASE_URL)('promoter deletion racing sales on Postgres', () => {
  it('30 checkouts, refunds and visits racing each deletion: no deadlock, nothing fails, the books balance', { timeout: 240_000 }, async () => {
    const racer = new Racer(testDb.databaseUrl!, 40);
    const owner = async (sql: string, params: unknown[] = []) => (await testDb.db.query(sql, params)).rows;
    try {
      const ticketTypeId = await raceTicketType(testDb.db);
      const items = JSON.stringify([{ ticket_type_id: ticketTypeId, quantity: 1 }]);
      const buy = (token: string | null) =>
        racer.call(anonymous, 'select public.checkout($1, $2::jsonb, $3, $4, $5::uuid, $6)', [
          slugs.aLive, items, 'Racing Buyer', 'race@example.net', randomUUID(), token,
        ]);
      const failures: Outcome[] = [];
      const rounds = 8;
      for (let round = 0; round < rounds; round++) {
        const code = `RACE${round}X`;
        const promoterId = await racingPromoter(testDb.db, code, { name: `Racer ${round}` });
        const visit = () => racer.call(anonymous, 'select public.track_promoter_visit($1, $2, $3::uuid)', [slugs.aLive, code, randomUUID()]);
        const tokens: string[] = [];
        for (let i = 0; i < 10; i++) tokens.push((await visit()).value as string);
        const toRefund: string[] = [];
        for (let i = 0; i < 5; i++) toRefund.push(((await buy(tokens[i])).value as { order_id: string }).order_id);
        const request = await racer.call(people.adminA, 'select public.request_promoter_deletion($1)', [promoterId]);
        const { token } = request.value as { token: string };

        const outcomes = await Promise.all([
          ...Array.from({ length: 30 }, (_, i) => buy(tokens[i % tokens.length])),
          ...toRefund.map((orderId) => racer.call(people.ownerA, 'select public.refund_order($1)', [orderId])),
          ...Array.from({ length: 10 }, visit),
          racer.call(people.adminA, 'select public.confirm_promoter_deletion($1, $2, $3)', [promoterId, token, code]),
        ]);
        failures.push(...outcomes.filter((outcome) => !outcome.ok));
        expect(await owner('select 1 from public.promoters where id = $1', [promoterId])).toEqual([]);
      }
      expect(failures, 'failed calls (40P01 is a deadlock)').toEqual([]);
      // No figure kept by the rollups drifted from the raw rows.
      const drift = await owner(
        `select s.event_id from private.event_stats s
         group by s.event_id
         having sum(s.attributed_tickets) <> (select coalesce(sum(o.ticket_count), 0) from public.orders o
                                              join public.attributions a on a.order_id = o.id
                                              where o.event_id = s.event_id and o.status = 'paid')
             or sum(s.tickets) <> (select coalesce(sum(o.ticket_count), 0) from public.orders o where o.event_id = s.event_id and o.status = 'paid')`,
      );
      expect(drift).toEqual([]);
    } finally {
      await racer.end();
    }
  });
});
