/**
 * How the emulator serves the production build, as the static host does: every text
 * file of a page compressed for a browser that accepts brotli or gzip, content-hashed
 * files (assets/) cached for a year and immutable, the HTML revalidated on every visit.
 */
import { startEmulatorProcess } from './lib/emulator-process.ts';

/** The emulator compresses nothing smaller (a few hundred bytes save less than headers cost). */
const MIN_COMPRESSED_BYTES = 1024;
const YEAR_SECONDS = 31_536_000;

export interface ServedFile {
  path: string;
  bytes: number;
  encoding?: string;
  cacheControl: string;
}

export interface ServingProblem {
  path: string;
  problem: string;
}

function maxAge(cacheControl: string): number {
  return Number(/max-age=(\d+)/.exec(cacheControl)?.[1] ?? 0);
}

/** What is wrong with how one file was served; nothing when it is served as it should be. */
export function servingProblems(file: ServedFile): ServingProblem[] {
  const problems: string[] = [];
  if (file.bytes >= MIN_COMPRESSED_BYTES && !file.encoding) problems.push(`${file.bytes} B sent uncompressed`);
  if (file.path.startsWith('/assets/')) {
    if (maxAge(file.cacheControl) < YEAR_SECONDS || !file.cacheControl.includes('immutable')) problems.push(`hashed but cached "${file.cacheControl}"`);
  } else if (!/no-cache|max-age=0/.test(file.cacheControl)) {
    problems.push(`not hashed but cached "${file.cacheControl}"`);
  }
  return problems.map((problem) => ({ path: file.path, problem }));
}

async function fetchServed(baseUrl: string, path: string): Promise<ServedFile> {
  // fetch would decode the body; the raw length is what the response carried.
  const response = await fetch(`${baseUrl}${path}`, { headers: { 'accept-encoding': 'br, gzip' } });
  const body = await response.arrayBuffer();
  return {
    path,
    bytes: Number(response.headers.get('content-length') ?? body.byteLength),
    encoding: response.headers.get('content-encoding') ?? undefined,
    cacheControl: response.headers.get('cache-control') ?? '',
  };
}

/** Fetches the page's HTML and files from the emulator serving `staticDir`. */
export async function measureStaticServing(staticDir: string, pagePath: string, files: string[]): Promise<ServedFile[]> {
  const emulator = await startEmulatorProcess({ staticDir });
  try {
    const served: ServedFile[] = [];
    for (const path of [pagePath, ...files.map((file) => `/${file}`)]) served.push(await fetchServed(emulator.url, path));
    return served;
  } finally {
    await emulator.stop();
  }
}
