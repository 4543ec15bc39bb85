import { screen, waitFor } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PENDING_VISITS_KEY } from '@/features/attendee/api/track-promoter-visit';
import { ATTRIBUTION_COOKIE, ATTRIBUTION_DAYS_COOKIE, attributionTokenFor } from '@/features/attendee/lib/attendee-session';
import { publicEventQueryOptions } from '@/features/attendee/api/get-public-event';
import { admin, make, network, newQueryClient, ordersOf, renderAttendee, resetBrowserSession, startAttendeeEmulator, stopAttendeeEmulator } from './harness';
import type { Organization } from '../../helpers/factory';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));
vi.mock('@/lib/public-api', () => import('../support/spa-client'));

let sessionOrg: Organization;
let daysOrg: Organization;

/** The organization's settings as set_attribution_settings() leaves them (written here with the service role). */
async function setSettings(fixture: Organization, days: number | null, referralCodes: boolean) {
  const organization = await admin()
    .from('organizations')
    .update({ attribution_window_days: days, referral_code_at_checkout: referralCodes })
    .eq('id', fixture.id);
  expect(organization.error).toBeNull();
  // Its events follow (a trigger copies the organization's values).
  const events = await admin().from('events').update({ attribution_window_days: days }).eq('organization_id', fixture.id);
  expect(events.error).toBeNull();
}

beforeAll(async () => {
  await startAttendeeEmulator();
  sessionOrg = await make().organization({ currency: 'USD' });
  daysOrg = await make().organization({ currency: 'USD' });
  await setSettings(daysOrg, 7, true);
});
afterAll(stopAttendeeEmulator);
beforeEach(resetBrowserSession);

let buyers = 0;
function newBuyerEmail() {
  buyers += 1;
  return `window${buyers}.${Date.now()}@example.com`;
}

const cookieNames = () => document.cookie.split('; ').map((part) => part.slice(0, part.indexOf('=')));

/** Opens the event page, picks one ticket, goes to checkout and fills in the buyer. */
async function toCheckout(path: string, email: string) {
  const view = renderAttendee(path);
  await view.user.selectOptions(await screen.findByRole('combobox', { name: 'Quantity for General Admission' }), '1');
  await view.user.click(screen.getByRole('button', { name: 'Continue to checkout' }));
  await view.user.type(await screen.findByRole('textbox', { name: 'Full name' }), 'Sam Fan');
  await view.user.type(screen.getByRole('textbox', { name: 'Email' }), email);
  return view;
}

async function pay(view: Awaited<ReturnType<typeof toCheckout>>) {
  await view.user.click(screen.getByRole('button', { name: 'Pay $25.00 (test mode)' }));
}

describe('attribution window on the attendee pages', () => {
  it('session mode keeps the token in the session cookie only', async () => {
    const event = await make().event(sessionOrg);
    const promoter = await make().promoter(sessionOrg, { events: [event.id] });
    renderAttendee(`/events/${event.slug}?promoter=${promoter.promo_code}`);
    await waitFor(() => expect(attributionTokenFor(event.slug)).toBeDefined());
    expect(cookieNames()).toContain(ATTRIBUTION_COOKIE);
    expect(cookieNames()).not.toContain(ATTRIBUTION_DAYS_COOKIE);
  });

  it('7-day mode keeps the token in the persistent cookie, and the purchase is credited', async () => {
    const event = await make().event(daysOrg);
    const promoter = await make().promoter(daysOrg, { events: [event.id] });
    const email = newBuyerEmail();
    const view = await toCheckout(`/events/${event.slug}?promoter=${promoter.promo_code}`, email);
    expect(cookieNames()).toContain(ATTRIBUTION_DAYS_COOKIE);
    expect(cookieNames()).not.toContain(ATTRIBUTION_COOKIE);
    await pay(view);
    await screen.findByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' });
    const [order] = await ordersOf(email);
    expect(order.promoterId).toBe(promoter.id);
  });
});

