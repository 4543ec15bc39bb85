/**
 * A headless Debian Chromium driven by playwright-core, plus the helpers every journey
 * uses: a step wrapper that screenshots every open page when a step fails, and an
 * accessibility check with axe-core.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

const root = fileURLToPath(new URL('../../../', import.meta.url));
export const ARTIFACTS_DIR = path.join(root, 'tests', 'e2e', 'artifacts');
const AXE_SCRIPT = path.join(root, 'node_modules', 'axe-core', 'axe.min.js');

const CHROMIUM_PATHS = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Headless, with no background traffic (this machine has no internet); the benchmarks use them too. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Debian's Chromium with CHROMIUM_FLAGS. */
export async function launchBrowser(chromiumPath?: string): Promise<Browser> {
  const executablePath = [chromiumPath, ...CHROMIUM_PATHS].find((candidate) => candidate && existsSync(candidate));
  if (!executablePath) {
    throw new Error('Chromium was not found. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.');
  }
  return chromium.launch({
    executablePath,
    args: CHROMIUM_FLAGS,
  });
}

/** A fresh browser profile: its own cookies and storage, like a new browser session. */
/** Content-Security-Policy violations any page of any session reported, for a final check. */
export const cspViolations: string[] = [];

let sessions = 0;

/**
 * A new browser context: one person on their own device. Each gets its own client
 * address (in `cf-connecting-ip`, which the journeys' emulator trusts), so the
 * per-address limits count each person apart, as they would on the internet, and a
 * journey's pace never decides whether checkout answers "too many checkouts".
 */
export async function newSession(browser: Browser, baseURL: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  sessions += 1;
  const address = `198.51.100.${sessions % 250 + 1}`;
  const context = await browser.newContext({ baseURL, locale: 'en-US', timezoneId: 'UTC', extraHTTPHeaders: { 'cf-connecting-ip': address }, ...options });
  // Chromium reports every blocked load, script, style or connection on the console.
  context.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      cspViolations.push(`${message.location().url}: ${message.text()}`);
    }
  });
  context.setDefaultTimeout(10_000);
  return context;
}

function fileSafe(text: string): string {
  return text.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 80);
}

/**
 * Runs one step of a journey. If it fails, every open page of the given contexts is
 * saved to tests/e2e/artifacts/<journey>--<step>--<n>.png before the error propagates.
 */
export async function step<T>(journey: string, name: string, contexts: BrowserContext[], action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const pages = contexts.flatMap((context) => context.pages());
    await Promise.all(
      pages.map((page, index) =>
        page
          .screenshot({ path: path.join(ARTIFACTS_DIR, `${fileSafe(journey)}--${fileSafe(name)}--${index + 1}.png`), fullPage: true })
          .catch(() => undefined),
      ),
    );
    if (error instanceof Error) error.message = `[${journey} › ${name}] ${error.message}`;
    throw error;
  }
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string; failureSummary?: string }[];
}

/** The serious and critical accessibility violations axe-core finds on the page. */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated rather than added as an inline <script>, which the app's CSP refuses.
  await page.evaluate(await readFile(AXE_SCRIPT, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const results = await axe.run(document);
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target, html: node.html, failureSummary: node.failureSummary })),
    }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** The text a person sees on the page and the shape of its landmarks and headings. */
export async function visibleStructure(page: Page): Promise<{ text: string; outline: string[] }> {
  return page.evaluate(() => {
    const outline = Array.from(document.querySelectorAll('main, header, nav, footer, h1, h2, h3, form, button, a, label, select, input'))
      .filter((element) => (element as HTMLElement).offsetParent !== null || element.tagName === 'MAIN')
      .map((element) => `${element.tagName.toLowerCase()}:${(element.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 60)}`);
    return { text: document.body.innerText, outline };
  });
}
