/**
 * `npm run bench`: every speed and memory figure of the project in one run, printed as
 * a table and written to bench/RESULTS.md. Figures are observations and ratios measured
 * side by side on one machine, never pass/fail assertions.
 *
 *   DATABASE_URL=postgres://postgres:…@localhost:5432/postgres npm run bench
 *       Postgres figures (data sets of 10,000 and 1,000,000 orders, generated once and
 *       reused while schema and generator are unchanged) plus the embedded comparison.
 *   npm run bench
 *       Embedded only (PGlite), at the 10,000-order scale.
 *
 * Options: --regenerate (rebuild the data sets), --quick (3 s load windows, for trying
 * the harness), --only=<sections> (comma list of: checkout, hot, dashboard, realtime,
 * embedded, spa, lighthouse, memory), --large 100k (a 100,000-order large data set, for trying).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { openDatabase } from '../supabase/emulator/database.ts';
import { DEFAULT_JWT_SECRET, createProjectKeys } from '../supabase/emulator/jwt.ts';
import { httpCheckoutLoad, pgbench, prepareCheckoutEvent, sqlCheckoutLoad, type CheckoutFixture, type PhaseResult } from './checkout.ts';
import { WARMUP_CALLS, explainDashboard, measureDashboard, rollupRowsRead, type DashboardSamples } from './dashboard.ts';
import { openPostgresDataset, openPGliteDataset, pgliteDump, type Dataset } from './datasets.ts';
import { SCALES, datasetIds, type DatasetIds } from './generate.ts';
import { startCliEmulator, startEmulatorProcess, type EmulatorProcess } from './lib/emulator-process.ts';
import { describeMachine } from './lib/machine.ts';
import { coresLimit, cpuPerRequest, lighthouseLimit, memoryLimit, packagesLimit, requestTimeSplit, rollupRowsLimit } from './lib/limits.ts';
import { memoryOf, memorySplitOf, sampleRss, startCpuProbe } from './lib/proc.ts';
import { MissingLimitError, Report, renderMarkdown, renderTable, verdict } from './lib/report.ts';
import { bytes, distribution, ms, now, ratio, sleep } from './lib/stats.ts';
import { pgbenchOneRow, sellOut, soldCheck } from './hot.ts';
import { measureRealtime, type PhaseResult as RealtimePhase } from './realtime.ts';
import { PROMOTER_LINK, measureLighthouse } from './lighthouse.ts';
import { buildAndWeigh, measureDashboardLoad, spaOutDir, type BundleResult } from './spa.ts';
import { measureStaticServing, servingProblems } from './static-serving.ts';

const PGBENCH = '/usr/bin/pgbench';
const CHROMIUM = '/usr/bin/chromium';
const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const SECTIONS = ['checkout', 'hot', 'dashboard', 'realtime', 'embedded', 'spa', 'lighthouse', 'memory'] as const;
/** Page-weight budgets of the first load (issue 14 §1, §6): gzipped JS, entry plus the route's chunks. */
const ROUTE_BUDGETS: Record<string, number> = {
  'event page (promoter link)': 80 * 1024,
  'first dashboard load': 130 * 1024,
};
type Section = (typeof SECTIONS)[number];
/** Issue 14 §4: a dashboard call at 1,000,000 orders takes at most this many times its 10,000-order time. */
const DASHBOARD_GROWTH = 1.2;
const MiB = 1024 * 1024;
/** Issue 14 §5: the emulator's resident memory with the demo data. */
const MEMORY_TARGETS = { idle: 250 * MiB, load: 300 * MiB };
const CORES = os.cpus().length;

const S = {
  data: '1 · Data sets',
  checkout: '2 · Checkout throughput',
  hot: '2b · Hot on-sale (one ticket type)',
  dashboard: '3 · Dashboard cost',
  realtime: '4 · Realtime latency',
  embedded: '5 · Embedded (PGlite) vs Postgres',
  spa: '6 · SPA',
  lighthouse: '6b · Event page (Lighthouse mobile)',
  memory: '7 · Memory',
};

const { values: args } = parseArgs({
  options: {
    regenerate: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    large: { type: 'string', default: '1m' },
  },
  strict: true,
});
const only = new Set<Section>(
  (args.only ? args.only.split(',') : SECTIONS).map((s) => {
    if (!(SECTIONS as readonly string[]).includes(s.trim())) throw new Error(`Unknown section "${s}"; choose from ${SECTIONS.join(', ')}.`);
    return s.trim() as Section;
  }),
);
const windowMs = args.quick ? 3_000 : 10_000;
const largeScale = SCALES[args.large ?? '1m'];
if (!largeScale || largeScale.label === '10k') throw new Error(`--large must be one of 100k, 1m.`);
const largeName = largeScale.label.toUpperCase();
const adminUrl = process.env.DATABASE_URL || undefined;
const report = new Report();
const log = (line: string) => console.log(line);

function rate(value: number): string {
  return `${value.toLocaleString('en-US', { maximumFractionDigits: 0 })} /s`;
}

