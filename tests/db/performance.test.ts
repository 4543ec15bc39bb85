import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymous, inRollback, type Persona, type PersonaTx } from './support/personas.ts';
import { expectRollupsMatchRawData } from './support/rollups.ts';
import { checkout, databaseWithWorld, ids, people, slugs, track } from './support/world.ts';

const testDb = databaseWithWorld();

const today = () => new Date().toISOString().slice(0, 10);

/** Maya: 2 visits, 2 paid orders (3 + 1 General); Jonas: 1 visit, a refunded order; plus a sale without promoter. */
async function scenario(s: PersonaTx): Promise<void> {
  await s.as(anonymous);
  const mayaToken = await track(s, slugs.aLive, 'MAYA', randomUUID());
  await track(s, slugs.aLive, 'MAYA', randomUUID());
  const jonasToken = await track(s, slugs.aLive, 'JONAS10', randomUUID());
  await checkout(s, { token: mayaToken, items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 3 }] });
  await checkout(s, { token: mayaToken, items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 1 }] });
  const refunded = await checkout(s, { token: jonasToken, items: [{ ticket_type_id: ids.ticketTypes.aVip, quantity: 1 }] });
  await checkout(s, { items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 2 }] });
  await s.as(people.ownerA);
  await s.rows('select public.refund_order($1)', [refunded.order_id]);
}

describe('promoter_performance', () => {
  it('reports paid attributed sales, visits, links, groups and conversion per promoter', async () => {
    await inRollback(testDb.db, async (s) => {
      await scenario(s);
      await s.as(people.memberA);
      const rows = await s.rows<Record<string, unknown>>('select * from public.promoter_performance($1)', [ids.orgA]);
      expect(rows.map((r) => r.promo_code)).toEqual(['MAYA', 'INA', 'Jonas10', 'LONE']);
      expect(rows[0]).toEqual({
        promoter_id: ids.promoters.maya,
        name: 'Maya Okafor',
        promo_code: 'MAYA',
        email: 'maya@example.com',
        phone: null,
        created_at: expect.anything(),
        group_ids: [ids.groups.aSummer],
        tickets: 4,
        revenue_minor: 10000,
        orders: 2,
        visits: 2,
        active_events: 3,
        conversion_rate: 1,
        self_referral_orders: 0,
      });
      const jonas = rows.find((r) => r.promo_code === 'Jonas10');
      expect(jonas).toMatchObject({ tickets: 0, revenue_minor: 0, orders: 0, visits: 1, active_events: 1, conversion_rate: 0, group_ids: [] });
      expect(rows.find((r) => r.promo_code === 'LONE')).toMatchObject({ visits: 0, conversion_rate: null, active_events: 0 });
    });
  });

  it('filters by group, by name or code, and by day', async () => {
    await inRollback(testDb.db, async (s) => {
      await scenario(s);
      await s.as(people.memberA);
      const codes = async (sql: string, params: unknown[]) => (await s.rows<{ promo_code: string }>(sql, params)).map((r) => r.promo_code);
      expect(await codes('select promo_code from public.promoter_performance($1, p_group_id => $2)', [ids.orgA, ids.groups.aSummer])).toEqual(['MAYA']);
      expect(await codes('select promo_code from public.promoter_performance($1, p_search => $2)', [ids.orgA, 'okaf'])).toEqual(['MAYA']);
      expect(await codes('select promo_code from public.promoter_performance($1, p_search => $2)', [ids.orgA, 'jonas1'])).toEqual(['Jonas10']);
      expect(await codes('select promo_code from public.promoter_performance($1, p_search => $2)', [ids.orgA, '%'])).toEqual([]);
      expect(await codes('select promo_code from public.promoter_performance($1, p_search => $2)', [ids.orgA, '   '])).toHaveLength(4);
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
      const lastWeek = new Date(Date.now() - 7 * 86_400_000).toISOString();
      const yesterday = new Date(Date.now() - 86_400_000).toISOString();
      const inRange = await s.one('select tickets, visits from public.promoter_performance($1, $2, $3) where promoter_id = $4', [
        ids.orgA,
        lastWeek,
        tomorrow,
        ids.promoters.maya,
      ]);
      expect(inRange).toEqual({ tickets: 4, visits: 2 });
      const outOfRange = await s.one('select tickets, visits from public.promoter_performance($1, $2, $3) where promoter_id = $4', [
        ids.orgA,
        lastWeek,
        yesterday,
        ids.promoters.maya,
      ]);
      expect(outOfRange).toEqual({ tickets: 0, visits: 0 });
    });
  });
});

