/**
 * Dashboard cost: the reading functions the organizer's dashboard calls, run as a
 * member of the organization exactly as the REST layer runs them (role authenticated
 * and the JWT claims set for the transaction), timed around the query alone.
 *
 * On Postgres the plans of the statements inside the functions are captured with
 * auto_explain (nested statements, ANALYZE + BUFFERS) sent to the client as NOTICEs.
 */
import pg from 'pg';
import type { Database } from '../supabase/emulator/database.ts';
import type { DatasetIds } from './generate.ts';
import { now } from './lib/stats.ts';

export interface DashboardQuery {
  name: string;
  sql: string;
  params: unknown[];
  /** Counts the rollup rows the call reads (same parameters): its work, whatever the order count. */
  rollupRowsSql: string;
}

const ALL_TIME_ROWS = 'select count(*)::int as n from private.promoter_totals where organization_id = $1';

export function dashboardQueries(ids: DatasetIds): DashboardQuery[] {
  return [
    {
      name: 'promoter_performance (all time)',
      sql: 'select * from public.promoter_performance($1)',
      params: [ids.organizationId],
      rollupRowsSql: ALL_TIME_ROWS,
    },
    {
      // The dashboard's default range: today and the 29 days before, open-ended.
      name: 'promoter_performance (last 30 days, the default)',
      sql: `select * from public.promoter_performance($1, date_trunc('day', now()) - interval '29 days')`,
      params: [ids.organizationId],
      rollupRowsSql: `select count(*)::int as n from private.promoter_daily_stats where organization_id = $1 and day >= date_trunc('day', now()) - interval '29 days'`,
    },
    {
      name: 'promoter_summary (all time)',
      sql: 'select * from public.promoter_summary($1)',
      params: [ids.organizationId],
      rollupRowsSql: ALL_TIME_ROWS,
    },
    {
      name: 'promoter_group_performance (all time)',
      sql: 'select * from public.promoter_group_performance($1)',
      params: [ids.organizationId],
      rollupRowsSql: ALL_TIME_ROWS,
    },
    {
      name: 'promoter_sales_timeseries (90 days)',
      sql: `select * from public.promoter_sales_timeseries($1, current_date - 89, current_date)`,
      params: [ids.topPromoterId],
      rollupRowsSql: 'select count(*)::int as n from private.promoter_daily_stats where promoter_id = $1 and day between current_date - 89 and current_date',
    },
  ];
}

/** Rollup rows each dashboard query reads, in dashboardQueries' order (as the superuser, no RLS). */
export async function rollupRowsRead(db: Database, ids: DatasetIds): Promise<number[]> {
  const counts: number[] = [];
  for (const query of dashboardQueries(ids)) {
    const { rows } = await db.query<{ n: number }>(query.rollupRowsSql, query.params);
    counts.push(rows[0].n);
  }
  return counts;
}

function claims(ids: DatasetIds): string {
  return JSON.stringify({ sub: ids.ownerUserId, role: 'authenticated', aud: 'authenticated', email: ids.ownerEmail });
}

const AS_MEMBER =
  `select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true),` +
  ` set_config('request.jwt.claim.sub', $2, true), set_config('request.jwt.claim.role', 'authenticated', true)`;

/**
 * Warm-up calls per query before measuring. Postgres caches the plans of the statements
 * inside a PL/pgSQL function per session and, after five executions, may switch to a
 * generic plan; six calls first means the figures show the plan a long-lived pooled
 * connection (PostgREST's, the emulator's) settles on.
 */
export const WARMUP_CALLS = 6;

export interface DashboardSamples {
  query: DashboardQuery;
  samples: number[];
  rows: number;
}

/**
 * Runs each query WARMUP_CALLS times unmeasured, then until `reps` samples or
 * `budgetMs` is spent (at least 5). `forceCustomPlan` sets plan_cache_mode =
 * force_custom_plan for the calls: the plans are then made for the actual arguments
 * every time (what `alter function … set plan_cache_mode` would do).
 */
export async function measureDashboard(
  db: Database,
  ids: DatasetIds,
  options: { reps: number; budgetMs: number; forceCustomPlan?: boolean },
): Promise<DashboardSamples[]> {
  const results: DashboardSamples[] = [];
  for (const query of dashboardQueries(ids)) {
    const samples: number[] = [];
    let rows = 0;
    const once = () =>
      db.transaction(
        async (tx) => {
          await tx.query(AS_MEMBER, [claims(ids), ids.ownerUserId]);
          if (options.forceCustomPlan) await tx.query(`select set_config('plan_cache_mode', 'force_custom_plan', true)`);
          const started = now();
          const result = await tx.query(query.sql, query.params);
          const elapsed = now() - started;
          rows = result.rows.length;
          return elapsed;
        },
        { readOnly: true },
      );
    for (let i = 0; i < WARMUP_CALLS; i++) await once();
    const started = now();
    while (samples.length < options.reps && (samples.length < 5 || now() - started < options.budgetMs)) {
      samples.push(await once());
    }
    results.push({ query, samples, rows });
  }
  return results;
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of every statement each function runs, via auto_explain,
 * after the same warm-up as the measurements (so these are the plans measured).
 */
export async function explainDashboard(databaseUrl: string, ids: DatasetIds): Promise<{ name: string; plans: string[] }[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const notices: string[] = [];
  client.on('notice', (notice) => notices.push(notice.message ?? ''));
  const out: { name: string; plans: string[] }[] = [];
  try {
    await client.query(`
      load 'auto_explain';
      set auto_explain.log_min_duration = -1;
      set auto_explain.log_analyze = on;
      set auto_explain.log_buffers = on;
      set auto_explain.log_timing = on;
      set auto_explain.log_nested_statements = on;
      set auto_explain.log_level = notice;
    `);
    for (const query of dashboardQueries(ids)) {
      await client.query('begin read only');
      await client.query(AS_MEMBER, [claims(ids), ids.ownerUserId]);
      for (let i = 0; i < WARMUP_CALLS; i++) await client.query(query.sql, query.params);
      // Back to the session's superuser for a moment: auto_explain settings are superuser-only.
      await client.query(`reset role; set local auto_explain.log_min_duration = 0`);
      await client.query(AS_MEMBER, [claims(ids), ids.ownerUserId]);
      notices.length = 0;
      await client.query(query.sql, query.params);
      await client.query('rollback');
      // The set_config statement of AS_MEMBER is logged too; keep only the function's statements.
      out.push({ name: query.name, plans: notices.filter((n) => !n.includes('set_config(')) });
    }
  } finally {
    await client.end();
  }
  return out;
}
