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
}

export function dashboardQueries(ids: DatasetIds): DashboardQuery[] {
  return [
    {
      name: 'promoter_performance (all time)',
      sql: 'select * from public.promoter_performance($1)',
      params: [ids.organizationId],
    },
    {
      name: 'promoter_performance (last 30 days)',
      sql: `select * from public.promoter_performance($1, now() - interval '30 days', now())`,
      params: [ids.organizationId],
    },
    {
      name: 'promoter_summary (all time)',
      sql: 'select * from public.promoter_summary($1)',
      params: [ids.organizationId],
    },
    {
      name: 'promoter_group_performance (all time)',
      sql: 'select * from public.promoter_group_performance($1)',
      params: [ids.organizationId],
    },
    {
      name: 'promoter_sales_timeseries (90 days)',
      sql: `select * from public.promoter_sales_timeseries($1, current_date - 89, current_date)`,
      params: [ids.topPromoterId],
    },
  ];
}

function claims(ids: DatasetIds): string {
  return JSON.stringify({ sub: ids.ownerUserId, role: 'authenticated', aud: 'authenticated', email: ids.ownerEmail });
}

const AS_MEMBER =
  `select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true),` +
  ` set_config('request.jwt.claim.sub', $2, true), set_config('request.jwt.claim.role', 'authenticated', true)`;

export interface DashboardSamples {
  query: DashboardQuery;
  samples: number[];
  rows: number;
}

/** Runs each query `warmup` times unmeasured, then until `reps` samples or `budgetMs` is spent (at least 5). */
export async function measureDashboard(
  db: Database,
  ids: DatasetIds,
  options: { reps: number; budgetMs: number; warmup: number },
): Promise<DashboardSamples[]> {
  const results: DashboardSamples[] = [];
  for (const query of dashboardQueries(ids)) {
    const samples: number[] = [];
    let rows = 0;
    const once = () =>
      db.transaction(
        async (tx) => {
          await tx.query(AS_MEMBER, [claims(ids), ids.ownerUserId]);
          const started = now();
          const result = await tx.query(query.sql, query.params);
          const elapsed = now() - started;
          rows = result.rows.length;
          return elapsed;
        },
        { readOnly: true },
      );
    for (let i = 0; i < options.warmup; i++) await once();
    const started = now();
    while (samples.length < options.reps && (samples.length < 5 || now() - started < options.budgetMs)) {
      samples.push(await once());
    }
    results.push({ query, samples, rows });
  }
  return results;
}

/** EXPLAIN (ANALYZE, BUFFERS) of every statement each function runs, via auto_explain. */
export async function explainDashboard(databaseUrl: string, ids: DatasetIds): Promise<{ name: string; plans: string[] }[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const notices: string[] = [];
  client.on('notice', (notice) => notices.push(notice.message ?? ''));
  const out: { name: string; plans: string[] }[] = [];
  try {
    await client.query(`
      load 'auto_explain';
      set auto_explain.log_min_duration = 0;
      set auto_explain.log_analyze = on;
      set auto_explain.log_buffers = on;
      set auto_explain.log_timing = on;
      set auto_explain.log_nested_statements = on;
      set auto_explain.log_level = notice;
    `);
    for (const query of dashboardQueries(ids)) {
      await client.query('begin read only');
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