function cpuNote(cpu: Record<string, number | undefined>): string {
  const parts = Object.entries(cpu)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${v!.toFixed(2)}`);
  return parts.length ? `CPU cores busy: ${parts.join(', ')}` : '';
}

function loadFigure(section: string, name: string, result: PhaseResult, extra = ''): void {
  const d = distribution(result.latencies);
  const notes = [cpuNote(result.cpu), result.errors ? `${result.errors} errors, first: ${result.firstError}` : '', extra].filter(Boolean);
  report.add({
    section,
    name,
    value: rate(result.throughput),
    spread: `p50 ${ms(d.p50)} · p95 ${ms(d.p95)}`,
    verdict: 'info',
    note: notes.join('; '),
  });
}

function cpuGroups(emulator?: EmulatorProcess): Record<string, number | { name: string }> {
  const groups: Record<string, number | { name: string }> = {};
  if (emulator) groups.emulator = emulator.pid;
  if (adminUrl) groups.postgres = { name: 'postgres' };
  groups.bench = process.pid;
  return groups;
}

function datasetFigure(dataset: Dataset): void {
  const s = dataset.scale;
  const generated =
    dataset.generatedSeconds === undefined
      ? 'reused (fingerprint matched)'
      : `generated in ${dataset.generatedSeconds.toFixed(1)} s (${dataset.mode} mode)`;
  const check = dataset.rollupCheck
    ? `; rollups from triggers vs bulk recompute: ${dataset.rollupCheck.dailyDiff + dataset.rollupCheck.eventDiff} differing rows of ${dataset.rollupCheck.dailyRows}`
    : '';
  report.add({
    section: S.data,
    name: `${dataset.engine} ${s.label}`,
    value: `${s.orders.toLocaleString('en-US')} orders, ${s.visits.toLocaleString('en-US')} visits`,
    spread: `${s.promoters.toLocaleString('en-US')} promoters, ${s.events} events, ${s.organizations} orgs`,
    verdict: 'info',
    note: `${generated}${check}; fingerprint ${dataset.fingerprint}`,
  });
}

// Dashboard ------------------------------------------------------------------------------------------
async function dashboardOn(dataset: Dataset, ids: DatasetIds, forceCustomPlan = false): Promise<DashboardSamples[]> {
  return measureDashboard(dataset.db, ids, { reps: 30, budgetMs: 5_000, forceCustomPlan });
}

/** Rollup rows each dashboard query reads, at 10k and at the large scale. */
type RollupRows = { small: number[]; large: number[] };

function dashboardFigures(small: DashboardSamples[], large: DashboardSamples[], rollups: RollupRows, variant = ''): void {
  for (let i = 0; i < small.length; i++) {
    const a = distribution(small[i].samples);
    const b = distribution(large[i].samples);
    const growth = b.p50 / a.p50;
    report.add({
      section: S.dashboard,
      name: `${small[i].query.name}${variant}: ${largeName} ÷ 10k (p50)`,
      value: ratio(growth),
      spread: `p50 ${ms(a.p50)} → ${ms(b.p50)} · p95 ${ms(a.p95)} → ${ms(b.p95)}`,
      reference: `10k p50 ${ms(a.p50)}`,
      target: `≤ ${ratio(DASHBOARD_GROWTH)}`,
      verdict: verdict(growth <= DASHBOARD_GROWTH),
      limit: growth > DASHBOARD_GROWTH ? rollupRowsLimit({ small: rollups.small[i], large: rollups.large[i] }, { small: a, large: b }) : undefined,
      note: `rows returned: ${large[i].rows}; samples: ${a.count}/${b.count}`,
    });
  }
}

function plansAppendix(title: string, plans: { name: string; plans: string[] }[]): void {
  const body = plans
    .map((p) => `### ${p.name}\n\n${p.plans.map((plan) => '```\n' + plan.trim() + '\n```').join('\n\n')}`)
    .join('\n\n');
  report.appendix(title, body);
}

// Checkout over HTTP ------------------------------------------------------------------------------------
async function checkoutLoads(
  emulator: EmulatorProcess,
  fixture: CheckoutFixture,
  clientCounts: number[],
  section: string,
  label: string,
): Promise<Map<number, PhaseResult & { peakRss?: number }>> {
  const results = new Map<number, PhaseResult & { peakRss?: number }>();
  for (const clients of clientCounts) {
    let rss: ReturnType<typeof sampleRss> | undefined;
    const result = await httpCheckoutLoad(emulator, fixture, clients, windowMs, cpuGroups(emulator), (phase) => {
      if (phase === 'start') rss = sampleRss(emulator.pid, 100);
    });
    const peakRss = await rss?.stop();
    results.set(clients, { ...result, peakRss });
    loadFigure(section, `${label}, ${clients} client${clients === 1 ? '' : 's'}`, result, peakRss ? `emulator RSS peak ${bytes(peakRss)}` : '');
  }
  return results;
}

// Sections ----------------------------------------------------------------------------------------------
async function postgresRun(): Promise<void> {
  const url = adminUrl!;
  const small = await openPostgresDataset(url, SCALES['10k'], { regenerate: args.regenerate, log });
  datasetFigure(small);
  if (only.has('hot')) {
    try {
      await hotSection(url, small, datasetIds(SCALES['10k']));
    } catch (error) {
      await small.close();
      throw error;
    }
  }
  if (!['checkout', 'dashboard', 'realtime', 'embedded'].some((s) => only.has(s as Section))) {
    await small.close();
    return;
  }
  const large = await openPostgresDataset(url, largeScale, { regenerate: args.regenerate, log });
  datasetFigure(large);
  const ids = datasetIds(largeScale);
  let pgSmallDashboard: DashboardSamples[] | undefined;

  try {
    if (only.has('dashboard') || only.has('embedded')) {
      log('\n— dashboard (Postgres)');
      pgSmallDashboard = await dashboardOn(small, ids);
    }
    if (only.has('dashboard')) {
      const largeDashboard = await dashboardOn(large, ids);
      const rollups = { small: await rollupRowsRead(small.db, ids), large: await rollupRowsRead(large.db, ids) };
      dashboardFigures(pgSmallDashboard!, largeDashboard, rollups);
      // The same with plans made for the actual arguments on every call.
      dashboardFigures(await dashboardOn(small, ids, true), await dashboardOn(large, ids, true), rollups, ', force_custom_plan');
      plansAppendix(`Plans at ${largeScale.orders.toLocaleString('en-US')} orders (auto_explain, ANALYZE + BUFFERS, statements inside the functions)`, await explainDashboard(large.databaseUrl!, ids));
      plansAppendix('Plans at 10,000 orders', await explainDashboard(small.databaseUrl!, ids));
    }

    if (only.has('checkout') || only.has('realtime')) {
      log(`\n— checkout and realtime (emulator on Postgres, ${largeName} data set)`);
      const emulator = await startEmulatorProcess({ databaseUrl: large.databaseUrl });
      try {
        const fixture = await prepareCheckoutEvent(emulator, ids, 'pg');
        if (only.has('checkout')) {
          await checkoutSection(url, large, emulator, fixture);
        }
        if (only.has('realtime')) await realtimeWithLimit(emulator, ids, 'Postgres, WAL');
      } finally {
        await emulator.stop();
      }
      if (only.has('realtime')) {
        // The same on the NOTIFY path, for comparison in the same run.
        const notifying = await startEmulatorProcess({ databaseUrl: large.databaseUrl, realtimeBroadcasts: 'notify' });
        try {
          await realtimeWithLimit(notifying, ids, 'Postgres, NOTIFY');
        } finally {
          await notifying.stop();
        }
      }
    }

    if (only.has('embedded')) await embeddedComparison(small, ids, pgSmallDashboard!);
  } finally {
    await small.close();
    await large.close();
  }
}