describe('promoter_summary and promoter_group_performance', () => {
  it('sums the same figures as the per-promoter list, with the organization currency', async () => {
    await inRollback(testDb.db, async (s) => {
      await scenario(s);
      await s.as(people.ownerA);
      const summary = await s.one('select * from public.promoter_summary($1)', [ids.orgA]);
      expect(summary).toEqual({ promoters: 4, tickets: 4, revenue_minor: 10000, orders: 2, visits: 3, conversion_rate: 2 / 3, currency: 'USD' });
      const filtered = await s.one('select promoters, tickets from public.promoter_summary($1, p_search => $2)', [ids.orgA, 'jonas']);
      expect(filtered).toEqual({ promoters: 1, tickets: 0 });
    });
  });

  it('totals each group over its promoters, including empty groups', async () => {
    await inRollback(testDb.db, async (s) => {
      await scenario(s);
      await s.as(people.memberA);
      await s.rows(`insert into public.promoter_groups (organization_id, name) values ($1, 'Venue Staff')`, [ids.orgA]);
      const groups = await s.rows('select name, color, promoters, tickets, revenue_minor, orders, visits, conversion_rate from public.promoter_group_performance($1)', [
        ids.orgA,
      ]);
      expect(groups).toEqual([
        { name: 'Summer Team', color: '#f59e0b', promoters: 1, tickets: 4, revenue_minor: 10000, orders: 2, visits: 2, conversion_rate: 1 },
        { name: 'Venue Staff', color: null, promoters: 0, tickets: 0, revenue_minor: 0, orders: 0, visits: 0, conversion_rate: null },
      ]);
    });
  });
});

describe('promoter_sales_timeseries', () => {
  it('returns one row per day including days without sales', async () => {
    await inRollback(testDb.db, async (s) => {
      await scenario(s);
      await s.as(people.memberA);
      const from = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
      const rows = await s.rows<{ day: unknown; tickets: number; visits: number }>(
        `select to_char(day, 'YYYY-MM-DD') as day, tickets, revenue_minor, orders, visits from public.promoter_sales_timeseries($1, $2, $3)`,
        [ids.promoters.maya, from, today()],
      );
      expect(rows).toHaveLength(7);
      expect(rows[0]).toEqual({ day: from, tickets: 0, revenue_minor: 0, orders: 0, visits: 0 });
      expect(rows[6]).toEqual({ day: today(), tickets: 4, revenue_minor: 10000, orders: 2, visits: 2 });
    });
  });

  it("reads only the promoter's days in the range, however long its history", async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      // Three years of history for Maya, none of it in the range asked for.
      await s.rows(
        `insert into private.promoter_daily_stats (organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders, visits)
         select $1, $2, $3, d::date, 1, 100, 1, 1 from generate_series(date '2020-01-01', date '2022-12-31', interval '1 day') d`,
        [ids.orgA, ids.promoters.maya, ids.events.aLive],
      );
      await s.rows('analyze private.promoter_daily_stats');
      // Planned as on a large table (an index, not a scan of this small one).
      await s.rows('set local enable_seqscan = off');
      const read = () =>
        s.value<number>(
          `select (pg_stat_get_xact_tuples_returned(c.oid) + pg_stat_get_xact_tuples_fetched(c.oid))::int
           from pg_class c where c.oid = 'private.promoter_daily_stats'::regclass`,
        );
      const before = await read();
      await s.as(people.memberA);
      const rows = await s.rows('select * from public.promoter_sales_timeseries($1, $2, $3)', [ids.promoters.maya, '2025-06-01', '2025-06-30']);
      expect(rows).toHaveLength(30);
      await s.asOwner();
      expect((await read()) - before).toBeLessThan(30);
    });
  });

  it('refuses reversed or over-long ranges', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.memberA);
      const sql = 'select * from public.promoter_sales_timeseries($1, $2, $3)';
      expect((await s.refused(sql, [ids.promoters.maya, '2026-02-01', '2026-01-01'])).message).toBe('invalid_date_range');
      expect((await s.refused(sql, [ids.promoters.maya, '2020-01-01', '2026-01-01'])).message).toBe('invalid_date_range');
      expect((await s.refused(sql, [ids.promoters.maya, null, '2026-01-01'])).message).toBe('invalid_date_range');
    });
  });
});

