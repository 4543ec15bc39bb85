/**
 * The SPA: a production build (into bench/.work/dist, leaving the project's dist alone)
 * with its JavaScript weighed the way a first visit downloads it, and the time from
 * navigation to the dashboard's stat cards in headless Chromium against the emulator
 * with the demo data.
 */
import { launchBrowser } from '../tests/e2e/support/browser.ts';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { now } from './lib/stats.ts';
import { startEmulatorProcess } from './lib/emulator-process.ts';
import type { PackageWeight } from './lib/limits.ts';

const projectDir = fileURLToPath(new URL('..', import.meta.url));
export const spaOutDir = path.join(projectDir, 'bench', '.work', 'dist');

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

export interface BundleResult {
  buildSeconds: number;
  initialJsGzip: number;
  initialJsFiles: { file: string; gzip: number }[];
  initialCssGzip: number;
  largest: { file: string; gzip: number; raw: number };
  totalJsGzip: number;
  jsChunks: number;
  /** Chunks (initial or lazy) that contain chart.js code, from the source maps. */
  chartChunks: { file: string; initial: boolean }[];
  /** What the initial JS is made of: minified bytes per npm package (or "app"), from the source maps. */
  initialComposition: { name: string; bytes: number }[];
  /** Per page: the entry, the page's route chunk and everything both import statically. */
  routes: RouteWeight[];
}

export interface RouteWeight {
  name: string;
  /** The route module in the manifest (a dynamic entry), e.g. src/app/routes/public/event.tsx. */
  module: string;
  jsGzip: number;
  files: { file: string; gzip: number }[];
  /** Files with chart.js or qrcode in them, from the source maps; should be none. */
  forbidden: string[];
  /** The gzipped bytes by npm package (or "app"), each file's gzip size shared by its minified bytes. */
  packages: PackageWeight[];
}

/** The pages whose first load has a budget, by the route module React.lazy fetches. */
export const BUDGETED_ROUTES = [
  { name: 'event page (promoter link)', module: 'src/app/routes/public/event.tsx' },
  { name: 'checkout', module: 'src/app/routes/public/checkout.tsx' },
  { name: 'first dashboard load', module: 'src/app/routes/organizer.tsx' },
] as const;

/** The manifest keys a set of chunks loads before running: themselves and their static imports. */
function staticClosure(manifest: Record<string, ManifestChunk>, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const key = queue.shift()!;
    if (seen.has(key) || !manifest[key]) continue;
    seen.add(key);
    queue.push(...(manifest[key].imports ?? []));
  }
  return seen;
}

