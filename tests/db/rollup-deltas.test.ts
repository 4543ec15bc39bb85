/**
 * The rollups have one writer, private.apply_rollup_deltas(), which the rollup triggers
 * call with what each statement changed (supabase/migrations/20261204100000_rollup_update_helper.sql,
 * docs/decisions/002 and 008). Whatever writes orders, attributions and visits, the
 * rollups must equal private.rebuild_rollups(), the from-scratch definition; the helper
 * is for the triggers only; and on parallel connections (Postgres only: the embedded
 * engine runs one transaction at a time) its lock order raises no deadlock.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymous, inRollback, serviceRole, type PersonaTx } from './support/personas.ts';
import { Racer, type Outcome } from './support/race.ts';
import { rollupDifferences } from './support/rollups.ts';
import { databaseWithWorld, checkout, checkoutSql, ids, people, slugs, track } from './support/world.ts';

const testDb = databaseWithWorld();

const general = (quantity: number) => [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity }];

/** Attributed, self-referral and unattributed sales on two events, as the attendee makes them. */
async function sell(s: PersonaTx): Promise<{ maya: string[]; jonas: string; self: string; unattributed: string }> {
  await s.as(anonymous);
  const maya: string[] = [];
  for (const quantity of [1, 2, 3]) {
    const token = await track(s, slugs.aLive, 'MAYA', randomUUID());
    maya.push((await checkout(s, { token, items: general(quantity) })).order_id);
  }
  const otherToken = await track(s, slugs.aOther, 'MAYA', randomUUID());
  maya.push((await checkout(s, { slug: slugs.aOther, token: otherToken, items: [{ ticket_type_id: ids.ticketTypes.aOtherEntry, quantity: 2 }] })).order_id);
  const jonasToken = await track(s, slugs.aLive, 'JONAS10', randomUUID());
  const jonas = (await checkout(s, { token: jonasToken, items: general(4) })).order_id;
  // Maya buying through her own link: a self-referral.
  const selfToken = await track(s, slugs.aLive, 'MAYA', randomUUID());
  const self = (await checkout(s, { token: selfToken, email: 'maya@example.com', items: general(1) })).order_id;
  const unattributed = (await checkout(s, { items: general(2) })).order_id;
  return { maya, jonas, self, unattributed };
}