/** Checkout throughput on Postgres: over HTTP, in SQL, with parts of the path switched off, and TPC-B. */
async function checkoutSection(url: string, large: Dataset, emulator: EmulatorProcess, fixture: CheckoutFixture): Promise<void> {
  const idle = await memoryOf(emulator.pid);
  const http = await checkoutLoads(emulator, fixture, [1, 10, 50], S.checkout, 'HTTP checkout (supabase REST rpc)');
  // One connection: the difference to one HTTP client is the emulator's cost per request.
  const sql1 = await sqlCheckoutLoad(large.databaseUrl!, fixture, 1, windowMs, cpuGroups());
  loadFigure(S.checkout, 'checkout() in SQL, 1 connection', sql1);
  const sql = await sqlCheckoutLoad(large.databaseUrl!, fixture, 10, windowMs, cpuGroups());
  loadFigure(S.checkout, 'checkout() in SQL, 10 connections', sql);
  // The same without attribution token: no attribution, rollup or broadcast (and
  // so no NOTIFY), to show what that part of the path costs.
  const unattributed = { ...fixture, tokens: [] };
  const httpPlain = await httpCheckoutLoad(emulator, unattributed, 10, windowMs, cpuGroups(emulator));
  loadFigure(S.checkout, 'HTTP checkout without attribution, 10 clients', httpPlain);
  const sqlPlain = await sqlCheckoutLoad(large.databaseUrl!, unattributed, 10, windowMs, cpuGroups());
  loadFigure(S.checkout, 'checkout() in SQL without attribution, 10 connections', sqlPlain);
  // Attributed again, but with the emulator's NOTIFY trigger on realtime.messages
  // off: isolates what NOTIFY costs (the message row is still written).
  await large.db.exec('alter table realtime.messages disable trigger emulator_notify_message');
  try {
    const sqlQuiet = await sqlCheckoutLoad(large.databaseUrl!, fixture, 10, windowMs, cpuGroups());
    loadFigure(S.checkout, 'checkout() in SQL, 10 connections, NOTIFY trigger off', sqlQuiet);
  } finally {
    await large.db.exec('alter table realtime.messages enable trigger emulator_notify_message');
  }
  log('  pgbench TPC-B…');
  const bench = await pgbench(url, PGBENCH, windowMs / 1000);
  pgbenchFigure(S.checkout, 'pgbench TPC-B, 10 clients, 2 threads, scale 10', bench, bench.initSeconds ? `initialized in ${bench.initSeconds.toFixed(1)} s` : 'reused the initialized pgbench database');
  // Issue 14 judges checkout against pgbench's one-row rate (the hot on-sale section);
  // TPC-B is a second yardstick of the same server, with no target of its own.
  const http10 = http.get(10)!;
  report.add({
    section: S.checkout,
    name: 'HTTP checkout ÷ pgbench TPC-B, 10 clients',
    value: ratio(http10.throughput / bench.tps),
    reference: `TPC-B ${rate(bench.tps)}`,
    verdict: 'info',
    note: `${coresLimit(http10.cpu, CORES)}; ${cpuPerRequest(http10.cpu, http10.throughput, 'checkout')}`,
  });
  report.add({ section: S.checkout, name: 'HTTP checkout ÷ checkout() in SQL, 10 clients', value: ratio(http10.throughput / sql.throughput), reference: `SQL ${rate(sql.throughput)}`, verdict: 'info' });
  const h1 = distribution(http.get(1)!.latencies).p50;
  const s1 = distribution(sql1.latencies).p50;
  report.add({
    section: S.checkout,
    name: 'emulator time per checkout request (1 client: HTTP p50 − SQL p50)',
    value: ms(h1 - s1),
    spread: `${ms(h1)} − ${ms(s1)}`,
    verdict: 'info',
    note: requestTimeSplit(h1, s1),
  });
  report.add({
    section: S.memory,
    name: 'emulator on Postgres: idle → peak under checkout load',
    value: `${bytes(idle?.rss ?? Number.NaN)} → ${bytes(Math.max(...[...http.values()].map((r) => r.peakRss ?? 0)))}`,
    verdict: 'info',
    note: 'RSS of the emulator process (1, 10, 50 clients)',
  });
}