async function containsPackage(jsFile: string, pattern: RegExp): Promise<boolean> {
  const map = await readFile(`${jsFile}.map`, 'utf8').catch(() => undefined);
  if (!map) return false;
  return ((JSON.parse(map) as { sources?: string[] }).sources ?? []).some((source) => pattern.test(source));
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes one source-map segment (base64 VLQ) into its numbers. */
function decodeSegment(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** Minified bytes of a chunk attributed to each original source, via its source map. */
async function bytesBySource(jsFile: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const map = await readFile(`${jsFile}.map`, 'utf8').catch(() => undefined);
  if (!map) return out;
  const { sources, mappings } = JSON.parse(map) as { sources: string[]; mappings: string };
  const lines = (await readFile(jsFile, 'utf8')).split('\n');
  let source = 0;
  mappings.split(';').forEach((line, lineIndex) => {
    let column = 0;
    const segments = line ? line.split(',').map(decodeSegment) : [];
    const length = lines[lineIndex]?.length ?? 0;
    let current: { column: number; source: number } | undefined;
    for (const segment of segments) {
      column += segment[0];
      if (current) out.set(sources[current.source], (out.get(sources[current.source]) ?? 0) + column - current.column);
      if (segment.length >= 4) {
        source += segment[1];
        current = { column, source };
      } else current = undefined;
    }
    if (current) out.set(sources[current.source], (out.get(sources[current.source]) ?? 0) + length - current.column);
  });
  return out;
}

function packageOf(source: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source);
  return match ? match[1] : 'app';
}

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function gzipSize(file: string): Promise<{ gzip: number; raw: number }> {
  const content = await readFile(file);
  return { gzip: gzipSync(content).length, raw: content.length };
}

async function containsChartJs(jsFile: string): Promise<boolean> {
  const map = await readFile(`${jsFile}.map`, 'utf8').catch(() => undefined);
  if (map) {
    const sources = (JSON.parse(map) as { sources?: string[] }).sources ?? [];
    return sources.some((s) => /node_modules\/(chart\.js|react-chartjs-2)\//.test(s));
  }
  // Without a source map, look for a string only chart.js ships.
  return (await readFile(jsFile, 'utf8')).includes('This method is not implemented: Check that a complete date adapter');
}

function addTo(totals: Map<string, number>, key: string, amount: number): void {
  totals.set(key, (totals.get(key) ?? 0) + amount);
}

/** A file's gzipped size shared among packages in proportion to their minified bytes in it. */
async function gzipByPackage(jsFile: string, gzip: number, totals: Map<string, number>): Promise<void> {
  const bySource = await bytesBySource(jsFile);
  const mapped = [...bySource.values()].reduce((sum, count) => sum + count, 0);
  if (mapped === 0) return addTo(totals, 'unmapped', gzip);
  for (const [source, count] of bySource) addTo(totals, packageOf(source), (gzip * count) / mapped);
}

/** The entry, the route's chunk and their static imports: what opening the page downloads first. */
async function weighRoute(
  manifest: Record<string, ManifestChunk>,
  entryKey: string,
  route: (typeof BUDGETED_ROUTES)[number],
): Promise<RouteWeight> {
  if (!manifest[route.module]) throw new Error(`The build manifest has no chunk for ${route.module}.`);
  const files: { file: string; gzip: number }[] = [];
  const forbidden: string[] = [];
  const packages = new Map<string, number>();
  for (const key of staticClosure(manifest, [entryKey, route.module])) {
    const file = path.join(spaOutDir, manifest[key].file);
    const { gzip } = await gzipSize(file);
    files.push({ file: manifest[key].file, gzip });
    await gzipByPackage(file, gzip, packages);
    if (await containsPackage(file, /node_modules\/(chart\.js|react-chartjs-2|qrcode)\//)) forbidden.push(manifest[key].file);
  }
  return {
    ...route,
    files,
    forbidden,
    jsGzip: files.reduce((sum, f) => sum + f.gzip, 0),
    packages: [...packages].map(([name, gzip]) => ({ name, gzip })),
  };
}

export async function buildAndWeigh(): Promise<BundleResult> {
  const started = now();
  const vite = path.join(projectDir, 'node_modules', '.bin', 'vite');
  const build = await run(vite, ['build', '--mode', 'emulator', '--outDir', spaOutDir, '--emptyOutDir', '--manifest', '--sourcemap', 'hidden', '--logLevel', 'warn']);
  if (build.code !== 0) throw new Error(`vite build failed: ${build.output.trim().split('\n').slice(-8).join(' | ')}`);
  const buildSeconds = (now() - started) / 1000;

  const manifest = JSON.parse(await readFile(path.join(spaOutDir, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const entryKey = Object.keys(manifest).find((key) => manifest[key].isEntry);
  if (!entryKey) throw new Error('The build manifest has no entry chunk.');
  // The entry and everything it imports statically: what the first page load fetches.
  const initial = staticClosure(manifest, [entryKey]);
  const initialJsFiles: { file: string; gzip: number }[] = [];
  const cssFiles = new Set<string>();
  for (const key of initial) {
    const chunk = manifest[key];
    initialJsFiles.push({ file: chunk.file, gzip: (await gzipSize(path.join(spaOutDir, chunk.file))).gzip });
    for (const css of chunk.css ?? []) cssFiles.add(css);
  }
  let initialCssGzip = 0;
  for (const css of cssFiles) initialCssGzip += (await gzipSize(path.join(spaOutDir, css))).gzip;

  const initialFiles = new Set(initialJsFiles.map((f) => f.file));
  const assets = path.join(spaOutDir, 'assets');
  const jsFiles = (await readdir(assets)).filter((f) => f.endsWith('.js'));
  let largest = { file: '', gzip: 0, raw: 0 };
  let totalJsGzip = 0;
  const chartChunks: { file: string; initial: boolean }[] = [];
  for (const name of jsFiles) {
    const full = path.join(assets, name);
    const size = await gzipSize(full);
    totalJsGzip += size.gzip;
    if (size.gzip > largest.gzip) largest = { file: `assets/${name}`, ...size };
    if (await containsChartJs(full)) chartChunks.push({ file: `assets/${name}`, initial: initialFiles.has(`assets/${name}`) });
  }
  const composition = new Map<string, number>();
  for (const f of initialJsFiles) {
    for (const [source, count] of await bytesBySource(path.join(spaOutDir, f.file))) addTo(composition, packageOf(source), count);
  }
  const routes: RouteWeight[] = [];
  for (const route of BUDGETED_ROUTES) routes.push(await weighRoute(manifest, entryKey, route));
  return {
    routes,
    initialComposition: [...composition].map(([name, count]) => ({ name, bytes: count })).sort((a, b) => b.bytes - a.bytes),
    buildSeconds,
    initialJsGzip: initialJsFiles.reduce((sum, f) => sum + f.gzip, 0),
    initialJsFiles,
    initialCssGzip,
    largest,
    totalJsGzip,
    jsChunks: jsFiles.length,
    chartChunks,
  };
}

export interface DashboardLoadResult {
  /** Navigation start to the stat cards showing numbers, per cold load (ms, from the page's clock). */
  samples: number[];
  /** Where the page ended up if the cards never appeared. */
  failure?: string;
}


/**
 * Signs in as the demo organizer once, then opens /dashboard in fresh browser contexts
 * (empty HTTP cache, the saved session) and waits for the stat cards to show values.
 */
export async function measureDashboardLoad(options: {
  chromium: string;
  email: string;
  password: string;
  loads: number;
  /** Evaluated in the page; true once the stat cards show numbers. */
  readyCheck: string;
}): Promise<DashboardLoadResult> {
  if (!existsSync(options.chromium)) return { samples: [], failure: `no Chromium at ${options.chromium}` };
  const emulator = await startEmulatorProcess({ seed: true, staticDir: spaOutDir });
  const browser = await launchBrowser(options.chromium);
  try {
    const signInContext = await browser.newContext();
    const page = await signInContext.newPage();
    await page.goto(`${emulator.url}/sign-in`);
    await page.getByLabel('Email', { exact: true }).fill(options.email);
    await page.getByLabel('Password', { exact: true }).fill(options.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/dashboard/, { timeout: 15_000 });
    const storageState = await signInContext.storageState();
    await signInContext.close();

    const samples: number[] = [];
    for (let i = 0; i < options.loads; i++) {
      // The ready check is evaluated from a string, which the app's CSP (no eval) refuses.
      const context = await browser.newContext({ storageState, bypassCSP: true });
      const tab = await context.newPage();
      try {
        await tab.goto(`${emulator.url}/dashboard`, { waitUntil: 'commit' });
        const handle = await tab.waitForFunction(
          `(() => { const ready = (${options.readyCheck})(); return ready ? performance.now() : false; })()`,
          undefined,
          { timeout: 20_000, polling: 'raf' },
        );
        samples.push(Number(await handle.jsonValue()));
      } catch (error) {
        return {
          samples,
          failure: `stat cards did not appear at ${tab.url()}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        };
      } finally {
        await context.close();
      }
    }
    return { samples };
  } catch (error) {
    return { samples: [], failure: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  } finally {
    await browser.close();
    await emulator.stop();
  }
}