describe('event_performance', () => {
  it('reports every sale of each event and the part promoters brought in', async () => {
    await inRollback(testDb.db, async (s) => {
      await scenario(s);
      await s.as(people.memberA);
      const rows = await s.rows('select * from public.event_performance($1)', [ids.orgA]);
      expect(rows).toHaveLength(5);
      expect(rows.find((r) => r.event_id === ids.events.aLive)).toEqual({
        event_id: ids.events.aLive,
        tickets: 6,
        revenue_minor: 15000,
        orders: 3,
        attributed_tickets: 4,
        attributed_revenue_minor: 10000,
      });
      expect(rows.find((r) => r.event_id === ids.events.aOther)).toMatchObject({ tickets: 0, orders: 0, attributed_tickets: 0 });
    });
  });
});

describe('who may read the figures', () => {
  const calls: [string, unknown[]][] = [
    ['select * from public.promoter_performance($1)', [ids.orgA]],
    ['select * from public.promoter_summary($1)', [ids.orgA]],
    ['select * from public.promoter_group_performance($1)', [ids.orgA]],
    ['select * from public.event_performance($1)', [ids.orgA]],
    ['select * from public.promoter_sales_timeseries($1, $2, $3)', [ids.promoters.maya, '2026-01-01', '2026-01-31']],
  ];
  it.each<[string, Persona, string]>([
    ['an owner of another organization', people.ownerB, 'not_authorized'],
    ['a user without organization', people.loner, 'not_authorized'],
    ['an anonymous attendee', anonymous, 'permission denied'],
  ])('refuses %s', async (_name, persona, expected) => {
    await inRollback(testDb.db, async (s) => {
      await s.as(persona);
      for (const [sql, params] of calls) {
        const error = await s.refused(sql, params);
        expect(error.code).toBe('42501');
        expect(error.message).toContain(expected);
      }
    });
  });

  it('refuses an unknown promoter for the time series as not authorized', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      expect((await s.refused('select * from public.promoter_sales_timeseries($1, $2, $3)', [randomUUID(), '2026-01-01', '2026-01-02'])).message).toBe(
        'not_authorized',
      );
    });
  });
});

/**
 * A month of backdated visits and orders in bulk, live checkouts with and without
 * tokens, refunds of a third of the orders and a promoter deletion: every path that
 * changes the rollups.
 */
async function buildHistory(s: PersonaTx): Promise<void> {
  await s.asOwner();
  await s.rows('select setseed(0.25)');
  // Thirty days of backdated visits and orders, written in bulk like an import.
  await s.rows(
    `insert into public.promoter_visits (organization_id, event_id, promoter_id, session_id, token, visited_at)
     select ep.organization_id, ep.event_id, ep.promoter_id, gen_random_uuid(), md5(random()::text || g::text),
            now() - make_interval(days => (random() * 30)::int, hours => (random() * 23)::int)
     from public.event_promoters ep cross join generate_series(1, 40) g`,
  );
  await s.rows(
    `with picked as (
       select v.*, gen_random_uuid() as order_id, 1 + (random() * 3)::int as qty, v.visited_at + interval '10 minutes' as at
       from public.promoter_visits v where random() < 0.3
     ), orders as (
       insert into public.orders (id, organization_id, event_id, reference, buyer_name, buyer_email, currency, total_minor, ticket_count, idempotency_key, created_at)
       select p.order_id, p.organization_id, p.event_id, 'PL-' || upper(substr(md5(p.order_id::text), 1, 8)), 'Buyer', 'b@example.net',
              e.currency, p.qty * 1000, p.qty, gen_random_uuid(), p.at
       from picked p join public.events e on e.id = p.event_id
       returning id
     )
     insert into public.attributions (organization_id, order_id, promoter_id, event_id, visit_id, created_at)
     select p.organization_id, p.order_id, p.promoter_id, p.event_id, p.id, p.at from picked p`,
  );
  // Live sales through checkout, with and without tokens.
  await s.as(anonymous);
  for (let i = 0; i < 5; i += 1) {
    const token = await track(s, slugs.aLive, i % 2 ? 'MAYA' : 'JONAS10', randomUUID());
    await checkout(s, { token, items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 1 + i }] });
  }
  await checkout(s);
  // Refunds of a third of the orders, then the deletion of a promoter.
  await s.asOwner();
  const toRefund = await s.rows<{ id: string }>(`select id from public.orders order by id limit (select count(*) / 3 from public.orders)`);
  await s.as(people.adminA);
  for (const { id } of toRefund) {
    const org = await s.rows('select organization_id from public.orders where id = $1', [id]);
    if (org.length) await s.rows('select public.refund_order($1)', [id]);
  }
  await s.as(people.ownerB);
  for (const { id } of toRefund) {
    const org = await s.rows('select organization_id from public.orders where id = $1', [id]);
    if (org.length) await s.rows('select public.refund_order($1)', [id]);
  }
  await s.as(people.ownerA);
  const request = await s.value<{ token: string }>('select public.request_promoter_deletion($1)', [ids.promoters.jonas]);
  await s.rows('select public.confirm_promoter_deletion($1, $2, $3)', [ids.promoters.jonas, request.token, 'jonas10']);
  await s.asOwner();
  expect(await s.value<number>(`select count(*)::int from public.orders where status = 'refunded'`)).toBeGreaterThan(10);
}

