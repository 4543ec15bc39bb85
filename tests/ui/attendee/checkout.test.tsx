import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  admin,
  make,
  network,
  ordersOf,
  otherVisitor,
  renderAttendee,
  resetBrowserSession,
  startAttendeeEmulator,
  stopAttendeeEmulator,
} from './harness';
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

function checkoutPath(slug: string, tickets: [string, number][]) {
  return `/events/${slug}/checkout?tickets=${tickets.map(([id, quantity]) => `${id}:${quantity}`).join(',')}`;
}

let buyers = 0;
function newBuyerEmail() {
  buyers += 1;
  return `buyer${buyers}.${Date.now()}@example.com`;
}

async function fillBuyer(user: ReturnType<typeof renderAttendee>['user'], name: string, email: string) {
  await user.type(await screen.findByRole('textbox', { name: 'Full name' }), name);
  await user.type(screen.getByRole('textbox', { name: 'Email' }), email);
}

describe('checkout', () => {
  it('explains what is missing in the buyer details, next to each field', async () => {
    const event = await make().event(fixture);
    const { user } = renderAttendee(checkoutPath(event.slug, [[event.ticketTypes[0].id, 1]]));
    const pay = await screen.findByRole('button', { name: 'Pay $25.00 (test mode)' });

    await user.click(pay);
    const name = screen.getByRole('textbox', { name: 'Full name' });
    const email = screen.getByRole('textbox', { name: 'Email' });
    expect(name).toHaveAccessibleDescription('Please enter your name.');
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(email).toHaveAccessibleDescription('Please enter your email address.');
    expect(name).toHaveFocus();

    await user.type(name, 'Ada Lovelace');
    expect(name).not.toHaveAttribute('aria-invalid');
    await user.type(email, 'ada@');
    await user.tab();
    expect(email).toHaveAccessibleDescription('Please enter a valid email address, like name@example.com.');
    expect(await ordersOf('ada@')).toHaveLength(0);
  });

  it('shows a clearly labelled test-mode payment step', async () => {
    const event = await make().event(fixture);
    renderAttendee(checkoutPath(event.slug, [[event.ticketTypes[0].id, 1]]));
    expect(await screen.findByRole('heading', { name: 'Payment (test mode)' })).toBeInTheDocument();
    expect(screen.getByText(/no real payment is taken/)).toBeInTheDocument();
  });

  it('buys the tickets and shows the order reference and summary, also after a reload', async () => {
    const event = await make().event(fixture, {
      name: 'Harbour Lights',
      ticketTypes: [
        { name: 'General Admission', price_minor: 2500, capacity: 100 },
        { name: 'VIP', price_minor: 8000, capacity: 20 },
      ],
    });
    const email = newBuyerEmail();
    const [general, vip] = event.ticketTypes;
    const view = renderAttendee(checkoutPath(event.slug, [[general.id, 2], [vip.id, 1]]));
    await fillBuyer(view.user, 'Ada Lovelace', email);
    await view.user.click(screen.getByRole('button', { name: 'Pay $130.00 (test mode)' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' })).toBeInTheDocument();
    const reference = screen.getByTestId('order-reference').textContent ?? '';
    expect(reference).toMatch(/^PL-[0-9A-Z]{8}$/);
    expect(view.location()).toBe(`/events/${event.slug}/orders/${reference}`);
    const receipt = screen.getByRole('table', { name: 'Tickets in this order' });
    expect(within(receipt).getByRole('rowheader', { name: 'Total' }).closest('tr')).toHaveTextContent('$130.00');
    expect(screen.getByText(/3 tickets for/)).toHaveTextContent('Harbour Lights');

    const [order] = await ordersOf(email);
    expect(order).toMatchObject({ reference, ticket_count: 3, total_minor: 13000, event_id: event.id });

    // A reload renders the page from scratch: the receipt comes back from this tab's storage.
    view.unmount();
    renderAttendee(`/events/${event.slug}/orders/${reference}`);
    expect(screen.getByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' })).toBeInTheDocument();
    expect(screen.getByTestId('order-reference')).toHaveTextContent(reference);

    // Another tab (or browser) has no receipt to show, and says so.
    sessionStorage.clear();
    renderAttendee(`/events/${event.slug}/orders/${reference}`);
    expect(screen.getByRole('heading', { level: 1, name: `Order ${reference}` })).toBeInTheDocument();
    expect(screen.getByText(/only shown in the browser tab where it was placed/)).toBeInTheDocument();
  });

  it('books one order when Pay is clicked twice', async () => {
    const event = await make().event(fixture);
    const email = newBuyerEmail();
    const { user } = renderAttendee(checkoutPath(event.slug, [[event.ticketTypes[0].id, 2]]));
    await fillBuyer(user, 'Grace Hopper', email);
    await user.dblClick(screen.getByRole('button', { name: 'Pay $50.00 (test mode)' }));

    await screen.findByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' });
    const orders = await ordersOf(email);
    expect(orders).toHaveLength(1);
    expect(orders[0].ticket_count).toBe(2);
  });

  it('disables Pay while the payment is processed', async () => {
    const event = await make().event(fixture);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    network.fetch = async (input, init) => {
      if (String(input).includes('/rpc/checkout')) await held;
      return fetch(input, init);
    };
    const { user } = renderAttendee(checkoutPath(event.slug, [[event.ticketTypes[0].id, 1]]));
    await fillBuyer(user, 'Grace Hopper', newBuyerEmail());
    await user.click(screen.getByRole('button', { name: 'Pay $25.00 (test mode)' }));
    expect(await screen.findByRole('button', { name: 'Processing payment…' })).toBeDisabled();
    release();
    expect(await screen.findByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' })).toBeInTheDocument();
  });

  it('retries with the same idempotency key when the answer is lost, so the order is booked once', async () => {
    const event = await make().event(fixture);
    const email = newBuyerEmail();
    const keys: string[] = [];
    network.fetch = async (input, init) => {
      if (!String(input).includes('/rpc/checkout')) return fetch(input, init);
      keys.push(JSON.parse(String(init?.body)).p_idempotency_key);
      const response = await fetch(input, init);
      // The first order reaches the database, but its answer never reaches the browser.
      if (keys.length === 1) throw new TypeError('fetch failed');
      return response;
    };
    const { user } = renderAttendee(checkoutPath(event.slug, [[event.ticketTypes[0].id, 1]]));
    await fillBuyer(user, 'Grace Hopper', email);
    await user.click(screen.getByRole('button', { name: 'Pay $25.00 (test mode)' }));

    await screen.findByRole('heading', { level: 1, name: 'Thank you, your order is confirmed' });
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(await ordersOf(email)).toHaveLength(1);
  });

  it('says so when the tickets sold out in the meantime, and books nothing', async () => {
    const event = await make().event(fixture, {
      ticketTypes: [{ name: 'Front Row', price_minor: 5000, capacity: 3 }],
    });
    const [frontRow] = event.ticketTypes;
    const email = newBuyerEmail();
    const { user } = renderAttendee(checkoutPath(event.slug, [[frontRow.id, 3]]));
    await fillBuyer(user, 'Ada Lovelace', email);

    const { error } = await otherVisitor().rpc('checkout', {
      p_event_slug: event.slug,
      p_items: [{ ticket_type_id: frontRow.id, quantity: 2 }],
      p_buyer_name: 'Quick Buyer',
      p_buyer_email: newBuyerEmail(),
      p_idempotency_key: crypto.randomUUID(),
    });
    expect(error).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Pay $150.00 (test mode)' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Sorry, only 1 ticket of Front Row is left. Please choose fewer tickets.');
    expect(screen.getByRole('button', { name: 'Pay $150.00 (test mode)' })).toBeEnabled();
    expect(await ordersOf(email)).toHaveLength(0);
  });

  it('says so when the event is no longer on sale', async () => {
    const event = await make().event(fixture);
    const { user } = renderAttendee(checkoutPath(event.slug, [[event.ticketTypes[0].id, 1]]));
    await fillBuyer(user, 'Ada Lovelace', newBuyerEmail());
    const { error } = await admin().from('events').update({ status: 'cancelled' }).eq('id', event.id);
    expect(error).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Pay $25.00 (test mode)' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Tickets for this event are no longer on sale.');
  });

  it('sends the buyer back to choose tickets when the selection is empty', async () => {
    const event = await make().event(fixture);
    const { user, location } = renderAttendee(`/events/${event.slug}/checkout`);
    expect(await screen.findByText('You have not chosen any tickets yet.')).toBeInTheDocument();
    await user.click(screen.getByRole('link', { name: 'Choose tickets' }));
    await waitFor(() => expect(location()).toBe(`/events/${event.slug}`));
  });
});