describe('fast navigation', () => {
  it('records the visit when the event is already loaded as the page mounts (page and details in one commit)', async () => {
    const event = await make().event(sessionOrg);
    const promoter = await make().promoter(sessionOrg, { events: [event.id] });
    const queryClient = newQueryClient();
    await queryClient.prefetchQuery(publicEventQueryOptions(event.slug));
    expect(queryClient.getQueryData(publicEventQueryOptions(event.slug).queryKey)).toBeTruthy();
    renderAttendee(`/events/${event.slug}?promoter=${promoter.promo_code}`, queryClient);
    await waitFor(() => expect(attributionTokenFor(event.slug)).toBeDefined());
  });

  it('a visit whose request never got an answer is recorded on the next page of the event, and credits the purchase', async () => {
    const event = await make().event(sessionOrg);
    const promoter = await make().promoter(sessionOrg, { events: [event.id] });
    const email = newBuyerEmail();
    // The attendee reloads while the visit is on its way: the request is cancelled.
    let cancelled = 0;
    network.fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).includes('/rpc/track_promoter_visit')) {
        cancelled += 1;
        return Promise.reject(new TypeError('Failed to fetch'));
      }
      return fetch(input, init);
    };
    const landed = renderAttendee(`/events/${event.slug}?promoter=${promoter.promo_code}`);
    await screen.findByRole('heading', { level: 1 });
    await waitFor(() => expect(cancelled).toBeGreaterThan(0));
    expect(attributionTokenFor(event.slug)).toBeUndefined();
    expect(sessionStorage.getItem(PENDING_VISITS_KEY)).toContain(promoter.promo_code);
    landed.unmount();
    network.fetch = (...args) => fetch(...args);

    // Reloaded without ?promoter=.
    const view = await toCheckout(`/events/${event.slug}`, email);
    await pay(view);
    await screen.findByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' });
    const [order] = await ordersOf(email);
    expect(order.promoterId).toBe(promoter.id);
    expect(sessionStorage.getItem(PENDING_VISITS_KEY)).toBeNull();
  });
});

describe('QR code links', () => {
  it('removes src=qr from the address at once, records the visit as a QR visit, and the sale inherits it', async () => {
    const event = await make().event(sessionOrg);
    const promoter = await make().promoter(sessionOrg, { events: [event.id] });
    const email = newBuyerEmail();
    const view = renderAttendee(`/events/${event.slug}?promoter=${promoter.promo_code}&src=qr`);
    await waitFor(() => expect(view.location()).toBe(`/events/${event.slug}?promoter=${promoter.promo_code}`));
    await waitFor(() => expect(attributionTokenFor(event.slug)).toBeDefined());
    view.unmount();
    const checkout = await toCheckout(`/events/${event.slug}`, email);
    await pay(checkout);
    await screen.findByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' });
    const [order] = await ordersOf(email);
    const { data: visits } = await admin().from('promoter_visits').select('source').eq('promoter_id', promoter.id);
    expect(visits).toEqual([{ source: 'qr' }]);
    const { data: attribution } = await admin().from('attributions').select('source').eq('order_id', order.id).single();
    expect(attribution?.source).toBe('qr');
  });
});

describe('referral code at checkout', () => {
  it('is not asked when the organization does not take referral codes', async () => {
    const event = await make().event(sessionOrg);
    await toCheckout(`/events/${event.slug}`, newBuyerEmail());
    expect(screen.queryByRole('textbox', { name: /Referred by/ })).toBeNull();
  });

  it('refuses an unknown code next to the field without placing the order, then credits the corrected one', async () => {
    const event = await make().event(daysOrg);
    const promoter = await make().promoter(daysOrg, { events: [event.id] });
    const email = newBuyerEmail();
    const view = await toCheckout(`/events/${event.slug}`, email);
    const field = screen.getByRole('textbox', { name: 'Referred by (code)' });
    await view.user.type(field, 'NOPE123');
    await pay(view);
    await waitFor(() => expect(field).toHaveAttribute('aria-invalid', 'true'));
    expect(screen.getByText(/Referred by \(code\): no promoter of this event has this code/)).toBeInTheDocument();
    expect(await ordersOf(email)).toEqual([]);

    await view.user.clear(field);
    await view.user.type(field, promoter.promo_code.toLowerCase());
    await pay(view);
    await screen.findByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' });
    const [order] = await ordersOf(email);
    expect(order.promoterId).toBe(promoter.id);
    const { data: attribution } = await admin().from('attributions').select('source').eq('order_id', order.id).single();
    expect(attribution?.source).toBe('referral_code');
  });
});
