import { z } from 'zod';

/**
 * What the browser remembers about purchases, in sessionStorage (this tab only):
 *
 * - the confirmed order, keyed by its reference, so the confirmation page survives a
 *   reload (anonymous attendees cannot read orders back from the database);
 * - the idempotency key of the purchase being attempted, so a reload in the middle of
 *   paying and a second click on "Pay" reuse it and the database never books twice.
 *
 * Storage can be unavailable (privacy modes, quota); then these helpers quietly do
 * nothing and the flow still works for the current page.
 */

export const orderItemSchema = z.object({
  ticket_type_id: z.string(),
  name: z.string(),
  quantity: z.number().int(),
  unit_price_minor: z.number().int(),
});

export const checkoutResultSchema = z.object({
  order_id: z.string(),
  reference: z.string(),
  status: z.string(),
  currency: z.string(),
  total_minor: z.number().int(),
  ticket_count: z.number().int(),
  created_at: z.string(),
  items: z.array(orderItemSchema),
});

export type CheckoutResult = z.infer<typeof checkoutResultSchema>;

export const storedOrderSchema = z.object({
  eventSlug: z.string(),
  eventName: z.string(),
  startsAt: z.string(),
  venue: z.string(),
  buyerName: z.string(),
  buyerEmail: z.string(),
  order: checkoutResultSchema,
});

export type StoredOrder = z.infer<typeof storedOrderSchema>;

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage ?? undefined;
  } catch {
    // Accessing sessionStorage throws when the browser blocks storage for the site.
    return undefined;
  }
}

function orderKey(reference: string) {
  return `pl_order:${reference}`;
}

function attemptKey(eventSlug: string) {
  return `pl_checkout_attempt:${eventSlug}`;
}

export function saveOrder(stored: StoredOrder): void {
  try {
    storage()?.setItem(orderKey(stored.order.reference), JSON.stringify(stored));
  } catch {
    // Quota exceeded: the confirmation still shows now, only a reload would lose it.
  }
}

export function loadOrder(reference: string): StoredOrder | undefined {
  try {
    const raw = storage()?.getItem(orderKey(reference));
    if (!raw) return undefined;
    const parsed = storedOrderSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const attemptSchema = z.object({ fingerprint: z.string(), key: z.uuid() });
const memoryAttempts = new Map<string, z.infer<typeof attemptSchema>>();

/**
 * The idempotency key for this exact order (event, tickets, buyer): the same one as the
 * previous attempt if nothing changed, otherwise a new one. Changing the order means a
 * new purchase, and reusing the key for it would be refused by the database.
 */
export function idempotencyKeyFor(eventSlug: string, fingerprint: string, newKey: () => string): string {
  let previous = memoryAttempts.get(eventSlug);
  try {
    const raw = storage()?.getItem(attemptKey(eventSlug));
    if (raw) {
      const parsed = attemptSchema.safeParse(JSON.parse(raw));
      if (parsed.success) previous = parsed.data;
    }
  } catch {
    // Unreadable storage: the in-memory copy still covers retries on this page.
  }
  if (previous && previous.fingerprint === fingerprint) return previous.key;
  const attempt = { fingerprint, key: newKey() };
  memoryAttempts.set(eventSlug, attempt);
  try {
    storage()?.setItem(attemptKey(eventSlug), JSON.stringify(attempt));
  } catch {
    // Without storage the key survives retries, only not a reload.
  }
  return attempt.key;
}

/** After a confirmed order the next purchase, even an identical one, is a new one. */
export function forgetAttempt(eventSlug: string): void {
  memoryAttempts.delete(eventSlug);
  try {
    storage()?.removeItem(attemptKey(eventSlug));
  } catch {
    // Nothing to forget without storage.
  }
}