/**
 * The realtime section with the cores busy around it: what limits a missed realtime
 * figure that does not say so itself (the fan-out shares the emulator's one process
 * with the checkouts, and the machine with the subscribed clients).
 */
async function realtimeWithLimit(...args: Parameters<typeof realtimeSection>): Promise<void> {
  const probe = await startCpuProbe(cpuGroups(args[0]));
  await realtimeSection(...args);
  report.limitMissed(S.realtime, `during the realtime section (sign-in, steady sales, burst): ${coresLimit(await probe.stop(), CORES)}`);
}

// Hot on-sale ---------------------------------------------------------------------------------------
const HOT_CAPACITY = 1_000_000;
const SELL_OUT_CAPACITY = 300;

async function hotSection(url: string, dataset: Dataset, ids: DatasetIds): Promise<void> {
  log('\n— hot on-sale (emulator on Postgres, one ticket type, 10k data set)');
  const loadAverage = os.loadavg()[0];
  const emulator = await startEmulatorProcess({ databaseUrl: dataset.databaseUrl });
  let http: Map<number, PhaseResult>;
  let hotType: string;
  try {
    const fixture = await prepareCheckoutEvent(emulator, ids, 'hot', 200, { count: 1, capacity: HOT_CAPACITY });
    hotType = fixture.ticketTypeIds[0];
    http = await checkoutLoads(emulator, fixture, [10, 50], S.hot, 'HTTP checkout with attribution, one ticket type');
    const after = await soldCheck(dataset.databaseUrl!, hotType);
    const counted = after.sold === after.inOrders && after.sold <= after.capacity;
    report.add({
      section: S.hot,
      name: 'after the load: ticket count = tickets in paid orders',
      value: `${after.sold.toLocaleString('en-US')} = ${after.inOrders.toLocaleString('en-US')}`,
      target: 'equal, ≤ capacity',
      verdict: verdict(counted),
      limit: counted ? undefined : `a defect, not a limit: capacity ${after.capacity.toLocaleString('en-US')}`,
    });
    // Sell-out: 50 buyers race for the last tickets of a small ticket type.
    const last = await prepareCheckoutEvent(emulator, ids, 'sellout', 50, { count: 1, capacity: SELL_OUT_CAPACITY });
    const race = await sellOut(emulator, last, 50);
    const sold = await soldCheck(dataset.databaseUrl!, last.ticketTypeIds[0]);
    const exact = race.orders === SELL_OUT_CAPACITY && sold.sold === SELL_OUT_CAPACITY && sold.inOrders === SELL_OUT_CAPACITY && race.errors === 0;
    report.add({
      section: S.hot,
      name: `sell-out: 50 buyers, capacity ${SELL_OUT_CAPACITY}`,
      value: `${race.orders} orders, ${sold.sold} sold, ${sold.inOrders} in orders`,
      target: 'zero oversell',
      verdict: verdict(exact),
      limit: exact ? undefined : `a defect, not a limit: ${race.errors} errors besides sold_out answers`,
      note: `${race.soldOut} sold_out answers${race.errors ? `; ${race.errors} other errors, first: ${race.firstError}` : ''}`,
    });
  } finally {
    await emulator.stop();
  }
  log('  pgbench one-row update…');
  const oneRow = await pgbenchOneRow(url, PGBENCH, windowMs / 1000);
  pgbenchFigure(S.hot, 'pgbench one-row update (set sold = sold + 1 where id = 1), 10 clients', oneRow, `load average at the start of the section ${loadAverage.toFixed(2)}`);
  for (const clients of [10, 50]) hotRatioFigure(clients, http.get(clients)!, oneRow.tps);
}

/** Issue 14 §2: at 10 clients, at least half pgbench's one-row rate with p95 ≤ 100 ms. */
const HOT_TARGET = { clients: 10, share: 0.5, p95Ms: 100 };

function hotRatioFigure(clients: number, result: PhaseResult, oneRowTps: number): void {
  const d = distribution(result.latencies);
  const judged = clients === HOT_TARGET.clients;
  report.add({
    section: S.hot,
    name: `HTTP hot checkout ÷ pgbench one-row, ${clients} clients`,
    value: ratio(result.throughput / oneRowTps),
    spread: `${rate(result.throughput)} · p95 ${ms(d.p95)}`,
    reference: `pgbench one-row ${rate(oneRowTps)}`,
    target: judged ? `≥ ${ratio(HOT_TARGET.share)}, p95 ≤ ${HOT_TARGET.p95Ms} ms` : undefined,
    verdict: judged ? verdict(result.throughput / oneRowTps >= HOT_TARGET.share && d.p95 <= HOT_TARGET.p95Ms) : 'info',
    limit: `${coresLimit(result.cpu, CORES)}; ${cpuPerRequest(result.cpu, result.throughput, 'checkout')}, where pgbench's reference is one statement`,
  });
}

function pgbenchFigure(section: string, name: string, result: { tps: number; latencyAverageMs: number }, note: string): void {
  report.add({ section, name, value: rate(result.tps), spread: `latency avg ${ms(result.latencyAverageMs)}`, verdict: 'info', note });
}

/** Dashboards subscribed at once in the realtime figures (issue 14: 1,000). */
const REALTIME_CLIENTS = 1000;

