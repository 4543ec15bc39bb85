/**
 * Lighthouse (mobile defaults: simulated slow 4G and 4× CPU slowdown) on the page a
 * promoter link opens, `/events/<slug>?promoter=<code>` of the demo data, served by the
 * emulator with the production build — the same server and build `npm start` runs.
 * One fresh headless Chromium per run, so every run starts with an empty cache.
 */
import { existsSync } from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_FLAGS } from '../tests/e2e/support/browser.ts';
import { LIGHTHOUSE_WEIGHTS } from './lib/limits.ts';
import { startEmulatorProcess } from './lib/emulator-process.ts';


/** A demo event and one of its promoters' codes (supabase/seed.sql). */
export const PROMOTER_LINK = '/events/harbour-lights-festival?promoter=MAYA';

export interface LighthouseRun {
  performance: number;
  lcpMs: number;
  fcpMs: number;
  tbtMs: number;
  cls: number;
  transferredBytes: number;
  unusedJsBytes: number;
  /** What Lighthouse names as the LCP element, for the report. */
  lcpElement?: string;
  /** Each weighted metric's score (0–1), by audit id: what the performance score is made of. */
  metricScores: Record<string, number>;
}

export interface LighthouseResult {
  url: string;
  runs: LighthouseRun[];
  failure?: string;
}

function numeric(lhr: { audits: Record<string, { numericValue?: number; details?: unknown }> }, id: string): number {
  return lhr.audits[id]?.numericValue ?? Number.NaN;
}

function metricScores(lhr: { audits: Record<string, { score?: number | null }> }): Record<string, number> {
  return Object.fromEntries(Object.keys(LIGHTHOUSE_WEIGHTS).map((id) => [id, lhr.audits[id]?.score ?? 0]));
}

function lcpElement(details: unknown): string | undefined {
  const items = (details as { items?: { items?: { node?: { snippet?: string } }[] }[] } | undefined)?.items;
  const snippet = items?.[0]?.items?.[0]?.node?.snippet;
  return snippet ? snippet.slice(0, 80) : undefined;
}

export async function measureLighthouse(options: { chromium: string; staticDir: string; runs: number }): Promise<LighthouseResult> {
  if (!existsSync(options.chromium)) return { url: PROMOTER_LINK, runs: [], failure: `no Chromium at ${options.chromium}` };
  const emulator = await startEmulatorProcess({ seed: true, staticDir: options.staticDir });
  const url = `${emulator.url}${PROMOTER_LINK}`;
  const runs: LighthouseRun[] = [];
  try {
    for (let i = 0; i < options.runs; i++) {
      const chrome = await chromeLauncher.launch({ chromePath: options.chromium, chromeFlags: CHROMIUM_FLAGS, logLevel: 'silent' });
      try {
        const result = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance'] });
        if (!result) throw new Error('Lighthouse returned no result.');
        const lhr = result.lhr;
        if (lhr.runtimeError) throw new Error(`${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
        runs.push({
          performance: Math.round((lhr.categories.performance?.score ?? Number.NaN) * 100),
          lcpMs: numeric(lhr, 'largest-contentful-paint'),
          fcpMs: numeric(lhr, 'first-contentful-paint'),
          tbtMs: numeric(lhr, 'total-blocking-time'),
          cls: numeric(lhr, 'cumulative-layout-shift'),
          transferredBytes: numeric(lhr, 'total-byte-weight'),
          unusedJsBytes: (lhr.audits['unused-javascript']?.details as { overallSavingsBytes?: number } | undefined)?.overallSavingsBytes ?? 0,
          lcpElement: lcpElement(lhr.audits['largest-contentful-paint-element']?.details),
          metricScores: metricScores(lhr),
        });
      } finally {
        await chrome.kill();
      }
    }
    return { url: PROMOTER_LINK, runs };
  } catch (error) {
    return { url: PROMOTER_LINK, runs, failure: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  } finally {
    await emulator.stop();
  }
}
