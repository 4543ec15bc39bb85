import { maxTicketsPerOrder, maxTicketsPerType } from '@/lib/database.types';

/**
 * The tickets an attendee picked, carried from the event page to checkout in the URL
 * (`?tickets=<ticket type id>:<quantity>,…`) so a reload or a shared link keeps them.
 */

/** Limits enforced by checkout() in the database; the UI applies them up front. */
export const MAX_PER_TICKET_TYPE = maxTicketsPerType;
export const MAX_PER_ORDER = maxTicketsPerOrder;

export type Cart = ReadonlyMap<string, number>;

const PARAM = 'tickets';
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function cartToSearchParams(cart: Cart): URLSearchParams {
  const items = [...cart].filter(([, quantity]) => quantity > 0).map(([id, quantity]) => `${id}:${quantity}`);
  return new URLSearchParams(items.length > 0 ? { [PARAM]: items.join(',') } : {});
}

/**
 * Reads the cart from the URL. Entries that cannot be right (not a uuid, not a whole
 * number in range) are dropped; the checkout page then shows what is left.
 */
export function cartFromSearchParams(params: URLSearchParams): Cart {
  const cart = new Map<string, number>();
  const raw = params.get(PARAM);
  if (!raw) return cart;
  for (const entry of raw.split(',')) {
    const [id, quantityText, ...rest] = entry.split(':');
    if (rest.length > 0 || !id || !UUID_PATTERN.test(id) || !/^\d{1,3}$/.test(quantityText ?? '')) continue;
    const quantity = Number(quantityText);
    if (quantity < 1 || quantity > MAX_PER_TICKET_TYPE) continue;
    cart.set(id.toLowerCase(), quantity);
  }
  return cart;
}

export function cartTicketCount(cart: Cart): number {
  let total = 0;
  for (const quantity of cart.values()) total += quantity;
  return total;
}
