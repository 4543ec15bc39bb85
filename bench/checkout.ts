/**
 * Checkout throughput: over the emulator's HTTP API (what attendees' browsers do), the
 * same function called directly in SQL, and pgbench's TPC-B on the same server as the
 * yardstick for "what this Postgres can do".
 *
 * Every checkout buys one ticket of one of four ticket types (capacity 1,000,000 each,
 * so nothing sells out) with a fresh idempotency key and a valid attribution token, so
 * each one takes the full path: lock, order, item, ticket count, attribution, rollup
 * triggers, and the realtime broadcast after commit.
 */
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import WebSocket from 'ws';
import { BENCH_PASSWORD, type DatasetIds } from './generate.ts';
import { runLoad, type HttpTarget, type LoadResult } from './lib/http-load.ts';
import { startCpuProbe } from './lib/proc.ts';
import { distribution, now } from './lib/stats.ts';
import { withDatabase } from './datasets.ts';

export interface CheckoutFixture {
  slug: string;
  ticketTypeIds: string[];
  tokens: string[];
  eventId: string;
}

export function benchClient(target: HttpTarget, transport: new (address: string, protocols?: string | string[]) => WebSocket = WebSocket): SupabaseClient {
  return createClient(target.url, target.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: transport as unknown as typeof globalThis.WebSocket },
  });
}

/**
 * A fresh published event in the checkout organization, made through the API as its
 * owner, with attribution tokens from track_promoter_visit as anonymous visitors do.
 */
