/**
 * What limits a figure, said from the run's own measurements: how busy the cores were
 * and which process used them, where a request's time went, how many rollup rows a
 * dashboard call reads, which packages a page's JavaScript is made of, what a process's
 * memory is. Each function takes numbers the run measured and returns one sentence for
 * the report's "what limits it" column; none measures anything itself.
 */
import { bytes, ms, ratio } from './stats.ts';

/** CPU cores busy per process group during a window (1.00 = one full core). */
export type CoresBusy = Record<string, number | undefined>;

/** Busy cores at or above this share of the machine: the cores themselves are the ceiling. */
const SATURATED_SHARE = 0.85;

/** The key under which the CPU probe (proc.ts) reports the whole machine's busy cores. */
export const MACHINE = 'machine';

/** Measured process groups, busiest first; the whole machine's figure is not a group. */
function measuredGroups(cpu: CoresBusy): [string, number][] {
  return Object.entries(cpu)
    .filter((entry): entry is [string, number] => entry[0] !== MACHINE && entry[1] !== undefined && Number.isFinite(entry[1]))
    .sort((a, b) => b[1] - a[1]);
}

/**
 * "1.95 of 2 cores busy (postgres 0.88, emulator 0.52, bench 0.25, other processes 0.30):
 * the cores are the ceiling". Other processes are the machine's busy cores (when
 * measured) less the named groups: on a shared machine, what the figure competed with.
 */
export function coresLimit(cpu: CoresBusy, cores: number): string {
  const groups = measuredGroups(cpu);
  if (groups.length === 0) return 'CPU use was not measured';
  const named = groups.reduce((sum, [, busy]) => sum + busy, 0);
  const machine = cpu[MACHINE];
  const total = machine !== undefined && Number.isFinite(machine) ? Math.max(machine, named) : named;
  const others = total - named >= 0.05 ? [`other processes ${(total - named).toFixed(2)}`] : [];
  const parts = [...groups.map(([name, busy]) => `${name} ${busy.toFixed(2)}`), ...others].join(', ');
  const verdict =
    total >= SATURATED_SHARE * cores
      ? 'the cores are the ceiling'
      : `${groups[0][0]} is the busiest process; the cores were not all busy, so waiting (locks, round trips, commits) limits it too`;
  return `${total.toFixed(2)} of ${cores} cores busy (${parts}): ${verdict}`;
}

/** CPU time each process spent per request: busy cores ÷ requests per second. */
export function cpuPerRequest(cpu: CoresBusy, perSecond: number, what = 'request'): string {
  const groups = measuredGroups(cpu).filter(([, busy]) => busy > 0);
  if (groups.length === 0 || !(perSecond > 0)) return `CPU per ${what} was not measured`;
  return `CPU per ${what}: ${groups.map(([name, busy]) => `${name} ${ms((1000 * busy) / perSecond)}`).join(', ')}`;
}

/**
 * Where one request's time goes: the same call in SQL against the whole HTTP request,
 * both at one client so that neither waits for another.
 */
export function requestTimeSplit(httpMs: number, sqlMs: number): string {
  if (!(httpMs > 0) || !(sqlMs >= 0)) return 'the split between SQL and the emulator was not measured';
  const sqlShare = Math.min(1, sqlMs / httpMs);
  const percent = (share: number) => `${Math.round(100 * share)}%`;
  return `of ${ms(httpMs)} per request (1 client), ${ms(sqlMs)} (${percent(sqlShare)}) is the SQL call and ${ms(httpMs - sqlMs)} (${percent(1 - sqlShare)}) the emulator's HTTP, auth and round trips`;
}

/**
 * A dashboard call at two scales: whether its time grew because it reads more rollup
 * rows (work that grows with promoters × days, not orders) or for some other reason,
 * and whether the growth is beyond the run's own spread at all.
 */
export function rollupRowsLimit(rows: { small: number; large: number }, times: { small: { p50: number; p95: number }; large: { p50: number } }): string {
  const rowsRatio = rows.small > 0 ? rows.large / rows.small : Number.POSITIVE_INFINITY;
  const timeRatio = times.large.p50 / times.small.p50;
  const read = `rollup rows read per call ${rows.small.toLocaleString('en-US')} → ${rows.large.toLocaleString('en-US')} (${ratio(rowsRatio)})`;
  const cause =
    rowsRatio > 1.2
      ? `the busier data set has more rollup rows in the range, and the time follows them (${ratio(timeRatio)})`
      : `the rows read hardly grow, so the ${ratio(timeRatio)} is the cost of a larger table (deeper indexes, fewer cached pages), not more work`;
  const noise =
    times.large.p50 <= times.small.p95 ? `; the larger p50 (${ms(times.large.p50)}) is within the smaller one's p95 (${ms(times.small.p95)}), so part of it is the machine's noise` : '';
  return `${read}: ${cause}${noise}`;
}

export interface PackageWeight {
  name: string;
  /** Gzipped bytes attributed to the package. */
  gzip: number;
}

/** "12.0 KiB over" or "12.0 KiB to spare". */
function margin(value: number, target: number): string {
  return value > target ? `${bytes(value - target)} over` : `${bytes(target - value)} to spare`;
}

/** "31.8 KiB over; largest: react-dom 62.0 KiB, @supabase/auth-js 22.0 KiB, …" (the top `top` packages). */
export function packagesLimit(weights: PackageWeight[], total: number, budget: number, top = 4): string {
  const largest = [...weights]
    .sort((a, b) => b.gzip - a.gzip)
    .slice(0, top)
    .map((w) => `${w.name} ${bytes(w.gzip)}`)
    .join(', ');
  return `${margin(total, budget)}; gzipped by package (estimated from source maps): ${largest || 'no source maps'}`;
}

/** Resident memory of a process by kind, from /proc/<pid>/smaps. */
export interface MemorySplit {
  /** Anonymous memory: the JavaScript heap, buffers, WebAssembly memory. */
  anonymous: number;
  /** Files mapped into the process: the executable, libraries, code caches. */
  files: number;
  /** Everything else (stacks, vdso and the like). */
  other: number;
}

export function memoryLimit(split: MemorySplit, target: number): string {
  const total = split.anonymous + split.files + split.other;
  const share = total > 0 ? Math.round((100 * split.anonymous) / total) : 0;
  return `${margin(total, target)}; resident ${bytes(total)}: anonymous ${bytes(split.anonymous)} (${share}%: the JavaScript heap and buffers, WebAssembly memory, the in-memory database), mapped files ${bytes(split.files)}, other ${bytes(split.other)}`;
}

/** Lighthouse 12's weights of the performance score (points out of 100). */
export const LIGHTHOUSE_WEIGHTS: Record<string, number> = {
  'first-contentful-paint': 10,
  'speed-index': 10,
  'largest-contentful-paint': 25,
  'total-blocking-time': 30,
  'cumulative-layout-shift': 25,
};

/** Points of the performance score each metric cost (weight × (1 − its score)), largest first. */
export function lighthouseLimit(metricScores: Record<string, number>): string {
  const lost = Object.entries(LIGHTHOUSE_WEIGHTS)
    .map(([metric, weight]) => ({ metric, points: weight * (1 - (metricScores[metric] ?? 0)) }))
    .filter((entry) => entry.points >= 0.5)
    .sort((a, b) => b.points - a.points);
  if (lost.length === 0) return 'no metric costs a whole point';
  return `points lost by metric: ${lost.map((entry) => `${entry.metric} ${entry.points.toFixed(1)}`).join(', ')}`;
}
