/**
 * The dashboard reads rollups kept by triggers; this compares them with the rollups the
 * database rebuilds from the raw orders, attributions and visits
 * (private.rebuild_rollups(), the one from-scratch definition the bench uses too).
 * The rebuild runs under a savepoint that is rolled back, so the live rollups stay.
 */
import { expect } from 'vitest';
import type { PersonaTx } from './personas.ts';

const DAILY = 'organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders, visits, self_tickets, self_revenue_minor, self_orders';
const EVENTS = 'event_id, shard, organization_id, tickets, revenue_minor, orders, attributed_tickets, attributed_revenue_minor, self_attributed_tickets, self_attributed_revenue_minor';
const TOTALS = 'promoter_id, organization_id, tickets, revenue_minor, orders, visits, self_tickets, self_revenue_minor, self_orders';
const NONZERO = 'tickets <> 0 or revenue_minor <> 0 or orders <> 0';

export async function expectRollupsMatchRawData(s: PersonaTx): Promise<void> {
  await s.asOwner();
  await s.rows('savepoint rollup_check');
  try {
    // Rows the triggers left at zero (a refunded day) are absent from a rebuild.
    await s.rows(`create temp table live_daily on commit drop as select ${DAILY} from private.promoter_daily_stats where ${NONZERO} or visits <> 0`);
    await s.rows(`create temp table live_events on commit drop as select ${EVENTS} from private.event_stats where ${NONZERO}`);
    await s.rows(`create temp table live_totals on commit drop as select ${TOTALS} from private.promoter_totals where ${NONZERO} or visits <> 0`);
    expect(await s.value<number>('select count(*)::int from live_daily')).toBeGreaterThan(20);
    expect(await s.value<number>('select count(*)::int from live_totals')).toBeGreaterThanOrEqual(2);

    await s.rows('select private.rebuild_rollups()');
    const differences = async (columns: string, live: string, table: string, filter: string) =>
      s.rows(
        `(select 'live' as side, ${columns} from ${live} except all select 'live', ${columns} from ${table} where ${filter})
         union all
         (select 'rebuilt', ${columns} from ${table} where ${filter} except all select 'rebuilt', ${columns} from ${live})`,
      );
    expect(await differences(DAILY, 'live_daily', 'private.promoter_daily_stats', `${NONZERO} or visits <> 0`)).toEqual([]);
    expect(await differences(TOTALS, 'live_totals', 'private.promoter_totals', `${NONZERO} or visits <> 0`)).toEqual([]);
    expect(await differences(EVENTS, 'live_events', 'private.event_stats', NONZERO)).toEqual([]);
  } finally {
    await s.rows('rollback to savepoint rollup_check');
  }
  // Every totals row belongs to its promoter's organization.
  expect(
    await s.value(
      `select count(*)::int from private.promoter_totals t join public.promoters p on p.id = t.promoter_id
       where p.organization_id <> t.organization_id`,
    ),
  ).toBe(0);
  // Orders land in their own shard only.
  expect(await s.value(`select count(*)::int from private.event_stats where shard not between 0 and 7`)).toBe(0);
}