export async function prepareCheckoutEvent(
  target: HttpTarget,
  ids: DatasetIds,
  label: string,
  tokens = 200,
  ticketTypes: { count: number; capacity: number } = { count: 4, capacity: 1_000_000 },
): Promise<CheckoutFixture> {
  const owner = benchClient(target);
  const signIn = await owner.auth.signInWithPassword({ email: ids.checkoutOwnerEmail, password: BENCH_PASSWORD });
  if (signIn.error) throw new Error(`Sign-in as ${ids.checkoutOwnerEmail} failed: ${signIn.error.message}`);
  const slug = `bench-${label}-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  const startsAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const event = await owner
    .from('events')
    .insert({ organization_id: ids.checkoutOrganizationId, slug, name: `Checkout bench ${label}`, starts_at: startsAt, status: 'published' })
    .select('id')
    .single();
  if (event.error) throw new Error(`Could not create the checkout event: ${event.error.message}`);
  const eventId = (event.data as { id: string }).id;
  const types = await owner
    .from('ticket_types')
    .insert(
      Array.from({ length: ticketTypes.count }, (_, i) => ({
        organization_id: ids.checkoutOrganizationId,
        event_id: eventId,
        name: `Tier ${i + 1}`,
        price_minor: 1500 + i * 1000,
        capacity: ticketTypes.capacity,
        sort_order: i,
      })),
    )
    .select('id');
  if (types.error) throw new Error(`Could not create ticket types: ${types.error.message}`);
  const links = await owner.from('event_promoters').insert(
    ids.checkoutPromoters.map((p) => ({ organization_id: ids.checkoutOrganizationId, event_id: eventId, promoter_id: p.id, active: true })),
  );
  if (links.error) throw new Error(`Could not create tracking links: ${links.error.message}`);
  await owner.auth.signOut();

  const anon = benchClient(target);
  const collected: string[] = [];
  for (let i = 0; i < tokens; i++) {
    const promoter = ids.checkoutPromoters[i % ids.checkoutPromoters.length];
    const { data, error } = await anon.rpc('track_promoter_visit', {
      p_event_slug: slug,
      p_promo_code: promoter.code,
      p_session_id: randomUUID(),
    });
    if (error || typeof data !== 'string') throw new Error(`track_promoter_visit gave no token: ${error?.message ?? data}`);
    collected.push(data);
  }
  return { slug, eventId, ticketTypeIds: (types.data as { id: string }[]).map((t) => t.id), tokens: collected };
}

export function checkoutArgs(fixture: CheckoutFixture): Record<string, unknown> {
  const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)];
  return {
    p_event_slug: fixture.slug,
    p_items: [{ ticket_type_id: pick(fixture.ticketTypeIds), quantity: 1 }],
    p_buyer_name: 'Bench Buyer',
    p_buyer_email: 'bench.buyer@example.com',
    p_idempotency_key: randomUUID(),
    p_attribution_token: pick(fixture.tokens),
  };
}

export interface PhaseResult extends LoadResult {
  cpu: Record<string, number | undefined>;
}

export interface CpuGroups {
  [label: string]: number | { name: string };
}

export async function httpCheckoutLoad(
  target: HttpTarget,
  fixture: CheckoutFixture,
  clients: number,
  durationMs: number,
  cpuGroups: CpuGroups,
  onWindow?: (phase: 'start' | 'end') => void,
): Promise<PhaseResult> {
  let probe: ReturnType<typeof startCpuProbe> | undefined;
  let cpu: Record<string, number | undefined> = {};
  const result = await runLoad(target, {
    clients,
    warmupMs: 1500,
    durationMs,
    request: () => ({ path: '/rest/v1/rpc/checkout', body: JSON.stringify(checkoutArgs(fixture)) }),
    onWindow: async (phase) => {
      onWindow?.(phase);
      if (phase === 'start') probe = startCpuProbe(cpuGroups);
      else if (probe) cpu = await (await probe).stop();
    },
  });
  return { ...result, cpu };
}

/** checkout() called in SQL by `connections` sessions acting as the anon role, as PostgREST would. */
export async function sqlCheckoutLoad(
  databaseUrl: string,
  fixture: CheckoutFixture,
  connections: number,
  durationMs: number,
  cpuGroups: CpuGroups,
): Promise<PhaseResult> {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`set role anon; select set_config('request.jwt.claims', '{"role":"anon"}', false)`);
      return client;
    }),
  );
  const sql = 'select public.checkout($1, $2::jsonb, $3, $4, $5::uuid, $6) as result';
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const warmupEnd = now() + 1500;
  const end = warmupEnd + durationMs;
  let probe: ReturnType<typeof startCpuProbe> | undefined;
  let cpu: Record<string, number | undefined> = {};
  const probeTimer = setTimeout(() => (probe = startCpuProbe(cpuGroups)), 1500);
  const probeEnd = new Promise<void>((resolve) =>
    setTimeout(async () => {
      if (probe) cpu = await (await probe).stop();
      resolve();
    }, 1500 + durationMs),
  );
  await Promise.all(
    clients.map(async (client) => {
      while (now() < end) {
        const a = checkoutArgs(fixture);
        const sent = now();
        try {
          await client.query(sql, [
            a.p_event_slug,
            JSON.stringify(a.p_items),
            a.p_buyer_name,
            a.p_buyer_email,
            a.p_idempotency_key,
            a.p_attribution_token,
          ]);
          const received = now();
          if (sent >= warmupEnd && received <= end) {
            ok++;
            latencies.push(received - sent);
          }
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  clearTimeout(probeTimer);
  await probeEnd;
  await Promise.all(clients.map((c) => c.end()));
  return { ok, errors, latencies, throughput: ok / (durationMs / 1000), firstError, cpu };
}

export interface PgbenchResult {
  tps: number;
  latencyAverageMs: number;
  initSeconds?: number;
  output: string;
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

export const PGBENCH_DATABASE = 'pl_bench_pgbench';

/** libpq environment for pgbench from a connection URL. */
export function pgbenchEnv(adminUrl: string): NodeJS.ProcessEnv {
  const url = new URL(adminUrl);
  return {
    ...process.env,
    PGHOST: url.hostname,
    PGPORT: url.port || '5432',
    PGUSER: decodeURIComponent(url.username),
    PGPASSWORD: decodeURIComponent(url.password),
  };
}

/** pgbench's built-in TPC-B (scale 10, 10 clients, 2 threads) in its own database. */
export async function pgbench(adminUrl: string, pgbenchPath: string, durationSeconds: number): Promise<PgbenchResult> {
  const database = PGBENCH_DATABASE;
  const env = pgbenchEnv(adminUrl);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let initSeconds: number | undefined;
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [database]);
    let initialized = false;
    if (exists.rows.length) {
      const check = new pg.Client({ connectionString: withDatabase(adminUrl, database) });
      await check.connect();
      initialized = await check
        .query<{ n: number }>('select count(*)::int as n from pgbench_branches')
        .then((r) => r.rows[0].n === 10)
        .catch(() => false);
      await check.end();
    } else {
      await admin.query(`create database ${database}`);
    }
    if (!initialized) {
      const started = now();
      const init = await run(pgbenchPath, ['-i', '-s', '10', '-q', database], env);
      if (init.code !== 0) throw new Error(`pgbench -i failed: ${init.output.slice(-500)}`);
      initSeconds = (now() - started) / 1000;
    }
  } finally {
    await admin.end();
  }
  const result = await run(pgbenchPath, ['-c', '10', '-j', '2', '-T', String(durationSeconds), database], env);
  if (result.code !== 0) throw new Error(`pgbench failed: ${result.output.slice(-500)}`);
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(result.output)?.[1]);
  const latency = Number(/latency average = ([\d.]+) ms/.exec(result.output)?.[1]);
  return { tps, latencyAverageMs: latency, initSeconds, output: result.output };
}

export function summarize(result: LoadResult): { p50: number; p95: number } {
  const d = distribution(result.latencies);
  return { p50: d.p50, p95: d.p95 };
}
