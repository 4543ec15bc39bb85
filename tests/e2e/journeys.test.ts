/**
 * End-to-end journeys in a real browser: the organizer's dashboard and the attendee's
 * pages, served by the emulator from the production build, with separate browser
 * contexts standing in for separate people (and separate browser sessions).
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from './support/app';
import { cspViolations, launchBrowser, newSession, seriousAccessibilityViolations, step, visibleStructure } from './support/browser';
import { buttonsOffScreen, controlRows, cutTexts, sidewaysScroll } from './support/layout';

let app: App;
let browser: Browser;
let organizer: BrowserContext;
let dashboard: Page;
const contexts: BrowserContext[] = [];

const suffix = randomBytes(3).toString('hex');
const organizerEmail = `organizer-${suffix}@example.com`;
const eventName = `Harbour Lights ${suffix}`;
const otherEventName = `Winter Gala ${suffix}`;
const promoterName = `Pat Promoter ${suffix}`;
const promoCode = `PAT${suffix.toUpperCase()}`;
let eventSlug = '';
let otherEventSlug = '';
let trackingLink = '';

async function session(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await newSession(browser, app.origin, options);
  contexts.push(context);
  return context;
}

/** Orders of a buyer, with the promoter each one is attributed to (null when none). */
async function ordersOf(buyerEmail: string) {
  const { data: orders, error } = await app.admin.from('orders').select('id, ticket_count, event_id').eq('buyer_email', buyerEmail);
  if (error) throw error;
  const { data: attributions, error: attributionError } = await app.admin
    .from('attributions')
    .select('order_id, promoter_id')
    .in('order_id', orders.map((order) => order.id));
  if (attributionError) throw attributionError;
  return orders.map((order) => ({
    ...order,
    promoterId: attributions.find((attribution) => attribution.order_id === order.id)?.promoter_id ?? null,
  }));
}

async function promoterId(): Promise<string | null> {
  const { data, error } = await app.admin.from('promoters').select('id').eq('promo_code', promoCode).maybeSingle();
  if (error) throw error;
  return data?.id ?? null;
}

