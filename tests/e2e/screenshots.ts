/**
 * Takes the README's screenshots from the real app: `npm start` in one terminal, then
 * `npx tsx tests/e2e/screenshots.ts [base URL]`. Signs in with the demo account.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, newSession } from './support/browser.ts';

const baseURL = process.argv[2] ?? 'http://127.0.0.1:54321';
// The local anon key (public): the one the emulator mints from its default secret.
const ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';
const outDir = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

const browser = await launchBrowser();
try {
  const context = await newSession(browser, baseURL);
  const page = await context.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill('demo@example.com');
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.waitForURL(/\/dashboard/);
  await page.goto('/dashboard/promoters?range=90d');
  await page.getByRole('list', { name: 'Promoters' }).waitFor();
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(outDir, 'dashboard.png'), fullPage: false });

  await page.getByRole('list', { name: 'Promoters' }).getByRole('link').first().click();
  await page.waitForURL(/\/dashboard\/promoters\/[0-9a-f-]+/);
  await page.locator('canvas[role="img"]').first().waitFor();
  await page.setViewportSize({ width: 1400, height: 1500 });
  await page.waitForTimeout(1200);
  await page.screenshot({ path: path.join(outDir, 'promoter-detail.png'), fullPage: false });

  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto('/dashboard/orders');
  await page.getByRole('table').first().waitFor();
  await page.getByRole('table').first().getByRole('link').first().click();
  await page.getByRole('heading', { name: /^Order / }).first().waitFor();
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(outDir, 'orders.png'), fullPage: false });

  await page.goto('/dashboard/members');
  await page.getByRole('region', { name: 'Invitations' }).waitFor();
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(outDir, 'members.png'), fullPage: false });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/dashboard/promoters');
  await page.waitForTimeout(1200);
  await page.screenshot({ path: path.join(outDir, 'phone.png'), fullPage: false });

  const attendee = await (await newSession(browser, baseURL)).newPage();
  await attendee.setViewportSize({ width: 1200, height: 800 });
  const response = await fetch(`${baseURL}/rest/v1/events?select=slug&status=eq.published&order=starts_at&limit=1`, {
    headers: { apikey: ANON_KEY },
  });
  const [event] = (await response.json()) as { slug: string }[];
  await attendee.goto(`/events/${event.slug}`);
  await attendee.waitForTimeout(1200);
  await attendee.screenshot({ path: path.join(outDir, 'event-page.png'), fullPage: false });
  console.log('screenshots written to', outDir);
} finally {
  await browser.close();
}
