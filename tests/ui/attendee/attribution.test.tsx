import { screen, waitFor } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { attributionTokenFor } from '@/features/attendee/lib/attendee-session';
import { admin, make, ordersOf, renderAttendee, resetBrowserSession, startAttendeeEmulator, stopAttendeeEmulator } from './harness';
import type { Organization } from '../../helpers/factory';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));
vi.mock('@/lib/public-api', () => import('../support/spa-client'));

let fixture: Organization;

beforeAll(async () => {
  await startAttendeeEmulator();
  fixture = await make().organization({ currency: 'USD' });
});
afterAll(stopAttendeeEmulator);
beforeEach(resetBrowserSession);

let buyers = 0;
function newBuyerEmail() {
  buyers += 1;
  return `fan${buyers}.${Date.now()}@example.com`;
}

/** The event page's markup after choosing one ticket. */
async function eventPageWithOneTicket(path: string) {
  const view = renderAttendee(path);
  await view.user.selectOptions(await screen.findByRole('combobox', { name: 'Quantity for General Admission' }), '1');
  return { ...view, markup: view.container.querySelector('main')?.outerHTML };
}

/** Opens the event page (with whatever query string), picks one ticket and buys it. */
async function buyOneTicket(path: string, email: string) {
  const { user, unmount, markup } = await eventPageWithOneTicket(path);
  await user.click(screen.getByRole('button', { name: 'Continue to checkout' }));
  await user.type(await screen.findByRole('textbox', { name: 'Full name' }), 'Sam Fan');
  await user.type(screen.getByRole('textbox', { name: 'Email' }), email);
  await user.click(screen.getByRole('button', { name: 'Pay $25.00 (test mode)' }));
  await screen.findByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' });
  unmount();
  return markup;
}

describe('silent promoter attribution', () => {
  it('attributes a purchase made after landing through a promoter link', async () => {
    const event = await make().event(fixture);
    const promoter = await make().promoter(fixture, { events: [event.id] });
    const email = newBuyerEmail();

    await buyOneTicket(`/events/${event.slug}?promoter=${promoter.promo_code}`, email);

    expect(attributionTokenFor(event.slug)).toEqual(expect.any(String));
    const [order] = await ordersOf(email);
    expect(order.promoterId).toBe(promoter.id);
  });

  it('shows the same page for a valid promoter link as without one', async () => {
    const event = await make().event(fixture);
    const promoter = await make().promoter(fixture, { events: [event.id] });
    const plain = renderAttendee(`/events/${event.slug}`);
    await screen.findByRole('heading', { level: 1 });
    const withoutLink = plain.container.querySelector('main')?.outerHTML;
    plain.unmount();

    const linked = renderAttendee(`/events/${event.slug}?promoter=${promoter.promo_code}`);
    await screen.findByRole('heading', { level: 1 });
    await waitFor(() => expect(attributionTokenFor(event.slug)).toBeDefined());
    expect(linked.container.querySelector('main')?.outerHTML).toBe(withoutLink);
  });

  it('ignores an unknown promoter code: nothing changes and the purchase works, unattributed', async () => {
    const event = await make().event(fixture);
    await make().promoter(fixture, { events: [event.id] });
    const email = newBuyerEmail();
    const plain = await eventPageWithOneTicket(`/events/${event.slug}`);
    plain.unmount();
    const withUnknownCode = await buyOneTicket(`/events/${event.slug}?promoter=NOT-A-PROMOTER`, email);

    expect(withUnknownCode).toBe(plain.markup);
    expect(attributionTokenFor(event.slug)).toBeUndefined();
    const [order] = await ordersOf(email);
    expect(order.promoterId).toBeNull();
  });

  it('never attributes a purchase on another event than the one the link was for', async () => {
    const linkedEvent = await make().event(fixture);
    const otherEvent = await make().event(fixture);
    const promoter = await make().promoter(fixture, { events: [linkedEvent.id, otherEvent.id] });
    const email = newBuyerEmail();

    const visit = renderAttendee(`/events/${linkedEvent.slug}?promoter=${promoter.promo_code}`);
    await waitFor(() => expect(attributionTokenFor(linkedEvent.slug)).toBeDefined());
    visit.unmount();
    await buyOneTicket(`/events/${otherEvent.slug}`, email);

    const [order] = await ordersOf(email);
    expect(order.event_id).toBe(otherEvent.id);
    expect(order.promoterId).toBeNull();
    // The other event's token came along, so the organizer can be told why.
    const { data: recorded } = await admin().from('orders').select('attribution_outcome').eq('id', order.id).single();
    expect(recorded?.attribution_outcome).toBe('other_event');
  });

  it('credits the promoter whose link was opened last for the event', async () => {
    const event = await make().event(fixture);
    const first = await make().promoter(fixture, { events: [event.id] });
    const second = await make().promoter(fixture, { events: [event.id] });
    const email = newBuyerEmail();

    const visit = renderAttendee(`/events/${event.slug}?promoter=${first.promo_code}`);
    await waitFor(() => expect(attributionTokenFor(event.slug)).toBeDefined());
    const firstToken = attributionTokenFor(event.slug);
    visit.unmount();
    await buyOneTicket(`/events/${event.slug}?promoter=${second.promo_code}`, email);

    expect(attributionTokenFor(event.slug)).not.toBe(firstToken);
    const [order] = await ordersOf(email);
    expect(order.promoterId).toBe(second.id);
  });

  it('does not attribute the purchase to a promoter who was deactivated meanwhile', async () => {
    const event = await make().event(fixture);
    const promoter = await make().promoter(fixture, { events: [event.id] });
    const email = newBuyerEmail();
    const visit = renderAttendee(`/events/${event.slug}?promoter=${promoter.promo_code}`);
    await waitFor(() => expect(attributionTokenFor(event.slug)).toBeDefined());
    visit.unmount();
    const { error } = await admin().from('event_promoters').update({ active: false }).eq('promoter_id', promoter.id);
    expect(error).toBeNull();

    await buyOneTicket(`/events/${event.slug}`, email);
    const [order] = await ordersOf(email);
    expect(order.promoterId).toBeNull();
  });
});