describe('rollups written through apply_rollup_deltas()', () => {
  it('equal the rebuild from raw rows after sales, refunds, attribution changes and deletions', async () => {
    await inRollback(testDb.db, async (s) => {
      const orders = await sell(s);
      expect(await rollupDifferences(s)).toEqual([]);
      expect(await s.value<number>(`select count(*)::int from private.promoter_daily_stats where self_orders > 0`)).toBe(1);

      // Refunds through the API: an attributed order, the self-referral, an unattributed one.
      await s.as(people.ownerA);
      for (const orderId of [orders.maya[0], orders.self, orders.unattributed]) {
        await s.rows('select public.refund_order($1)', [orderId]);
      }
      expect(await rollupDifferences(s)).toEqual([]);

      // Attribution changes as a correction would make them: Maya's sale moved to Ina,
      // and a sale credited to nobody credited afterwards.
      const later = await sell(s);
      await s.asOwner();
      const inaVisit = await s.value<string>(
        `insert into public.promoter_visits (organization_id, event_id, promoter_id, session_id, token)
         values ($1, $2, $3, gen_random_uuid(), md5(random()::text)) returning id`,
        [ids.orgA, ids.events.aLive, ids.promoters.ina],
      );
      await s.rows('delete from public.attributions where order_id = $1', [orders.maya[1]]);
      await s.rows(
        `insert into public.attributions (organization_id, order_id, promoter_id, event_id, visit_id)
         values ($1, $2, $3, $4, $5), ($1, $6, $3, $4, $5)`,
        [ids.orgA, orders.maya[1], ids.promoters.ina, ids.events.aLive, inaVisit, later.unattributed],
      );
      await s.asOwner();
      // One statement paying a refunded order again and refunding two paid ones.
      await s.rows(
        `update public.orders
         set status = case when status = 'paid' then 'refunded' else 'paid' end::public.order_status,
             refunded_at = case when status = 'paid' then now() end
         where id = any ($1::uuid[])`,
        [[orders.maya[0], orders.maya[2], orders.jonas]],
      );
      expect(await rollupDifferences(s)).toEqual([]);

      // Deletions: Ina's visits (their attributions go with them), then Maya through the API.
      await s.rows('delete from public.promoter_visits where promoter_id = $1', [ids.promoters.ina]);
      await s.as(people.ownerA);
      const request = await s.value<{ token: string }>('select public.request_promoter_deletion($1)', [ids.promoters.maya]);
      await s.rows('select public.confirm_promoter_deletion($1, $2, $3)', [ids.promoters.maya, request.token, 'MAYA']);
      expect(await rollupDifferences(s)).toEqual([]);

      // Something is left to compare: the event still sold, Jonas still has a visit.
      await s.asOwner();
      expect(await s.value<number>(`select sum(tickets)::int from private.event_stats where event_id = $1`, [ids.events.aLive])).toBeGreaterThan(0);
      expect(await s.value<number>('select visits::int from private.promoter_totals where promoter_id = $1', [ids.promoters.jonas])).toBe(2);
    });
  });

  it('equal the rebuild after an event is deleted with its visits, and stay when an event with orders may not be deleted', async () => {
    await inRollback(testDb.db, async (s) => {
      await sell(s);
      await s.asOwner();
      // Visits on the draft event, which has no orders: deleting it takes them, and their
      // promoter's daily rows, with it; the promoter's total loses them.
      await s.rows(
        `insert into public.promoter_visits (organization_id, event_id, promoter_id, session_id, token)
         select $1, $2, p, gen_random_uuid(), md5(random()::text) from unnest($3::uuid[]) p`,
        [ids.orgA, ids.events.aDraft, [ids.promoters.maya, ids.promoters.maya, ids.promoters.jonas]],
      );
      const mayaVisits = () => s.value<number>('select visits::int from private.promoter_totals where promoter_id = $1', [ids.promoters.maya]);
      const before = await mayaVisits();
      await s.as(people.ownerA);
      expect(await s.rows('delete from public.events where id = $1 returning id', [ids.events.aDraft])).toHaveLength(1);
      expect(await rollupDifferences(s)).toEqual([]);
      expect(await mayaVisits()).toBe(before - 2);

      // Refused: orders keep their event, so an event that sold cannot go, nor its rollups.
      await s.as(people.ownerA);
      expect((await s.refused('delete from public.events where id = $1', [ids.events.aLive])).code).toBe('23503');
      expect(await rollupDifferences(s)).toEqual([]);
    });
  });

  it('skips changes that add up to zero and never creates a row only to subtract from it', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      // Sales credited to a promoter on the draft event (no sales of its own) on one day.
      const delta = (promoterId: string, shard: number, day: string, tickets: number, visits: number) =>
        `row('${ids.orgA}', '${ids.events.aDraft}', ${shard}, '${promoterId}', '${day}', false,
             ${tickets}, ${tickets * 1000}, ${Math.sign(tickets)}, ${tickets}, ${tickets * 1000}, ${Math.sign(tickets)}, ${visits})::private.rollup_delta`;
      const apply = (...deltas: string[]) => s.rows(`select private.apply_rollup_deltas(array[${deltas.join(', ')}])`);
      const rollupRows = async () => ({
        shards: await s.rows('select shard, tickets::int, attributed_tickets::int from private.event_stats where event_id = $1', [ids.events.aDraft]),
        days: await s.rows('select promoter_id, day::text, tickets::int, visits::int from private.promoter_daily_stats where event_id = $1', [ids.events.aDraft]),
        totals: await s.rows('select promoter_id, tickets::int, visits::int from private.promoter_totals where promoter_id in ($1, $2)', [
          ids.promoters.lone,
          ids.promoters.ina,
        ]),
      });
      const nothing = { shards: [], days: [], totals: [] };

      await apply(delta(ids.promoters.lone, 3, '2026-01-01', 2, 1), delta(ids.promoters.lone, 3, '2026-01-01', -2, -1));
      expect(await rollupRows()).toEqual(nothing);
      await apply(delta(ids.promoters.lone, 3, '2026-01-02', -1, 0));
      expect(await rollupRows()).toEqual(nothing);

      await apply(delta(ids.promoters.lone, 3, '2026-01-03', 3, 2));
      const lone = { shards: [{ shard: 3, tickets: 3, attributed_tickets: 3 }], days: [{ promoter_id: ids.promoters.lone, day: '2026-01-03', tickets: 3, visits: 2 }] };
      expect(await rollupRows()).toEqual({ ...lone, totals: [{ promoter_id: ids.promoters.lone, tickets: 3, visits: 2 }] });
      // In one call: a subtraction from Lone's rows, and one for Ina, who has none.
      await apply(delta(ids.promoters.lone, 3, '2026-01-03', -1, -2), delta(ids.promoters.ina, 5, '2026-01-03', -4, -1));
      expect(await rollupRows()).toEqual({
        shards: [{ shard: 3, tickets: 2, attributed_tickets: 2 }],
        days: [{ promoter_id: ids.promoters.lone, day: '2026-01-03', tickets: 2, visits: 0 }],
        totals: [{ promoter_id: ids.promoters.lone, tickets: 2, visits: 0 }],
      });
    });
  });

  it('are compared in every figure: a row whose only figure left is an attributed or self-referral part is a difference', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      expect(await rollupDifferences(s)).toEqual([]);
      await s.rows(
        `insert into private.event_stats (event_id, shard, organization_id, attributed_tickets, attributed_revenue_minor)
         values ($1, 4, $2, 1, 1000)`,
        [ids.events.aDraft, ids.orgA],
      );
      await s.rows(`insert into private.promoter_totals (promoter_id, organization_id, self_orders) values ($1, $2, 1)`, [ids.promoters.lone, ids.orgA]);
      const differences = await rollupDifferences(s);
      expect(differences.map((row) => [row.rollup, row.side])).toEqual([
        ['private.promoter_totals', 'live'],
        ['private.event_stats', 'live'],
      ]);
    });
  });

  it('are written by the triggers for every caller, while anon, authenticated and service_role may not call the helper, its table writers or the rebuild', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [anonymous, people.memberA, people.ownerA, serviceRole]) {
        await s.as(persona);
        for (const sql of [
          'select private.apply_rollup_deltas(null)',
          'select private.write_event_stats(null, null)',
          'select private.write_promoter_daily_stats(null, null)',
          'select private.write_promoter_totals(null, null)',
          'select private.rebuild_rollups()',
        ]) {
          expect((await s.refused(sql)).code, `${persona.label}: ${sql}`).toBe('42501');
        }
      }
      await s.asOwner();
      for (const role of ['anon', 'authenticated', 'service_role']) {
        expect(await s.value(`select has_type_privilege($1, 'private.rollup_delta', 'usage')`, [role]), role).toBe(false);
      }

      // Allowed: the attendee's checkout and the owner's refund change the rollups through the triggers.
      const shardTickets = () => s.value<number>('select coalesce(sum(tickets), 0)::int from private.event_stats where event_id = $1', [ids.events.aLive]);
      const before = await shardTickets();
      await s.as(anonymous);
      const sale = await checkout(s, { items: general(3) });
      await s.asOwner();
      expect(await shardTickets()).toBe(before + 3);
      await s.as(people.ownerA);
      await s.rows('select public.refund_order($1)', [sale.order_id]);
      await s.asOwner();
      expect(await shardTickets()).toBe(before);
    });
  });
});