/** On an event page: choose tickets of the first type, check out and pay; returns the reference. */
async function buyTickets(page: Page, quantity: number, buyerEmail: string): Promise<string> {
  await page.getByRole('combobox', { name: /^Quantity for / }).first().selectOption(String(quantity));
  await page.getByRole('button', { name: 'Continue to checkout' }).click();
  await page.getByRole('textbox', { name: 'Full name' }).fill('Sam Attendee');
  await page.getByRole('textbox', { name: 'Email' }).fill(buyerEmail);
  await page.getByRole('button', { name: /^Pay .* \(test mode\)$/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' }).waitFor();
  return (await page.getByTestId('order-reference').textContent()) ?? '';
}

/** The value of a `<dt>label</dt><dd>value</dd>` figure inside `scope`. */
function figure(scope: Locator, label: string): Locator {
  return scope.locator('div', { has: scope.page().locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
}

/** Runs `check` with the page at another size, then puts the page back at its own. */
async function atSize<T>(page: Page, size: { width: number; height: number }, check: () => Promise<T>): Promise<T> {
  const own = page.viewportSize();
  await page.setViewportSize(size);
  try {
    return await check();
  } finally {
    if (own) await page.setViewportSize(own);
  }
}

async function expectAccessible(page: Page) {
  const violations = await seriousAccessibilityViolations(page);
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
}

beforeAll(async () => {
  app = await startApp();
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await app?.stop();
});

describe('promoter tracking links, end to end', () => {
  it('(1) an organizer signs up, creates an event with a ticket type, adds and activates a promoter and copies the link', async () => {
    organizer = await session();
    await organizer.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.origin });
    dashboard = await organizer.newPage();
    const journey = 'organizer setup';

    await step(journey, 'sign up', [organizer], async () => {
      await dashboard.goto('/sign-up');
      await dashboard.getByRole('textbox', { name: 'Email' }).fill(organizerEmail);
      await dashboard.getByLabel('Password').fill('correct-horse-battery-9');
      await dashboard.getByRole('button', { name: 'Create account' }).click();
      await dashboard.getByRole('heading', { name: 'Set up your organization' }).waitFor();
    });

    await step(journey, 'create the organization', [organizer], async () => {
      await dashboard.getByRole('textbox', { name: 'Organization name' }).fill(`Harbour Events ${suffix}`);
      await dashboard.getByRole('combobox', { name: 'Currency' }).selectOption('USD');
      await dashboard.getByRole('button', { name: 'Create organization' }).click();
      await dashboard.getByRole('link', { name: 'Events' }).waitFor();
    });

    await step(journey, 'create an event (a refused capacity first, then fixed) and publish it', [organizer], async () => {
      await dashboard.getByRole('link', { name: 'Events' }).click();
      await dashboard.getByRole('button', { name: 'New event' }).first().click();
      const dialog = dashboard.getByRole('dialog', { name: 'New event' });
      await dialog.getByRole('textbox', { name: 'Event name' }).fill(eventName);
      await dialog.getByLabel('Starts at').fill('2031-07-18T20:00');
      await dialog.getByRole('textbox', { name: 'Venue' }).fill('Pier 9');
      const ticketType = dialog.getByRole('group', { name: 'Ticket type 1' });
      await ticketType.getByRole('textbox', { name: 'Ticket name' }).fill('General Admission');
      await ticketType.getByRole('textbox', { name: 'Price' }).fill('25');
      eventSlug = await dialog.getByRole('textbox', { name: 'Web address' }).inputValue();
      // A capacity the database refuses: the error names the ticket type and field, and
      // nothing is saved, so the corrected form saves on the retry.
      await ticketType.getByRole('textbox', { name: 'Capacity' }).fill('99999999999999');
      await dialog.getByRole('button', { name: 'Create event' }).click();
      await dialog.getByRole('alert').getByText('“General Admission”: capacity must be a whole number from 0 to 1,000,000.').waitFor();
      const { data: draft, error: draftError } = await app.admin.from('events').select('id').eq('slug', eventSlug);
      expect(draftError).toBeNull();
      expect(draft).toEqual([]);
      await ticketType.getByRole('textbox', { name: 'Capacity' }).fill('100');
      await dialog.getByRole('button', { name: 'Create event' }).click();
      await dialog.waitFor({ state: 'detached' });
      await dashboard.getByRole('button', { name: `Publish ${eventName}` }).click();
      await dashboard.getByRole('button', { name: `Unpublish ${eventName}` }).waitFor();
      expect(eventSlug).toMatch(/^[a-z0-9-]+$/);
    });

    await step(journey, 'add a promoter, active on the event', [organizer], async () => {
      await dashboard.getByRole('link', { name: 'Promoters' }).click();
      await dashboard.getByRole('button', { name: 'Add promoter' }).first().click();
      const dialog = dashboard.getByRole('dialog', { name: 'Add promoter' });
      await dialog.getByRole('textbox', { name: 'Name' }).fill(promoterName);
      await dialog.getByRole('textbox', { name: 'Promo code' }).fill(promoCode);
      await dialog.getByText(`${promoCode} is available.`).waitFor();
      await dialog.getByRole('checkbox', { name: eventName }).check();
      await dialog.getByRole('button', { name: 'Add promoter' }).click();
      await dialog.waitFor({ state: 'detached' });
    });

    await step(journey, 'copy the tracking link', [organizer], async () => {
      await dashboard.getByRole('list', { name: 'Promoters' }).getByRole('link', { name: new RegExp(promoterName) }).click();
      const links = dashboard.getByRole('list', { name: 'Tracking links' });
      await links.getByRole('button', { name: /^Copy link/ }).first().click();
      await links.getByRole('button', { name: 'Copied' }).waitFor();
      trackingLink = await dashboard.evaluate(() => navigator.clipboard.readText());
      expect(trackingLink).toBe(`${app.origin}/events/${eventSlug}?promoter=${promoCode}`);
    });

    await step(journey, 'the dashboard is accessible', [organizer], () => expectAccessible(dashboard));
  });

  it('(2) an attendee buys 2 tickets through the link and the open dashboard shows it within 2 s', async () => {
    const attendee = await session();
    const page = await attendee.newPage();
    const journey = 'attributed purchase';
    const buyer = `fan-${suffix}@example.com`;

    await step(journey, 'open the link; the page is accessible', [attendee], async () => {
      await page.goto(trackingLink);
      await page.getByRole('heading', { level: 1, name: eventName }).waitFor();
      await expectAccessible(page);
    });

    await step(journey, 'checkout is accessible', [attendee], async () => {
      await page.getByRole('combobox', { name: /^Quantity for / }).first().selectOption('2');
      await page.getByRole('button', { name: 'Continue to checkout' }).click();
      await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
      await expectAccessible(page);
      await page.goBack();
    });

    await step(journey, 'buy 2 tickets', [attendee], () => buyTickets(page, 2, buyer));

    await step(journey, 'the dashboard updates without reload', [organizer, attendee], async () => {
      const tickets = figure(dashboard.getByLabel(`${promoterName} performance`), 'Tickets');
      await expect.poll(() => tickets.textContent(), { timeout: 2000, interval: 100 }).toBe('2');
    });

    const [order] = await ordersOf(buyer);
    expect(order).toMatchObject({ ticket_count: 2, promoterId: await promoterId() });
  });

  it('(3) only a purchase in the browser session that opened the link is attributed, in any of its tabs', async () => {
    const journey = 'session attribution';
    const stranger = await session();
    const strangerBuyer = `stranger-${suffix}@example.com`;
    await step(journey, 'a new session without the link', [stranger], async () => {
      const page = await stranger.newPage();
      await page.goto(`/events/${eventSlug}`);
      await buyTickets(page, 1, strangerBuyer);
    });
    expect((await ordersOf(strangerBuyer))[0].promoterId).toBeNull();

    const fan = await session();
    const fanBuyer = `second-tab-${suffix}@example.com`;
    await step(journey, 'the link in one tab, the purchase in another', [fan], async () => {
      const first = await fan.newPage();
      await first.goto(trackingLink);
      await first.getByRole('heading', { level: 1, name: eventName }).waitFor();
      await expect.poll(async () => (await fan.cookies()).some((cookie) => cookie.name === 'pl_attr')).toBe(true);
      const second = await fan.newPage();
      await second.goto(`/events/${eventSlug}`);
      await buyTickets(second, 1, fanBuyer);
    });
    expect((await ordersOf(fanBuyer))[0].promoterId).toBe(await promoterId());
  });

  it('(4) a link for one event never attributes a purchase on another', async () => {
    const journey = 'other event';
    await step(journey, 'the organizer adds a second event and activates the promoter on it', [organizer], async () => {
      const { data: first, error } = await app.admin.from('events').select('organization_id, currency').eq('slug', eventSlug).single();
      if (error) throw error;
      otherEventSlug = `winter-gala-${suffix}`;
      const { data: other, error: eventError } = await app.admin
        .from('events')
        .insert({ organization_id: first.organization_id, currency: first.currency, slug: otherEventSlug, name: otherEventName, starts_at: '2031-12-12T19:00:00Z', status: 'published' })
        .select('id')
        .single();
      if (eventError) throw eventError;
      const { error: ticketError } = await app.admin
        .from('ticket_types')
        .insert({ organization_id: first.organization_id, event_id: other.id, name: 'Standard', price_minor: 4000, capacity: 50 });
      if (ticketError) throw ticketError;
      const { error: linkError } = await app.admin
        .from('event_promoters')
        .insert({ organization_id: first.organization_id, event_id: other.id, promoter_id: (await promoterId())!, active: true });
      if (linkError) throw linkError;
    });

    const attendee = await session();
    const buyer = `elsewhere-${suffix}@example.com`;
    await step(journey, 'link for the first event, purchase on the second', [attendee], async () => {
      const page = await attendee.newPage();
      await page.goto(trackingLink);
      await page.getByRole('heading', { level: 1, name: eventName }).waitFor();
      await expect.poll(async () => (await attendee.cookies()).some((cookie) => cookie.name === 'pl_attr')).toBe(true);
      await page.goto(`/events/${otherEventSlug}`);
      await buyTickets(page, 1, buyer);
    });
    const [order] = await ordersOf(buyer);
    expect(order.promoterId).toBeNull();
  });

  it('(8) the organizer finds an order by the buyer’s email, refunds it with one confirmation, and the figures update live', async () => {
    const journey = 'refund';
    const attendee = await session();
    const buyer = `refund-${suffix}@example.com`;
    let reference = '';
    await step(journey, 'an attendee buys 3 tickets without a link', [attendee], async () => {
      const page = await attendee.newPage();
      await page.goto(`/events/${eventSlug}`);
      reference = await buyTickets(page, 3, buyer);
    });

    const eventsTab = await organizer.newPage();
    const card = eventsTab.getByRole('listitem', { name: eventName });
    let soldBefore = 0;
    await step(journey, 'the events page is open in another tab', [organizer], async () => {
      await eventsTab.goto('/dashboard/events');
      await eventsTab.getByRole('status', { name: /^Live/ }).waitFor();
      await expect.poll(async () => Number(await figure(card, 'Tickets sold').textContent())).toBeGreaterThanOrEqual(3);
      soldBefore = Number(await figure(card, 'Tickets sold').textContent());
    });

    await step(journey, 'find the order by email and open it', [organizer], async () => {
      await dashboard.getByRole('link', { name: 'Orders' }).click();
      await dashboard.getByRole('heading', { name: 'Orders', level: 1 }).waitFor();
      await dashboard.getByRole('searchbox', { name: 'Search' }).fill(buyer);
      const table = dashboard.getByRole('table', { name: 'Orders, newest first' });
      await expect.poll(() => table.getByRole('row').count()).toBe(2);
      await table.getByRole('link', { name: reference }).click();
      const detail = dashboard.getByRole('region', { name: `Order ${reference}` });
      await detail.getByText('Not credited to a promoter. The buyer did not come through a promoter link.').waitFor();
      await expectAccessible(dashboard);
    });

    await step(journey, 'the filters line up at 1366 px: none alone on a row, stretched or cutting its text', [organizer], () =>
      atSize(dashboard, { width: 1366, height: 900 }, async () => {
        const filters = dashboard.getByRole('search', { name: 'Find orders' });
        await expect.poll(() => filters.getByRole('combobox', { name: 'Promoter' }).isEnabled()).toBe(true);
        const rows = await controlRows(filters);
        for (const row of rows) {
          const which = row.labels.join(', ');
          expect(row.labels.length, `alone on its row: ${which}`).toBeGreaterThan(1);
          expect(Math.max(...row.tops) - Math.min(...row.tops), `tops of ${which}`).toBeLessThanOrEqual(0.5);
          expect(Math.max(...row.heights) - Math.min(...row.heights), `heights of ${which}`).toBeLessThanOrEqual(0.5);
          expect(row.widestShare, `widest of ${which}`).toBeLessThanOrEqual(0.5);
        }
        expect(rows.flatMap((row) => row.labels)).toHaveLength(7);
        expect(await cutTexts(filters)).toEqual([]);
        expect(await sidewaysScroll(dashboard)).toBe(0);
      }),
    );

    await step(journey, 'refund it with one confirmation', [organizer], async () => {
      const detail = dashboard.getByRole('region', { name: `Order ${reference}` });
      await detail.getByRole('button', { name: 'Refund order' }).click();
      const confirm = dashboard.getByRole('alertdialog', { name: `Refund order ${reference}?` });
      await confirm.getByRole('button', { name: /^Refund / }).click();
      await confirm.waitFor({ state: 'detached' });
      await detail.getByText('Refunded', { exact: true }).waitFor();
      const { data, error } = await app.admin.from('orders').select('status').eq('reference', reference).single();
      if (error) throw error;
      expect(data.status).toBe('refunded');
    });

    await step(journey, 'the other tab’s figures update without reload', [organizer], async () => {
      await expect.poll(async () => Number(await figure(card, 'Tickets sold').textContent()), { timeout: 2000, interval: 100 }).toBe(soldBefore - 3);
    });
    await eventsTab.close();
  });

  it('(6) the event page looks the same with and without the promoter parameter', async () => {
    const journey = 'silent link';
    const plainSession = await session();
    const linkedSession = await session();
    await step(journey, 'compare', [plainSession, linkedSession], async () => {
      const plain = await plainSession.newPage();
      await plain.goto(`/events/${eventSlug}`);
      await plain.getByRole('heading', { level: 1, name: eventName }).waitFor();
      const linked = await linkedSession.newPage();
      await linked.goto(trackingLink);
      await linked.getByRole('heading', { level: 1, name: eventName }).waitFor();
      await expect.poll(async () => (await linkedSession.cookies()).some((cookie) => cookie.name === 'pl_attr')).toBe(true);
      expect(await visibleStructure(linked)).toEqual(await visibleStructure(plain));
      expect(linked.url()).toBe(trackingLink);
      // The link preview a chat app shows: the event, the same for both, without the promoter.
      const preview = (page: typeof plain) =>
        page.evaluate(() =>
          Object.fromEntries(
            [...document.head.querySelectorAll('meta[property^="og:"], meta[name^="twitter:"]')].map((meta) => [
              meta.getAttribute('property') ?? meta.getAttribute('name'),
              meta.getAttribute('content'),
            ]),
          ),
        );
      const tags = await preview(plain);
      expect(tags).toMatchObject({ 'og:title': eventName, 'og:url': new URL(`/events/${eventSlug}`, trackingLink).href, 'twitter:card': 'summary' });
      expect(await preview(linked)).toEqual(tags);
    });
  });

  it('(11) the organizer rotates the promoter’s portal link; a sale through the tracking link appears on the open portal without reload', async () => {
    const journey = 'promoter portal';
    const id = await promoterId();
    let portalLink = '';
    await step(journey, 'create and rotate the portal link in the promoter panel', [organizer], async () => {
      await dashboard.goto(`/dashboard/promoters/${id}`);
      const panel = dashboard.getByRole('region', { name: 'Portal link' });
      await panel.getByRole('button', { name: 'Create portal link' }).click();
      const shown = panel.getByText(/\/p\/[A-Za-z0-9_-]{43}$/);
      const first = (await shown.textContent()) ?? '';
      await panel.getByRole('button', { name: 'Rotate link' }).click();
      const confirm = dashboard.getByRole('alertdialog', { name: 'Rotate the portal link?' });
      await confirm.getByText(/The current link stops working at once/).waitFor();
      await confirm.getByRole('button', { name: 'Rotate link' }).click();
      await expect.poll(() => shown.textContent()).not.toBe(first);
      portalLink = (await shown.textContent()) ?? '';
      expect(portalLink).toMatch(new RegExp(`^${app.origin}/p/`));
    });

    const promoter = await session();
    const portal = await promoter.newPage();
    await portal.setViewportSize({ width: 390, height: 844 });
    let before = 0;
    await step(journey, 'the promoter opens the portal on a phone', [promoter], async () => {
      await portal.goto(portalLink);
      await portal.getByRole('heading', { level: 1, name: promoterName }).waitFor();
      await portal.getByText('Live: new sales appear by themselves.').waitFor();
      const card = portal.getByRole('region', { name: eventName });
      before = Number(await figure(card, 'Tickets').textContent());
      expect(await portal.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await expectAccessible(portal);
    });

    const attendee = await session();
    await step(journey, 'an attendee buys through the tracking link', [attendee], async () => {
      const page = await attendee.newPage();
      await page.goto(trackingLink);
      await page.getByRole('heading', { level: 1, name: eventName }).waitFor();
      await buyTickets(page, 1, `portal-fan-${suffix}@example.com`);
    });

    await step(journey, 'the open portal shows the sale without reload', [promoter], async () => {
      const tickets = figure(portal.getByRole('region', { name: eventName }), 'Tickets');
      await expect.poll(() => tickets.textContent(), { timeout: 3000, interval: 100 }).toBe(String(before + 1));
    });
  });

  it('(5) deleting a promoter takes two confirmations, removes them and their figures, and keeps the orders in event totals', async () => {
    const journey = 'delete promoter';
    const id = await promoterId();
    expect(id).not.toBeNull();
    const { count: ordersBefore } = await app.admin.from('orders').select('id', { count: 'exact', head: true });

    await step(journey, 'two confirmations', [organizer], async () => {
      await dashboard.goto(`/dashboard/promoters/${id}`);
      await dashboard.getByRole('heading', { name: promoterName }).waitFor();
      await dashboard.getByRole('button', { name: /^Delete/ }).first().click();
      const first = dashboard.getByRole('alertdialog', { name: `Delete ${promoterName}?` });
      await first.getByRole('button', { name: 'Continue' }).click();
      const second = dashboard.getByRole('alertdialog', { name: 'Confirm permanent deletion' });
      await second.getByRole('textbox', { name: 'Promo code' }).fill(promoCode);
      await second.getByRole('button', { name: 'Delete permanently' }).click();
      await second.waitFor({ state: 'detached' });
    });

    await step(journey, 'the promoter and their figures are gone', [organizer], async () => {
      await dashboard.getByRole('link', { name: 'Promoters', exact: true }).click();
      await dashboard.getByRole('heading', { name: 'Promoters', level: 1 }).waitFor();
      await expect.poll(() => dashboard.getByRole('main').getByRole('link', { name: new RegExp(promoterName) }).count()).toBe(0);
      expect(await promoterId()).toBeNull();
      const { count: attributionsLeft } = await app.admin.from('attributions').select('id', { count: 'exact', head: true }).eq('promoter_id', id!);
      expect(attributionsLeft).toBe(0);
    });

    await step(journey, 'the orders still count in the event totals', [organizer], async () => {
      const { count: ordersAfter } = await app.admin.from('orders').select('id', { count: 'exact', head: true });
      expect(ordersAfter).toBe(ordersBefore);
      await dashboard.getByRole('link', { name: 'Events' }).click();
      const card = dashboard.getByRole('listitem', { name: eventName });
      // 2 (journey 2) + 1 (stranger) + 1 (second tab) + 1 (portal journey) tickets, none attributed any more.
      await expect.poll(() => figure(card, 'Tickets sold').textContent()).toBe('5');
      await expect.poll(() => figure(card, 'Via promoters').textContent()).toBe('0');
    });
  });

  it('(9) the organizer invites a teammate, who accepts in their own browser and switches between organizations', async () => {
    const journey = 'teams';
    const teammateEmail = `teammate-${suffix}@example.com`;
    const organizationName = `Harbour Events ${suffix}`;
    let invitationLink = '';

    await step(journey, 'invite a teammate as admin', [organizer], async () => {
      await dashboard.getByRole('link', { name: 'Members' }).click();
      const invitations = dashboard.getByRole('region', { name: 'Invitations' });
      await invitations.getByRole('textbox', { name: 'Email' }).fill(teammateEmail);
      await invitations.getByRole('combobox', { name: 'Role' }).selectOption('admin');
      await invitations.getByRole('button', { name: 'Invite' }).click();
      const link = invitations.getByRole('status', { name: 'Invitation link' });
      await link.getByRole('button', { name: /^Copy link/ }).click();
      invitationLink = await dashboard.evaluate(() => navigator.clipboard.readText());
      expect(invitationLink).toMatch(new RegExp(`^${app.origin}/invitations/[A-Za-z0-9_-]{43}$`));
      await invitations.getByRole('rowheader', { name: teammateEmail }).waitFor();
      await expectAccessible(dashboard);
    });

    await step(journey, 'the members page fits a phone: no sideways scroll, every button in view, the invite fields aligned', [organizer], () =>
      atSize(dashboard, { width: 390, height: 844 }, async () => {
        const invitations = dashboard.getByRole('region', { name: 'Invitations' });
        await invitations.getByRole('rowheader', { name: teammateEmail }).waitFor();
        expect(await sidewaysScroll(dashboard)).toBe(0);
        expect(await buttonsOffScreen(dashboard.locator('main'))).toEqual([]);
        const [fields] = await controlRows(invitations.getByRole('form', { name: 'Invite a member' }));
        expect(fields.labels).toEqual(['Email', 'Role']);
        expect(Math.abs(fields.tops[0] - fields.tops[1])).toBeLessThanOrEqual(0.5);
        expect(Math.abs(fields.heights[0] - fields.heights[1])).toBeLessThanOrEqual(0.5);
      }),
    );

    const teammate = await session();
    const page = await teammate.newPage();
    await step(journey, 'the teammate signs up from the link and accepts', [teammate], async () => {
      await page.goto(invitationLink);
      await page.getByRole('heading', { name: `Join ${organizationName}` }).waitFor();
      expect(await page.getByRole('textbox', { name: 'Email' }).inputValue()).toBe(teammateEmail);
      await expectAccessible(page);
      await page.getByLabel('Password').fill('correct-horse-battery-9');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('button', { name: 'Accept invitation' }).click();
      await page.waitForURL(`${app.origin}/dashboard/promoters`);
      await expect.poll(() => page.getByRole('combobox', { name: 'Organization' }).locator('option:checked').textContent()).toBe(organizationName);
    });

    await step(journey, 'the organizer sees the new admin', [organizer], async () => {
      await dashboard.reload();
      const row = dashboard.getByRole('row', { name: new RegExp(teammateEmail) });
      await expect.poll(() => row.getByRole('combobox', { name: `Role of ${teammateEmail}` }).inputValue()).toBe('admin');
      await expect.poll(() => dashboard.getByRole('region', { name: 'Invitations' }).getByRole('rowheader', { name: teammateEmail }).count()).toBe(0);
    });

    await step(journey, 'the teammate creates an organization of their own and switches back', [teammate], async () => {
      const switcher = page.getByRole('combobox', { name: 'Organization' });
      await switcher.selectOption({ label: 'Create organization…' });
      const dialog = page.getByRole('dialog', { name: 'Create organization' });
      await dialog.getByRole('textbox', { name: 'Organization name' }).fill(`Side Project ${suffix}`);
      await dialog.getByRole('button', { name: 'Create organization' }).click();
      await expect.poll(() => switcher.locator('option:checked').textContent()).toBe(`Side Project ${suffix}`);
      await page.getByRole('link', { name: 'Events' }).click();
      await page.getByText('No events yet — create your first').waitFor();
      expect(await page.getByRole('listitem', { name: eventName }).count()).toBe(0);
      await switcher.selectOption({ label: organizationName });
      await page.getByRole('listitem', { name: eventName }).waitFor();
      // The choice is remembered for the next visit.
      await page.reload();
      await expect.poll(() => page.getByRole('combobox', { name: 'Organization' }).locator('option:checked').textContent()).toBe(organizationName);
    });
  });

  it('(10) an organizer who forgot the password sets a new one through the link in the local inbox', async () => {
    const page = await (await session()).newPage();
    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('textbox', { name: 'Email' }).fill(organizerEmail);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByText(/If an account exists for/).waitFor();

    // The inbox page, as a developer opens it, then the link in the message.
    await page.goto(`/inbox?to=${encodeURIComponent(organizerEmail)}`);
    await page.getByRole('link', { name: 'Reset your password' }).first().click();
    await page.getByRole('link', { name: /\/auth\/v1\/verify\?/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Set a new password' }).waitFor();
    expect(new URL(page.url()).hash).toBe('');

    const newPassword = 'a-fresh-start-77';
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.getByRole('heading', { level: 1, name: 'Promoters' }).waitFor();
    const signIn = await fetch(`${app.origin}/auth/v1/token?grant_type=password`, {
      method: 'POST',
      headers: { apikey: app.emulator.anonKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: organizerEmail, password: newPassword }),
    });
    expect(signIn.status).toBe(200);
  });

  it('(12) the attribution window: a restarted browser keeps its credit only in day mode, and only within the window', async () => {
    const journey = 'attribution window';
    const windowSuffix = randomBytes(3).toString('hex');
    const { data: organization, error } = await app.admin
      .from('organizations')
      .insert({ name: `Window Org ${windowSuffix}`, currency: 'EUR' })
      .select('id')
      .single();
    if (error) throw error;
    const slug = `window-show-${windowSuffix}`;
    const { data: event, error: eventError } = await app.admin
      .from('events')
      .insert({ organization_id: organization.id, currency: 'EUR', slug, name: `Window Show ${windowSuffix}`, starts_at: '2031-06-01T19:00:00Z', status: 'published' })
      .select('id')
      .single();
    if (eventError) throw eventError;
    await app.admin.from('ticket_types').insert({ organization_id: organization.id, event_id: event.id, name: 'Entry', price_minor: 1500, capacity: 100 });
    const code = `WIN${windowSuffix.toUpperCase()}`;
    const { data: windowPromoter, error: promoterError } = await app.admin
      .from('promoters')
      .insert({ organization_id: organization.id, name: `Wendy ${windowSuffix}`, promo_code: code })
      .select('id')
      .single();
    if (promoterError) throw promoterError;
    await app.admin.from('event_promoters').insert({ organization_id: organization.id, event_id: event.id, promoter_id: windowPromoter.id, active: true });
    const link = `${app.origin}/events/${slug}?promoter=${code}`;
    const setWindow = async (days: number | null) => {
      await app.emulator.db.query('update public.organizations set attribution_window_days = $2 where id = $1', [organization.id, days]);
      await app.emulator.db.query('update public.events set attribution_window_days = $2 where organization_id = $1', [organization.id, days]);
    };
    /** Opens the link, then "restarts the browser": a new context with what a browser keeps on disk (no session cookies). */
    const restartAfterLink = async (withSavedState: boolean) => {
      const first = await session();
      const page = await first.newPage();
      await page.goto(link, { timeout: 60_000 });
      await page.getByRole('heading', { level: 1 }).waitFor();
      await expect.poll(async () => (await first.cookies()).some((cookie) => cookie.name.startsWith('pl_attr'))).toBe(true);
      const saved = await first.storageState();
      await first.close();
      // A closed browser drops session cookies (expires -1) and sessionStorage.
      return session(withSavedState ? { storageState: { ...saved, cookies: saved.cookies.filter((cookie) => cookie.expires !== -1) } } : {});
    };
    const buyer = (label: string) => `${label}-${windowSuffix}@example.com`;

    await step(journey, 'session mode: a restarted browser is not credited', [], async () => {
      const restarted = await restartAfterLink(true);
      const page = await restarted.newPage();
      await page.goto(`/events/${slug}`, { timeout: 60_000 });
      await buyTickets(page, 1, buyer('session'));
    });
    expect((await ordersOf(buyer('session')))[0].promoterId).toBeNull();

    await setWindow(7);
    await step(journey, '7-day mode: a restarted browser with its saved cookies is credited', [], async () => {
      const restarted = await restartAfterLink(true);
      const page = await restarted.newPage();
      await page.goto(`/events/${slug}`, { timeout: 60_000 });
      await buyTickets(page, 1, buyer('days'));
    });
    expect((await ordersOf(buyer('days')))[0].promoterId).toBe(windowPromoter.id);

    await step(journey, '7-day mode: after the window nobody is credited', [], async () => {
      const restarted = await restartAfterLink(true);
      // Eight days pass: the visit is moved back in the database (the cookie is kept).
      await app.emulator.db.query(`update public.promoter_visits set visited_at = now() - interval '8 days' where promoter_id = $1`, [windowPromoter.id]);
      const page = await restarted.newPage();
      await page.goto(`/events/${slug}`, { timeout: 60_000 });
      await buyTickets(page, 1, buyer('late'));
    });
    expect((await ordersOf(buyer('late')))[0].promoterId).toBeNull();
    const { data: late } = await app.admin.from('orders').select('attribution_outcome').eq('buyer_email', buyer('late')).single();
    expect(late?.attribution_outcome).toBe('expired');
  });

  it('(7) no page of any journey broke the Content-Security-Policy the app is served with', async () => {
    const response = await fetch(`${app.origin}/events/${eventSlug}?promoter=${promoCode}`);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(cspViolations).toEqual([]);
  });

  it('(13) a promoter buys through their own link: the order is flagged, and the organizer chooses that it no longer counts', async () => {
    const journey = 'self-referral';
    // Its own promoter (journey 5 deletes the first one), active on the first journey's event.
    const { data: event, error: eventError } = await app.admin.from('events').select('id, organization_id').eq('slug', eventSlug).single();
    if (eventError) throw eventError;
    const promoterEmail = `sam-${suffix}@example.com`;
    const selfCode = `SAM${suffix.toUpperCase()}`;
    const { data: promoter, error } = await app.admin
      .from('promoters')
      .insert({ organization_id: event.organization_id, name: `Sam ${suffix}`, promo_code: selfCode, email: promoterEmail })
      .select('id, organization_id')
      .single();
    if (error) throw error;
    const id = promoter.id;
    const { error: linkError } = await app.admin
      .from('event_promoters')
      .insert({ organization_id: event.organization_id, event_id: event.id, promoter_id: id, active: true });
    if (linkError) throw linkError;
    const selfLink = `${app.origin}/events/${eventSlug}?promoter=${selfCode}`;
    const panelFigures = () => dashboard.locator('dl.stat-grid[aria-label$=" performance"]');
    const promoterBrowser = await session();
    let reference = '';
    await step(journey, 'the promoter opens their own link and buys 2 tickets with their own email', [promoterBrowser], async () => {
      const page = await promoterBrowser.newPage();
      await page.goto(selfLink, { timeout: 60_000 });
      await page.getByRole('heading', { level: 1 }).waitFor();
      // Another case than the promoter's: the match ignores it.
      reference = await buyTickets(page, 2, promoterEmail.toUpperCase());
    });
    expect((await ordersOf(promoterEmail.toUpperCase()))[0].promoterId).toBe(id);

    await step(journey, 'the orders list flags the order', [organizer], async () => {
      await dashboard.goto('/dashboard/orders');
      await dashboard.getByRole('combobox', { name: 'Self-referrals' }).selectOption('only');
      const table = dashboard.getByRole('table', { name: 'Orders, newest first' });
      await expect.poll(() => table.getByRole('row').count()).toBe(2);
      const row = table.getByRole('row', { name: new RegExp(reference) });
      await row.getByText('Self-referral', { exact: true }).waitFor();
      await expectAccessible(dashboard);
    });

    let ticketsBefore = 0;
    await step(journey, 'the promoter panel counts the self-referral', [organizer], async () => {
      await dashboard.goto(`/dashboard/promoters/${id}`);
      const stats = panelFigures();
      await expect.poll(async () => (await figure(stats, 'Self-referrals').textContent())?.trim()).toBe('1');
      ticketsBefore = Number(await figure(stats, 'Tickets').textContent());
      expect(ticketsBefore).toBeGreaterThanOrEqual(2);
    });

    await step(journey, 'the owner chooses on the settings page that self-referrals no longer count', [organizer], async () => {
      await dashboard.goto('/dashboard/settings');
      const section = dashboard.getByRole('region', { name: 'Self-referrals' });
      const box = section.getByRole('checkbox', { name: "Count self-referrals in promoters' figures" });
      await expect.poll(() => box.isChecked()).toBe(true);
      // The box shows the saved choice: it turns off once the database has it.
      await box.click();
      await dashboard.getByText('Self-referrals no longer count.').waitFor();
      await expect.poll(() => box.isChecked()).toBe(false);
      await expectAccessible(dashboard);
    });

    await step(journey, 'the promoter’s figures leave the self-referral out', [organizer], async () => {
      await dashboard.goto(`/dashboard/promoters/${id}`);
      const stats = panelFigures();
      await expect.poll(async () => Number(await figure(stats, 'Tickets').textContent())).toBe(ticketsBefore - 2);
      expect((await figure(stats, 'Self-referrals').textContent())?.trim()).toBe('1');
    });
    // Back to the default for anything that runs after.
    await app.admin.from('organizations').update({ count_self_referrals: true }).eq('id', promoter.organization_id);
  });
});

/**
 * Journeys 14 and 15 stand on their own: each signs up its own organizer in its own
 * browser session and builds what it needs, so they pass alone (`-t`) or after the rest.
 */
describe('promoters in bulk and referral codes, end to end', () => {
  /** A new organizer, signed up and with an organization, on the promoters page; returns the organization's id. */
  async function newOrganizer(page: Page, label: string, organizationName: string): Promise<string> {
    await page.goto('/sign-up', { timeout: 60_000 });
    await page.getByRole('textbox', { name: 'Email' }).fill(`${label}-${suffix}@example.com`);
    await page.getByLabel('Password').fill('correct-horse-battery-9');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Set up your organization' }).waitFor();
    await page.getByRole('textbox', { name: 'Organization name' }).fill(organizationName);
    await page.getByRole('combobox', { name: 'Currency' }).selectOption('USD');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('link', { name: 'Events' }).waitFor();
    const { data, error } = await app.admin.from('organizations').select('id').eq('name', organizationName).single();
    if (error) throw error;
    return data.id;
  }

  /** A published event of the organization with one ticket type on sale. */
  async function publishedEvent(organizationId: string, slug: string, name: string): Promise<string> {
    const { data: event, error } = await app.admin
      .from('events')
      .insert({ organization_id: organizationId, currency: 'USD', slug, name, starts_at: '2031-09-05T20:00:00Z', status: 'published' })
      .select('id')
      .single();
    if (error) throw error;
    const { error: ticketError } = await app.admin
      .from('ticket_types')
      .insert({ organization_id: organizationId, event_id: event.id, name: 'General Admission', price_minor: 2000, capacity: 100 });
    if (ticketError) throw ticketError;
    return event.id;
  }

  it('(14) an organizer imports promoters from a CSV file: a row error is shown and fixed, blank codes are generated, and an imported promoter’s link is credited', async () => {
    const journey = 'csv import';
    const importer = await session();
    const page = await importer.newPage();
    const organizationName = `Import Events ${suffix}`;
    const slug = `dock-night-${suffix}`;
    const event = `Dock Night ${suffix}`;
    let organizationId = '';
    await step(journey, 'a new organizer with a published event', [importer], async () => {
      organizationId = await newOrganizer(page, 'importer', organizationName);
      await publishedEvent(organizationId, slug, event);
      // Made behind the dashboard's back: a reload shows it.
      await page.reload({ timeout: 60_000 });
      await page.getByRole('heading', { level: 1, name: 'Promoters' }).waitFor();
    });

    // Three rows: a blank code (generated from the name), a chosen code, and a row whose
    // email is not an address and whose code is too short.
    const chosenCode = `OLEK${suffix.toUpperCase()}`;
    const csv = [
      'name,code,email,phone,groups',
      'Ida Import,,ida@example.com,+1 555 0100,Street Team',
      `Olek Import,${chosenCode},,,Street Team`,
      'Vera Import,V,vera-at-example.com,,',
    ].join('\r\n');
    const dialog = page.getByRole('dialog', { name: 'Import promoters' });
    const preview = dialog.getByRole('table', { name: 'Import preview' });
    const row = (number: number) => preview.getByRole('row').filter({ has: page.getByRole('cell', { name: String(number), exact: true }) });

    await step(journey, 'choose the file; the preview shows the bad row’s errors and imports nothing', [importer], async () => {
      await page.getByRole('link', { name: 'Promoters' }).click();
      await page.getByRole('button', { name: 'Import CSV' }).click();
      await dialog.getByLabel('CSV file').setInputFiles({ name: 'promoters.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
      await dialog.getByText('1 of 3 rows have errors.', { exact: false }).waitFor();
      await row(3).getByText('Enter an email address like name@example.com, or leave it empty.', { exact: false }).waitFor();
      await row(3).getByText('A promo code has 3 to 32 letters, digits, hyphens or underscores.', { exact: false }).waitFor();
      await row(1).getByText('(generated)').waitFor();
      expect(await row(2).textContent()).toContain(chosenCode);
      expect(await dialog.getByRole('button', { name: 'Import 3 promoters' }).isDisabled()).toBe(true);
      await expectAccessible(page);
    });

    let generatedCode = '';
    await step(journey, 'fix the row in the pasted text, check again, import', [importer], async () => {
      const text = dialog.getByRole('textbox', { name: 'Or paste the CSV here' });
      // The file's text, as a textarea holds it (line breaks normalized).
      expect(await text.inputValue()).toBe(csv.replaceAll('\r\n', '\n'));
      await text.fill(csv.replace('Vera Import,V,vera-at-example.com', 'Vera Import,,vera@example.com'));
      await dialog.getByRole('button', { name: 'Check rows' }).click();
      await dialog.getByText('3 promoters are ready to import.', { exact: false }).waitFor();
      await row(3).getByText('(generated)').waitFor();
      generatedCode = ((await row(1).getByRole('cell').nth(2).textContent()) ?? '').replace('(generated)', '').trim();
      expect(generatedCode).toMatch(/^[A-Za-z0-9_-]{3,32}$/);
      await dialog.getByRole('button', { name: 'Import 3 promoters' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByText('Imported 3 promoters.').waitFor();
    });

    await step(journey, 'the promoters are listed, with the generated and chosen codes', [importer], async () => {
      const list = page.getByRole('list', { name: 'Promoters' });
      for (const name of ['Ida Import', 'Olek Import', 'Vera Import']) await list.getByRole('link', { name: new RegExp(name) }).waitFor();
      const { data, error } = await app.admin.from('promoters').select('name, promo_code').eq('organization_id', organizationId).order('name');
      if (error) throw error;
      expect(data.map((promoter) => promoter.name)).toEqual(['Ida Import', 'Olek Import', 'Vera Import']);
      expect(data[0].promo_code).toBe(generatedCode);
      expect(data[1].promo_code).toBe(chosenCode);
      expect(data[2].promo_code).toMatch(/^[A-Za-z0-9_-]{3,32}$/);
      expect(new Set(data.map((promoter) => promoter.promo_code.toLowerCase())).size).toBe(3);
    });

    let link = '';
    await step(journey, 'activate the imported promoter with the generated code on the event', [importer], async () => {
      await page.getByRole('list', { name: 'Promoters' }).getByRole('link', { name: /Ida Import/ }).click();
      await page.getByRole('heading', { level: 2, name: 'Ida Import' }).waitFor();
      const links = page.getByRole('list', { name: 'Tracking links' });
      await links.getByRole('button', { name: `Activate on ${event}` }).click();
      const eventLink = links.getByRole('listitem', { name: event });
      await eventLink.getByText('Active', { exact: true }).waitFor();
      link = (await eventLink.locator('code').textContent()) ?? '';
      expect(link).toBe(`${app.origin}/events/${slug}?promoter=${generatedCode}`);
    });

    const attendee = await session();
    const buyer = `imported-fan-${suffix}@example.com`;
    await step(journey, 'an attendee buys through the imported promoter’s link', [attendee], async () => {
      const fan = await attendee.newPage();
      await fan.goto(link, { timeout: 60_000 });
      await fan.getByRole('heading', { level: 1, name: event }).waitFor();
      await buyTickets(fan, 2, buyer);
    });

    await step(journey, 'the open dashboard credits the sale to the imported promoter', [importer, attendee], async () => {
      const tickets = figure(page.getByLabel('Ida Import performance'), 'Tickets');
      await expect.poll(() => tickets.textContent(), { timeout: 5000, interval: 100 }).toBe('2');
      const [order] = await ordersOf(buyer);
      const { data: ida } = await app.admin.from('promoters').select('id').eq('organization_id', organizationId).eq('name', 'Ida Import').single();
      expect(order).toMatchObject({ ticket_count: 2, promoterId: ida?.id });
      expect(cspViolations).toEqual([]);
    });
  });

  it('(15) the referral code at checkout: an unknown code is refused beside the field before anything is bought, a valid one credits its promoter, and a link wins over a code', async () => {
    const journey = 'referral code';
    const owner = await session();
    const page = await owner.newPage();
    const organizationName = `Referral Events ${suffix}`;
    const slug = `rooftop-${suffix}`;
    const event = `Rooftop Sessions ${suffix}`;
    const linkCode = `LINK${suffix.toUpperCase()}`;
    const referralCode = `REF${suffix.toUpperCase()}`;
    const promoters: Record<'link' | 'referral', string> = { link: '', referral: '' };

    await step(journey, 'a new organizer with an event and two active promoters', [owner], async () => {
      const organizationId = await newOrganizer(page, 'referrals', organizationName);
      const eventId = await publishedEvent(organizationId, slug, event);
      for (const [key, name, code] of [['link', 'Lina Link', linkCode], ['referral', 'Remy Referral', referralCode]] as const) {
        const { data, error } = await app.admin.from('promoters').insert({ organization_id: organizationId, name, promo_code: code }).select('id').single();
        if (error) throw error;
        promoters[key] = data.id;
        const { error: linkError } = await app.admin.from('event_promoters').insert({ organization_id: organizationId, event_id: eventId, promoter_id: data.id, active: true });
        if (linkError) throw linkError;
      }
    });

    await step(journey, 'the organizer turns the referral code on in settings', [owner], async () => {
      await page.getByRole('link', { name: 'Settings' }).click();
      const ask = page.getByRole('checkbox', { name: /Ask “Referred by \(code\)” at checkout/ });
      expect(await ask.isChecked()).toBe(false);
      await ask.check();
      await page.getByRole('button', { name: 'Save attribution settings' }).click();
      await page.getByText('Attribution settings saved.').waitFor();
      const { data, error } = await app.admin.from('events').select('referral_code_at_checkout').eq('slug', slug).single();
      if (error) throw error;
      expect(data.referral_code_at_checkout).toBe(true);
    });

    const attendee = await session();
    const checkout = await attendee.newPage();
    const buyer = `referred-${suffix}@example.com`;
    const codeField = checkout.getByRole('textbox', { name: 'Referred by (code)' });
    await step(journey, 'an attendee without a link types an unknown code: the sentence is beside the field and nothing is bought', [attendee], async () => {
      await checkout.goto(`/events/${slug}`, { timeout: 60_000 });
      await checkout.getByRole('heading', { level: 1, name: event }).waitFor();
      await checkout.getByRole('combobox', { name: /^Quantity for / }).first().selectOption('1');
      await checkout.getByRole('button', { name: 'Continue to checkout' }).click();
      await checkout.getByRole('textbox', { name: 'Full name' }).fill('Rae Referred');
      await checkout.getByRole('textbox', { name: 'Email' }).fill(buyer);
      await codeField.fill(`NOPE${suffix.toUpperCase()}`);
      await checkout.getByRole('button', { name: /^Pay .* \(test mode\)$/ }).click();
      const sentence = 'Referred by (code): no promoter of this event has this code. Check it, or clear the field to buy without one.';
      const field = checkout.locator('.field', { has: codeField });
      await field.getByText(sentence).waitFor();
      expect(await codeField.getAttribute('aria-invalid')).toBe('true');
      expect(await ordersOf(buyer)).toEqual([]);
      await expectAccessible(checkout);
    });

    await step(journey, 'with the promoter’s code (any case) the order goes through, credited to that promoter', [attendee], async () => {
      await codeField.fill(referralCode.toLowerCase());
      await checkout.getByRole('button', { name: /^Pay .* \(test mode\)$/ }).click();
      await checkout.getByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' }).waitFor();
      const orders = await ordersOf(buyer);
      expect(orders).toHaveLength(1);
      expect(orders[0].promoterId).toBe(promoters.referral);
      const { data: credit } = await app.admin.from('attributions').select('source').eq('order_id', orders[0].id).single();
      expect(credit?.source).toBe('referral_code');
    });

    const linked = await session();
    const linkedBuyer = `linked-and-referred-${suffix}@example.com`;
    await step(journey, 'with a link token as well, the link’s promoter wins', [linked], async () => {
      const fan = await linked.newPage();
      await fan.goto(`/events/${slug}?promoter=${linkCode}`, { timeout: 60_000 });
      await fan.getByRole('heading', { level: 1, name: event }).waitFor();
      await expect.poll(async () => (await linked.cookies()).some((cookie) => cookie.name.startsWith('pl_attr'))).toBe(true);
      await fan.getByRole('combobox', { name: /^Quantity for / }).first().selectOption('1');
      await fan.getByRole('button', { name: 'Continue to checkout' }).click();
      await fan.getByRole('textbox', { name: 'Full name' }).fill('Lee Linked');
      await fan.getByRole('textbox', { name: 'Email' }).fill(linkedBuyer);
      await fan.getByRole('textbox', { name: 'Referred by (code)' }).fill(referralCode);
      await fan.getByRole('button', { name: /^Pay .* \(test mode\)$/ }).click();
      await fan.getByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' }).waitFor();
    });
    const [linkedOrder] = await ordersOf(linkedBuyer);
    expect(linkedOrder.promoterId).toBe(promoters.link);
    expect(cspViolations).toEqual([]);
  });
});
