import { afterEach, describe, expect, it } from 'vitest';
import { cartFromSearchParams, cartTicketCount, cartToSearchParams } from '@/features/attendee/lib/cart';
import { toCheckoutFailure } from '@/features/attendee/lib/checkout-errors';
import { validateBuyer } from '@/features/attendee/lib/buyer';
import { forgetAttempt, idempotencyKeyFor, loadOrder, saveOrder, type StoredOrder } from '@/features/attendee/lib/order-storage';
import { formatEventTime } from '@/features/attendee/lib/format';

const A = '0b6f2c1e-8d3a-4f5b-9c7d-1e2f3a4b5c6d';
const B = '7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f';

afterEach(() => sessionStorage.clear());

describe('the ticket selection in the URL', () => {
  it('round-trips the chosen quantities and leaves out zeros', () => {
    const params = cartToSearchParams(new Map([[A, 2], [B, 0]]));
    const cart = cartFromSearchParams(new URLSearchParams(params.toString()));
    expect([...cart]).toEqual([[A, 2]]);
    expect(cartTicketCount(cart)).toBe(2);
  });

  it('drops entries that cannot be a ticket selection', () => {
    const params = new URLSearchParams({
      tickets: `${A}:3,not-a-uuid:1,${B}:0,${B}:51,${B}:-1,${B}:1.5,${A}:2:9,${B}`,
    });
    expect([...cartFromSearchParams(params)]).toEqual([[A, 3]]);
    expect(cartFromSearchParams(new URLSearchParams()).size).toBe(0);
  });
});

describe('checkout refusals', () => {
  it('become sentences, and sold_out names the ticket type and what is left', () => {
    const soldOut = toCheckoutFailure(
      { message: 'sold_out', details: JSON.stringify({ ticket_type_id: A, name: 'VIP', available: 2 }) },
      400,
    );
    expect(soldOut.kind).toBe('refused');
    expect(soldOut.message).toBe('Sorry, only 2 tickets of VIP are left. Please choose fewer tickets.');
    expect(toCheckoutFailure({ message: 'sold_out', details: JSON.stringify({ name: 'VIP', available: 0 }) }, 400).message).toBe(
      'Sorry, VIP is sold out. Please choose another ticket type.',
    );
    expect(toCheckoutFailure({ message: 'sold_out', details: 'garbage' }, 400).message).toMatch(/not enough tickets left/);
    expect(toCheckoutFailure({ message: 'event_not_on_sale' }, 400).message).toBe('Tickets for this event are no longer on sale.');
    expect(toCheckoutFailure({ message: 'invalid_quantity' }, 400).message).toMatch(/between 1 and 50 tickets/);
    const throttled = toCheckoutFailure({ message: 'too_many_checkouts', code: 'PT429' }, 429);
    expect(throttled).toMatchObject({ kind: 'refused', code: 'too_many_checkouts' });
    expect(throttled.message).toMatch(/wait a minute and try again/);
  });

  it('treats a failed request as a network problem that is safe to retry, and anything else as unexpected', () => {
    const network = toCheckoutFailure({ message: 'TypeError: fetch failed' }, 0);
    expect(network.kind).toBe('network');
    expect(network.message).toMatch(/will not be charged twice/);
    expect(toCheckoutFailure({ message: 'Internal error' }, 503).kind).toBe('network');
    const unexpected = toCheckoutFailure({ message: 'permission denied for function checkout' }, 403);
    expect(unexpected.kind).toBe('unexpected');
    expect(unexpected.message).not.toContain('permission');
  });
});

describe('the buyer details', () => {
  it('are accepted with the name tidied and the email trimmed', () => {
    expect(validateBuyer({ name: '  Ada   Lovelace ', email: ' ada@example.com ' })).toEqual({
      buyer: { name: 'Ada Lovelace', email: 'ada@example.com' },
    });
  });

  it('are refused with one sentence per field', () => {
    expect(validateBuyer({ name: '   ', email: '' }).errors).toEqual({
      name: 'Please enter your name.',
      email: 'Please enter your email address.',
    });
    expect(validateBuyer({ name: 'x'.repeat(201), email: 'ada@' }).errors).toEqual({
      name: 'Please shorten your name to 200 characters or fewer.',
      email: 'Please enter a valid email address, like name@example.com.',
    });
  });
});

describe('what the tab remembers about purchases', () => {
  it('reuses the idempotency key for the same order and makes a new one when the order changes', () => {
    let counter = 0;
    const newKey = () => `00000000-0000-4000-8000-00000000000${(counter += 1)}`;
    const first = idempotencyKeyFor('summer-fest', 'order-1', newKey);
    expect(idempotencyKeyFor('summer-fest', 'order-1', newKey)).toBe(first);
    const changed = idempotencyKeyFor('summer-fest', 'order-2', newKey);
    expect(changed).not.toBe(first);
    expect(idempotencyKeyFor('winter-gala', 'order-2', newKey)).not.toBe(changed);
    forgetAttempt('summer-fest');
    expect(idempotencyKeyFor('summer-fest', 'order-2', newKey)).not.toBe(changed);
  });

  it('keeps a confirmed order by reference and ignores tampered entries', () => {
    const stored: StoredOrder = {
      eventSlug: 'summer-fest',
      eventName: 'Summer Fest',
      startsAt: '2030-07-18T18:00:00Z',
      venue: 'The Park',
      buyerName: 'Ada',
      buyerEmail: 'ada@example.com',
      order: {
        order_id: A,
        reference: 'PL-ABCDEFGH',
        status: 'paid',
        currency: 'EUR',
        total_minor: 5000,
        ticket_count: 2,
        created_at: '2030-01-01T00:00:00Z',
        items: [{ ticket_type_id: B, name: 'GA', quantity: 2, unit_price_minor: 2500 }],
      },
    };
    saveOrder(stored);
    expect(loadOrder('PL-ABCDEFGH')).toEqual(stored);
    expect(loadOrder('PL-ZZZZZZZZ')).toBeUndefined();
    sessionStorage.setItem('pl_order:PL-ABCDEFGH', '{"eventSlug": 1}');
    expect(loadOrder('PL-ABCDEFGH')).toBeUndefined();
  });
});

describe('event times', () => {
  it('are written out in full, as a range when the event has an end', () => {
    expect(formatEventTime('2030-07-18T18:00:00Z', null, 'en-US')).toMatch(/^Thursday, July 18, 2030 at \d{1,2}:00\s?[AP]M$/);
    const range = formatEventTime('2030-07-18T18:00:00Z', '2030-07-18T22:00:00Z', 'en-US');
    expect(range).toMatch(/^Thursday, July 18, 2030/);
    expect(range).toMatch(/[–-]/);
  });
});