describe.skipIf(!process.env.DATABASE_URL)('rollups on parallel connections', () => {
  it(
    'stay equal to the rebuild, without a deadlock, when checkouts, refunds and promoter deletions meet on one event and day',
    { timeout: 240_000 },
    async () => {
      const racer = new Racer(testDb.databaseUrl!, 16);
      const owner = async <R = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await testDb.db.query<R>(sql, params)).rows;
      const ticketTypeId = randomUUID();
      await owner(
        `insert into public.ticket_types (id, organization_id, event_id, name, price_minor, capacity, sort_order)
         values ($1, $2, $3, 'Crowd', 1500, 100000, 8)`,
        [ticketTypeId, ids.orgA, ids.events.aLive],
      );
      const buy = (token: string | null, email = 'crowd@example.net') =>
        racer.call(anonymous, checkoutSql, [slugs.aLive, JSON.stringify([{ ticket_type_id: ticketTypeId, quantity: 1 }]), 'Crowd Buyer', email, randomUUID(), token]);
      const tokenFor = async (code: string) =>
        (await racer.call(anonymous, 'select public.track_promoter_visit($1, $2, $3::uuid)', [slugs.aLive, code, randomUUID()])).value as string;
      const orderOf = (outcome: Outcome) => (outcome.value as { order_id: string }).order_id;

      // Refusals are answers (P0001, e.g. a token of a promoter deleted meanwhile); a
      // deadlock (40P01) or any other error is a failure.
      const failures: Outcome[] = [];
      const keep = (outcomes: Outcome[]) => failures.push(...outcomes.filter((o) => !o.ok && o.code !== 'P0001'));
      let sold = 0;
      let deleted = 0;
      try {
        for (let round = 0; round < 5; round++) {
          const code = `CROWD${round}`;
          const [{ id: promoterId }] = await owner<{ id: string }>(
            `insert into public.promoters (organization_id, name, promo_code, email) values ($1, $2, $3, $4) returning id`,
            [ids.orgA, `Crowd ${round}`, code, `crowd${round}@example.net`],
          );
          await owner('insert into public.event_promoters (organization_id, event_id, promoter_id) values ($1, $2, $3)', [ids.orgA, ids.events.aLive, promoterId]);
          const earlier = await Promise.all(Array.from({ length: 4 }, async () => buy(await tokenFor(code))));
          const mayaEarlier = await Promise.all(Array.from({ length: 3 }, async () => buy(await tokenFor('MAYA'))));
          keep([...earlier, ...mayaEarlier]);
          const crowdTokens = await Promise.all(Array.from({ length: 6 }, () => tokenFor(code)));
          const mayaTokens = await Promise.all(Array.from({ length: 10 }, () => tokenFor('MAYA')));
          const deletion = await racer.call(people.ownerA, 'select public.request_promoter_deletion($1)', [promoterId]);
          const deletionToken = (deletion.value as { token: string }).token;

          const outcomes = await Promise.all([
            ...crowdTokens.map((token, i) => buy(token, i % 3 ? 'crowd@example.net' : `crowd${round}@example.net`)),
            ...mayaTokens.map((token, i) => buy(token, i % 4 ? 'crowd@example.net' : 'maya@example.com')),
            ...Array.from({ length: 4 }, () => buy(null)),
            ...[...earlier.slice(0, 2), ...mayaEarlier.slice(0, 2)]
              .filter((o) => o.ok)
              .map((o) => racer.call(people.ownerA, 'select public.refund_order($1)', [orderOf(o)])),
            racer.call(people.ownerA, 'select public.confirm_promoter_deletion($1, $2, $3)', [promoterId, deletionToken, code]),
          ]);
          keep(outcomes);
          sold += outcomes.filter((o) => o.ok).length - 1;
          if (outcomes.at(-1)!.ok) deleted += 1;
        }
        expect(failures, 'failed calls (40P01 is a deadlock)').toEqual([]);
        expect(sold).toBeGreaterThan(50);
        expect(deleted).toBe(5);
        expect(await inRollback(testDb.db, rollupDifferences)).toEqual([]);
      } finally {
        await racer.end();
      }
    },
  );
});
