/**
 * The dashboard reads rollups kept by triggers; this compares them with the rollups the
 * database rebuilds from the raw orders, attributions and visits
 * (private.rebuild_rollups(), the one from-scratch definition the bench uses too).
 * The rebuild runs under a savepoint that is rolled back, so the live rollups stay.
 */
import { expect } from 'vitest';
import type { Row } from '../../../supabase/emulator/database.ts';
import type { PersonaTx } from './personas.ts';

const DAILY = 'organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders, visits, self_tickets, self_revenue_minor, self_orders';
const EVENTS = 'event_id, shard, organization_id, tickets, revenue_minor, orders, attributed_tickets, attributed_revenue_minor, self_attributed_tickets, self_attributed_revenue_minor';
const TOTALS = 'promoter_id, organization_id, tickets, revenue_minor, orders, visits, self_tickets, self_revenue_minor, self_orders';
const NONZERO = 'tickets <> 0 or revenue_minor <> 0 or orders <> 0';

/** `figure <> 0 or …` for every figure column, so a row with any figure left over is compared. */
const anyFigure = (figures: string) =>
  figures
    .split(', ')
    .map((figure) => `${figure} <> 0`)
    .join(' or ');

/**
 * Each rollup table, its columns, and which of its rows count: those with any figure
 * other than zero (the triggers leave a refunded day at zero; a rebuild has no such row).
 */
const ROLLUPS = [
  { table: 'private.promoter_daily_stats', columns: DAILY, counted: anyFigure('tickets, revenue_minor, orders, visits, self_tickets, self_revenue_minor, self_orders') },
  { table: 'private.promoter_totals', columns: TOTALS, counted: anyFigure('tickets, revenue_minor, orders, visits, self_tickets, self_revenue_minor, self_orders') },
  {
    table: 'private.event_stats',
    columns: EVENTS,
    counted: anyFigure('tickets, revenue_minor, orders, attributed_tickets, attributed_revenue_minor, self_attributed_tickets, self_attributed_revenue_minor'),
  },
];

/**
 * The rows in which the live rollups and a rebuild from raw rows differ, each labelled
 * with its table and side ("live" or "rebuilt"); [] when they agree. Runs as the owner.
 */
export async function rollupDifferences(s: PersonaTx): Promise<Row[]> {
  await s.asOwner();
  await s.rows('savepoint rollup_check');
  try {
    for (const [index, { table, columns, counted }] of ROLLUPS.entries()) {
      await s.rows(`create temp table live_rollup_${index} on commit drop as select ${columns} from ${table} where ${counted}`);
    }
    await s.rows('select private.rebuild_rollups()');
    const differences: Row[] = [];
    for (const [index, { table, columns, counted }] of ROLLUPS.entries()) {
      const live = `live_rollup_${index}`;
      differences.push(
        ...(await s.rows(
          `(select '${table}' as rollup, 'live' as side, ${columns} from ${live}
            except all select '${table}', 'live', ${columns} from ${table} where ${counted})
           union all
           (select '${table}', 'rebuilt', ${columns} from ${table} where ${counted}
            except all select '${table}', 'rebuilt', ${columns} from ${live})`,
        )),
      );
    }
    return differences;
  } finally {
    await s.rows('rollback to savepoint rollup_check');
  }
}

export async function expectRollupsMatchRawData(s: PersonaTx): Promise<void> {
  await s.asOwner();
  expect(await s.value<number>(`select count(*)::int from private.promoter_daily_stats where ${NONZERO} or visits <> 0`)).toBeGreaterThan(20);
  expect(await s.value<number>(`select count(*)::int from private.promoter_totals where ${NONZERO} or visits <> 0`)).toBeGreaterThanOrEqual(2);
  expect(await rollupDifferences(s)).toEqual([]);
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