async function realtimeSection(emulator: EmulatorProcess, ids: DatasetIds, path: string): Promise<void> {
  log(`\n— realtime (${path})`);
  const loadAverage = os.loadavg()[0];
  // No shared tokens: measureRealtime gives every checkout its own visit.
  const fixture = await prepareCheckoutEvent(emulator, ids, 'rt', 0);
  const r = await measureRealtime(emulator, ids, fixture, {
    clients: REALTIME_CLIENTS,
    steadyCheckouts: args.quick ? 20 : 50,
    steadyIntervalMs: 100,
    burstCheckouts: 200,
    burstWindowMs: 1000,
    emulatorPid: emulator.pid,
  });
  const counted = (p: RealtimePhase) =>
    `${p.delivered.toLocaleString('en-US')}/${p.expected.toLocaleString('en-US')} delivered (${p.credited} of ${p.checkouts} checkouts credited, so broadcast${p.failedCheckouts ? `; ${p.failedCheckouts} failed` : ''}); drained ${ms(p.drainMs)} after the last answer`;
  const setting = `${r.clients} clients in ${r.workers} worker threads, signed in and joined in ${ms(r.subscribeMs)}; load average ${loadAverage.toFixed(2)} at the start`;
  report.add({
    section: S.realtime,
    name: `${path}: checkout answered → broadcast received, ${r.clients} clients`,
    value: `p50 ${ms(r.steady.latency.p50)}`,
    spread: `p95 ${ms(r.steady.latency.p95)} · max ${ms(r.steady.latency.max)}`,
    target: 'p95 ≤ 50 ms',
    verdict: verdict(r.steady.latency.p95 <= 50 && r.steady.delivered === r.steady.expected),
    note: `${counted(r.steady)}; one checkout every 100 ms; negative: the broadcast arrived before the HTTP answer. From sending the checkout: p50 ${ms(r.steady.fromSend.p50)}, p95 ${ms(r.steady.fromSend.p95)}. ${setting}`,
  });
  report.add({
    section: S.realtime,
    name: `${path}: broadcast payload (websocket frame)`,
    value: bytes(r.payloadBytes),
    spread: `frame ${bytes(r.frameBytes)}`,
    target: '≤ 500 B payload',
    verdict: verdict(r.payloadBytes <= 500),
  });
  report.add({
    section: S.realtime,
    name: `${path}: burst: ${r.burst.checkouts} checkouts in ${r.burst.sendSeconds.toFixed(2)} s`,
    value: `${r.burst.delivered.toLocaleString('en-US')}/${r.burst.expected.toLocaleString('en-US')} delivered`,
    spread: `from the answer p50 ${ms(r.burst.latency.p50)} · p95 ${ms(r.burst.latency.p95)}; from sending p95 ${ms(r.burst.fromSend.p95)}`,
    verdict: r.burst.delivered === r.burst.expected && r.burst.expected > 0 ? 'info' : 'missed',
    note: `${counted(r.burst)}; max in flight ${r.burst.maxInFlight.toLocaleString('en-US')} messages; emulator RSS ${bytes(r.burst.emulatorRssBefore ?? Number.NaN)} → peak ${bytes(r.burst.emulatorPeakRss ?? Number.NaN)}. ${setting}`,
  });
}

