import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { anonymous, inRollback, type Session } from './support/personas.ts';
import { buildWorld, checkout, ids, people, slugs, track } from './support/world.ts';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await buildWorld(testDb.db);
});

afterAll(async () => {
  await testDb?.close();
});

const maya = ids.promoters.maya;
const request = (s: Session, promoterId = maya) =>
  s.value<{ token: string; expires_at: string }>('select public.request_promoter_deletion($1) as r', [promoterId]);
const confirmSql = 'select public.confirm_promoter_deletion($1, $2, $3) as r';

/** Two attributed sales for Maya, so there is history to remove. */
async function mayaWithHistory(s: Session): Promise<string[]> {
  await s.as(anonymous);
  const orders: string[] = [];
  for (const quantity of [1, 2]) {
    const token = await track(s, slugs.aLive, 'MAYA', randomUUID());
    orders.push((await checkout(s, { token, items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity }] })).order_id);
  }
  return orders;
}

const countFor = (s: Session, table: string, column = 'promoter_id') =>
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