describe('rollups', () => {
  it('equal a recomputation from the raw orders and visits after sales, refunds and a deletion', async () => {
    await inRollback(testDb.db, async (s) => {
      await buildHistory(s);
      await expectRollupsMatchRawData(s);
    });
  });

  it('give the same all-time figures as a date range covering the whole history', async () => {
    await inRollback(testDb.db, async (s) => {
      await buildHistory(s);
      const full = ['2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z'];
      for (const [owner, organization] of [
        [people.ownerA, ids.orgA],
        [people.ownerB, ids.orgB],
      ] as const) {
        await s.as(owner);
        // More than five calls in the session, so a cached generic plan would show too.
        for (let i = 0; i < 7; i += 1) {
          const allTime = await s.rows('select * from public.promoter_performance($1)', [organization]);
          const dated = await s.rows('select * from public.promoter_performance($1, $2, $3)', [organization, ...full]);
          expect(allTime.length).toBeGreaterThan(0);
          expect(allTime).toEqual(dated);
          expect(allTime.some((r) => Number(r.revenue_minor) > 0)).toBe(true);
        }
        const group = (await s.rows('select id from public.promoter_groups where organization_id = $1 order by id limit 1', [organization]))[0]?.id;
        for (const args of [[null, null], [group ?? null, null], [null, 'a']]) {
          expect(await s.rows('select * from public.promoter_performance($1, null, null, $2, $3)', [organization, ...args])).toEqual(
            await s.rows('select * from public.promoter_performance($1, $2, $3, $4, $5)', [organization, ...full, ...args]),
          );
          expect(await s.rows('select * from public.promoter_summary($1, null, null, $2, $3)', [organization, ...args])).toEqual(
            await s.rows('select * from public.promoter_summary($1, $2, $3, $4, $5)', [organization, ...full, ...args]),
          );
        }
        const groupsAllTime = await s.rows('select * from public.promoter_group_performance($1)', [organization]);
        expect(groupsAllTime).toEqual(await s.rows('select * from public.promoter_group_performance($1, $2, $3)', [organization, ...full]));
      }
    });
  });

  it('plans the dashboard functions for each call and spreads one event\'s orders over several shards', async () => {
    await inRollback(testDb.db, async (s) => {
      await buildHistory(s);
      const configs = await s.rows<{ proname: string; config: string[] | null }>(
        `select proname::text, proconfig as config from pg_proc
         where pronamespace = 'public'::regnamespace
           and proname in ('promoter_performance', 'promoter_summary', 'promoter_group_performance',
                           'promoter_sales_timeseries', 'event_performance')
         order by proname`,
      );
      expect(configs.map((c) => c.proname)).toEqual([
        'event_performance',
        'promoter_group_performance',
        'promoter_performance',
        'promoter_sales_timeseries',
        'promoter_summary',
      ]);
      for (const c of configs) expect(c.config).toContain('plan_cache_mode=force_custom_plan');
      // The busiest event's paid orders are counted in more than one shard row.
      expect(
        await s.value<number>(
          `select max(n)::int from (select event_id, count(*) as n from private.event_stats where orders > 0 group by 1) x`,
        ),
      ).toBeGreaterThan(1);
    });
  });
});