async function embeddedComparison(pgSmall: Dataset | undefined, ids: DatasetIds, pgDashboard: DashboardSamples[] | undefined): Promise<void> {
  log('\n— embedded (PGlite) at 10k');
  // A data directory on disk, as `npm start` keeps one, made afresh from the dump so
  // that every run starts from the same data.
  const dump = await pgliteDump(SCALES['10k'], { regenerate: args.regenerate, log });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pl-bench-pglite-'));
  const clientCounts = pgSmall ? [1, 10] : [1, 10, 50];
  let pgHttp: Map<number, PhaseResult> | undefined;
  let liteHttp: Map<number, PhaseResult & { peakRss?: number }>;
  let liteIdle: number | undefined;
  try {
    const unpack = await openDatabase({ dataDir, loadDataDir: new Blob([new Uint8Array(dump.dump)]) });
    await unpack.close();

    // Checkout over HTTP on both engines with the same 10k data.
    if (pgSmall) {
      const pgEmu = await startEmulatorProcess({ databaseUrl: pgSmall.databaseUrl });
      try {
        const fixture = await prepareCheckoutEvent(pgEmu, ids, 'pg10k');
        pgHttp = await checkoutLoads(pgEmu, fixture, clientCounts, S.embedded, 'Postgres 10k: HTTP checkout');
      } finally {
        await pgEmu.stop();
      }
    }
    const liteEmu = await startEmulatorProcess({ dataDir });
    try {
      await sleep(1000);
      liteIdle = (await memoryOf(liteEmu.pid))?.rss;
      const fixture = await prepareCheckoutEvent(liteEmu, ids, 'lite');
      liteHttp = await checkoutLoads(liteEmu, fixture, clientCounts, S.embedded, 'PGlite 10k: HTTP checkout');
      if (!pgSmall && only.has('realtime')) await realtimeWithLimit(liteEmu, ids, 'PGlite, NOTIFY');
    } finally {
      await liteEmu.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  report.add({
    section: S.memory,
    name: 'emulator on PGlite (data directory) with the 10k data set: idle → peak under checkout load',
    value: `${bytes(liteIdle ?? Number.NaN)} → ${bytes(Math.max(...[...liteHttp.values()].map((r) => r.peakRss ?? 0)))}`,
    verdict: 'info',
  });
  if (pgHttp) {
    for (const clients of clientCounts) {
      const lite = liteHttp.get(clients)!;
      const pgResult = pgHttp.get(clients)!;
      report.add({
        section: S.embedded,
        name: `checkout throughput PGlite ÷ Postgres, ${clients} client${clients === 1 ? '' : 's'}`,
        value: ratio(lite.throughput / pgResult.throughput),
        spread: `${rate(lite.throughput)} vs ${rate(pgResult.throughput)}`,
        verdict: 'info',
      });
    }
  }

  // Dashboard in this process on PGlite.
  const lite = await openPGliteDataset(SCALES['10k'], { log });
  try {
    // The dump was made (or found) above; report how.
    datasetFigure({ ...lite, generatedSeconds: dump.generatedSeconds, rollupCheck: dump.rollupCheck });
    const liteDashboard = await dashboardOn(lite, ids);
    for (let i = 0; i < liteDashboard.length; i++) {
      const a = distribution(liteDashboard[i].samples);
      if (pgDashboard) {
        const b = distribution(pgDashboard[i].samples);
        report.add({
          section: S.embedded,
          name: `${liteDashboard[i].query.name}: PGlite ÷ Postgres (10k)`,
          value: ratio(a.p50 / b.p50),
          spread: `${ms(a.p50)} (p95 ${ms(a.p95)}) vs ${ms(b.p50)} (p95 ${ms(b.p95)})`,
          verdict: 'info',
        });
      } else {
        report.add({
          section: S.dashboard,
          name: `${liteDashboard[i].query.name} — PGlite 10k`,
          value: ms(a.p50),
          spread: `p95 ${ms(a.p95)}`,
          verdict: 'info',
          note: `rows returned: ${liteDashboard[i].rows}; samples: ${a.count}`,
        });
      }
    }
  } finally {
    await lite.close();
  }
}

function routeFigure(route: BundleResult['routes'][number], entryGzip: number): void {
  const budget = ROUTE_BUDGETS[route.name];
  const charts = route.forbidden.length ? `chart.js or qrcode in ${route.forbidden.join(', ')}; ` : '';
  report.add({
    section: S.spa,
    name: `initial JS of the ${route.name}, gzipped`,
    value: bytes(route.jsGzip),
    spread: `${route.files.length} files`,
    reference: `entry chunk ${bytes(entryGzip)}`,
    target: budget ? `≤ ${bytes(budget)}, no chart.js or qrcode` : undefined,
    verdict: budget ? verdict(route.jsGzip <= budget && route.forbidden.length === 0) : 'info',
    limit: budget ? `${charts}${packagesLimit(route.packages, route.jsGzip, budget)}` : undefined,
    note: `${route.module} + entry; ${route.files.map((f) => `${f.file} ${bytes(f.gzip)}`).join(', ')}`,
  });
}

/** Issue 14 §1: the event page's files compressed, and hashed files cached for good. */
async function staticServingFigure(bundle: BundleResult): Promise<void> {
  const eventPage = bundle.routes.find((route) => route.name === 'event page (promoter link)');
  const files = eventPage?.files.map((f) => f.file) ?? bundle.initialJsFiles.map((f) => f.file);
  const served = await measureStaticServing(spaOutDir, PROMOTER_LINK, files);
  const problems = served.flatMap(servingProblems);
  const compressed = served.filter((f) => f.encoding).length;
  report.add({
    section: S.spa,
    name: 'event page files as served: compression and caching',
    value: `${compressed}/${served.length} compressed, ${problems.length} problems`,
    spread: [...new Set(served.map((f) => f.encoding ?? 'identity'))].join(', '),
    reference: 'the emulator serving the build with the static host\'s rules',
    target: 'text compressed; assets/ cached a year, immutable; HTML revalidated',
    verdict: verdict(problems.length === 0),
    limit: problems.length ? problems.map((p) => `${p.path}: ${p.problem}`).join('; ') : undefined,
    note: served.map((f) => `${f.path} ${f.encoding ?? 'identity'} ${bytes(f.bytes)} "${f.cacheControl}"`).join('; '),
  });
}

async function spaSection(): Promise<void> {
  log('\n— SPA build and first dashboard load');
  let bundle: BundleResult;
  try {
    bundle = await buildAndWeigh();
  } catch (error) {
    report.notMeasured(S.spa, 'SPA build', error instanceof Error ? error.message : String(error));
    return;
  }
  bundleFigures(bundle);
  await staticServingFigure(bundle);
  await dashboardLoadFigure();
}

function bundleFigures(bundle: BundleResult): void {
  // Issue 14 budgets each page's first load (below), not the entry alone.
  report.add({
    section: S.spa,
    name: 'initial JS, gzipped (entry + static imports)',
    value: bytes(bundle.initialJsGzip),
    spread: `${bundle.initialJsFiles.length} files; CSS ${bytes(bundle.initialCssGzip)}`,
    verdict: 'info',
    note: bundle.initialJsFiles.map((f) => `${f.file} ${bytes(f.gzip)}`).join(', '),
  });
  const minified = bundle.initialComposition.reduce((sum, c) => sum + c.bytes, 0);
  report.add({
    section: S.spa,
    name: 'initial JS by package (minified, from source maps)',
    value: bundle.initialComposition.slice(0, 3).map((c) => `${c.name} ${bytes(c.bytes)}`).join(', '),
    verdict: 'info',
    note: bundle.initialComposition
      .map((c) => `${c.name} ${bytes(c.bytes)} (${((100 * c.bytes) / minified).toFixed(0)}%)`)
      .join(', '),
  });
  report.add({
    section: S.spa,
    name: 'largest chunk, gzipped',
    value: bytes(bundle.largest.gzip),
    spread: `${bytes(bundle.largest.raw)} raw`,
    verdict: 'info',
    note: `${bundle.largest.file}; ${bundle.jsChunks} JS chunks, ${bytes(bundle.totalJsGzip)} gzipped in all; built in ${bundle.buildSeconds.toFixed(1)} s`,
  });
  const initialChart = bundle.chartChunks.filter((c) => c.initial);
  report.add({
    section: S.spa,
    name: 'chart code loaded lazily',
    value: bundle.chartChunks.length === 0 ? 'no chart code found' : initialChart.length ? 'no' : 'yes',
    verdict: 'info',
    note: bundle.chartChunks.map((c) => `${c.file}${c.initial ? ' (initial)' : ' (lazy)'}`).join(', '),
  });
  const entryGzip = bundle.initialJsFiles[0]?.gzip ?? Number.NaN;
  for (const route of bundle.routes) routeFigure(route, entryGzip);
}

async function dashboardLoadFigure(): Promise<void> {
  const load = await measureDashboardLoad({
    chromium: CHROMIUM,
    email: DEMO.email,
    password: DEMO.password,
    loads: 5,
    readyCheck: STAT_CARDS_READY,
  });
  if (load.samples.length === 0) {
    report.notMeasured(S.spa, 'navigation → dashboard stat cards (Chromium)', load.failure ?? 'no sample');
  } else {
    const d = distribution(load.samples);
    report.add({
      section: S.spa,
      name: 'navigation → dashboard stat cards (Chromium, cold cache, signed in)',
      value: ms(d.p50),
      spread: `min–max ${ms(d.min)}–${ms(d.max)}`,
      verdict: 'info',
      note: `${d.count} loads on the demo data, emulator on in-memory PGlite${load.failure ? `; stopped early: ${load.failure}` : ''}`,
    });
  }
}

/**
 * In the page: the dashboard's summary stat cards (the "Summary" region) are on screen,
 * no longer busy, and every card shows a value instead of its loading skeleton.
 */
const STAT_CARDS_READY = `() => {
  const region = document.querySelector('[aria-label="Summary"]');
  if (!region || region.getAttribute('aria-busy') === 'true') return false;
  const values = [...region.querySelectorAll('dd')];
  return values.length > 0 && values.every((dd) => (dd.textContent || '').trim() !== '') && values.some((dd) => /\\d/.test(dd.textContent || ''));
}`;

const LIGHTHOUSE_CONDITIONS = 'Lighthouse mobile: slow 4G, 4× CPU slowdown';

/** Lighthouse's mobile run on the page a promoter link opens; the median of several runs. */
async function lighthouseSection(): Promise<void> {
  log('\n— event page, Lighthouse mobile (slow 4G, 4× CPU)');
  if (!existsSync(path.join(spaOutDir, 'index.html'))) await buildAndWeigh();
  const runs = args.quick ? 1 : 5;
  const load = os.loadavg()[0];
  const result = await measureLighthouse({ chromium: CHROMIUM, staticDir: spaOutDir, runs });
  const name = `${result.url} (${result.runs.length} runs, median)`;
  if (result.runs.length === 0) {
    report.notMeasured(S.lighthouse, 'performance score', result.failure ?? 'no run', '≥ 95');
    return;
  }
  const median = (values: number[]) => distribution(values).p50;
  const pick = (f: (run: (typeof result.runs)[number]) => number) => result.runs.map(f);
  const performance = median(pick((r) => r.performance));
  const lcp = median(pick((r) => r.lcpMs));
  const fcp = median(pick((r) => r.fcpMs));
  const metricScores = Object.fromEntries(Object.keys(result.runs[0].metricScores).map((id) => [id, median(pick((r) => r.metricScores[id]))]));
  const context = `load average ${load.toFixed(1)} on ${os.cpus().length} cores at the start${result.failure ? `; stopped early: ${result.failure}` : ''}`;
  report.add({
    section: S.lighthouse,
    name: `performance score, ${name}`,
    value: String(performance),
    spread: `runs ${pick((r) => r.performance).join(', ')}`,
    reference: LIGHTHOUSE_CONDITIONS,
    target: '≥ 95',
    verdict: verdict(performance >= 95),
    limit: `${lighthouseLimit(metricScores)} (medians of the runs)`,
    note: `FCP ${ms(fcp)}, TBT ${ms(median(pick((r) => r.tbtMs)))}, CLS ${median(pick((r) => r.cls)).toFixed(3)}; ${context}`,
  });
  report.add({
    section: S.lighthouse,
    name: 'largest contentful paint',
    value: ms(lcp),
    spread: `runs ${pick((r) => r.lcpMs).map((v) => ms(v)).join(', ')}`,
    reference: LIGHTHOUSE_CONDITIONS,
    target: '≤ 2.0 s',
    verdict: verdict(lcp <= 2000),
    limit: `first paint at ${ms(fcp)}, the largest element ${ms(lcp - fcp)} later`,
    note: result.runs[0].lcpElement ? `element: ${result.runs[0].lcpElement}` : '',
  });
  report.add({
    section: S.lighthouse,
    name: 'transferred',
    value: bytes(median(pick((r) => r.transferredBytes))),
    verdict: 'info',
    note: `unused JavaScript ${bytes(median(pick((r) => r.unusedJsBytes)))}`,
  });
}

async function memorySection(): Promise<void> {
  log('\n— memory (emulator CLI, --memory, demo data)');
  const port = 54000 + Math.floor(Math.random() * 900);
  const { anonKey } = await createProjectKeys(DEFAULT_JWT_SECRET);
  const emulator = await startCliEmulator(port, anonKey);
  try {
    await sleep(2000);
    const idle = await memoryOf(emulator.pid);
    const idleSplit = await memorySplitOf(emulator.pid);
    // The demo organizer creates an event with room for the whole load, through the API.
    const owner = createClient(emulator.url, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
    });
    const signIn = await owner.auth.signInWithPassword(DEMO);
    if (signIn.error) throw new Error(`demo sign-in failed: ${signIn.error.message}`);
    const { data: org } = await owner.from('organization_members').select('organization_id').limit(1).single();
    const organizationId = (org as { organization_id: string }).organization_id;
    const slug = `bench-memory-${Date.now().toString(36)}`;
    const event = await owner
      .from('events')
      .insert({ organization_id: organizationId, slug, name: 'Memory bench', starts_at: new Date(Date.now() + 30 * 86_400_000).toISOString(), status: 'published' })
      .select('id')
      .single();
    if (event.error) throw new Error(event.error.message);
    const types = await owner
      .from('ticket_types')
      .insert([{ organization_id: organizationId, event_id: (event.data as { id: string }).id, name: 'General', price_minor: 1000, capacity: 1_000_000 }])
      .select('id');
    if (types.error) throw new Error(types.error.message);
    const fixture: CheckoutFixture = {
      slug,
      eventId: (event.data as { id: string }).id,
      ticketTypeIds: (types.data as { id: string }[]).map((t) => t.id),
      tokens: [],
    };
    const rss = sampleRss(emulator.pid, 100);
    const result = await httpCheckoutLoad(emulator, fixture, 10, windowMs, cpuGroups(emulator));
    const peak = await rss.stop();
    // Right after the load, before anything is released: the split closest to the peak.
    const loadSplit = await memorySplitOf(emulator.pid);
    await sleep(2000);
    const after = await memoryOf(emulator.pid);
    report.add({
      section: S.memory,
      name: 'emulator CLI (--memory, demo data) idle',
      value: bytes(idle?.rss ?? Number.NaN),
      reference: 'demo data, in-memory PGlite',
      target: `≤ ${bytes(MEMORY_TARGETS.idle)}`,
      verdict: idle ? verdict(idle.rss <= MEMORY_TARGETS.idle) : 'info',
      limit: idleSplit ? memoryLimit(idleSplit, MEMORY_TARGETS.idle) : undefined,
      note: `peak since start (VmHWM) ${bytes(idle?.hwm ?? Number.NaN)}`,
    });
    report.add({
      section: S.memory,
      name: 'emulator CLI under checkout load (10 clients)',
      value: bytes(peak ?? Number.NaN),
      spread: `2 s after: ${bytes(after?.rss ?? Number.NaN)}`,
      reference: `idle ${bytes(idle?.rss ?? Number.NaN)}`,
      target: `≤ ${bytes(MEMORY_TARGETS.load)}`,
      verdict: peak ? verdict(peak <= MEMORY_TARGETS.load) : 'info',
      limit: loadSplit ? `right after the load: ${memoryLimit(loadSplit, MEMORY_TARGETS.load)}` : undefined,
      note: `${rate(result.throughput)} over ${windowMs / 1000} s, ${result.ok.toLocaleString('en-US')} orders${result.errors ? `, ${result.errors} errors: ${result.firstError}` : ''}; ${cpuNote(result.cpu)}`,
    });
  } finally {
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  const started = now();
  const pgliteVersion = await (async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create();
    const { rows } = await db.query<{ version: string }>('select version()');
    await db.close();
    return rows[0].version.split(',')[0];
  })();
  const machine = await describeMachine({ databaseUrl: adminUrl, pgbench: PGBENCH, chromium: CHROMIUM, pgliteVersion });
  console.log(Object.entries(machine).map(([k, v]) => `  ${k}: ${v}`).join('\n'));

  const guard = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`\n${name} failed:`, error);
      report.notMeasured(name, 'section', `failed: ${message.split('\n')[0]}`);
    }
  };

  report.note(
    'CPU notes give cores busy during the measured window (1.00 = one full core): "emulator" is the emulator process, "bench" this load generator, "postgres" every Postgres process on the machine (including any other database users at the time).',
  );
  report.note(
    `Dashboard figures are taken after ${WARMUP_CALLS} calls of each function in the same session, so they show the plan a pooled connection settles on (Postgres may switch the statements inside a PL/pgSQL function to a generic plan after five executions); the "force_custom_plan" rows repeat them with plan_cache_mode = force_custom_plan.`,
  );
  if (adminUrl) await guard('Postgres figures', () => postgresRun());
  else {
    report.note('DATABASE_URL was not set: embedded-only run at the 10,000-order scale.');
    const ids = datasetIds(SCALES['10k']);
    if (only.has('embedded') || only.has('checkout') || only.has('dashboard') || only.has('realtime')) {
      await guard('Embedded figures', () => embeddedComparison(undefined, ids, undefined));
    }
  }
  if (only.has('memory')) await guard(S.memory, memorySection);
  if (only.has('spa')) await guard(S.spa, spaSection);
  if (only.has('lighthouse')) await guard(S.lighthouse, lighthouseSection);

  const minutes = (now() - started) / 60_000;
  machine['run time'] = `${minutes.toFixed(1)} min${args.quick ? ' (--quick: 3 s load windows)' : ''}`;
  machine['run at'] = new Date().toISOString();

  const header = [
    '# Benchmark results',
    '',
    'Generated by `npm run bench` (bench/run.ts); do not edit by hand. Figures are medians and',
    'spreads of one run on the machine below, compared side by side; targets are goals, not tests.',
    'Load windows are ' + windowMs / 1000 + ' s after a 1.5 s warm-up; the emulator runs in its own process;',
    'every checkout carries a valid attribution token (the full path: order, item, ticket count,',
    'attribution, rollups, broadcast).',
  ].join('\n');
  console.log(`\n${renderTable(report.sortedFigures())}\n`);
  const out = path.join(fileURLToPath(new URL('.', import.meta.url)), 'RESULTS.md');
  try {
    await writeFile(out, renderMarkdown(report, machine, header));
  } catch (error) {
    if (!(error instanceof MissingLimitError)) throw error;
    console.error(`${error.message}\nNot writing ${path.relative(process.cwd(), out)}: every missed target must say what limits it.`);
    process.exitCode = 1;
    return;
  }
  console.log(`Wrote ${path.relative(process.cwd(), out)} (${minutes.toFixed(1)} min).`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
