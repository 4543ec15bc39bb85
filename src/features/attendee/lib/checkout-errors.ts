/**
 * Turns a refusal from checkout() into a sentence for the buyer. The database raises
 * stable snake_case codes (see docs/api-contract.md); anything else is either a network
 * problem, where retrying with the same idempotency key is safe, or unexpected.
 */

export type CheckoutFailureKind = 'refused' | 'network' | 'unexpected';

export class CheckoutFailure extends Error {
  constructor(
    readonly kind: CheckoutFailureKind,
    /** The database's code, e.g. `sold_out`, when it refused the order. */
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'CheckoutFailure';
  }
}

const SENTENCES: Record<string, string> = {
  event_not_found: 'This event could not be found. It may have been removed.',
  event_not_on_sale: 'Tickets for this event are no longer on sale.',
  invalid_items: 'Your ticket selection could not be read. Please go back to the event page and choose your tickets again.',
  invalid_quantity: `You can buy between 1 and 50 tickets of each type, and at most 100 tickets in one order.`,
  ticket_type_not_found: 'One of the tickets you chose is no longer available. Please go back to the event page and choose again.',
  sold_out: 'Sorry, there are not enough tickets left for your selection. Please choose fewer tickets or another ticket type.',
  invalid_buyer_name: 'Please enter your name (up to 200 characters).',
  invalid_buyer_email: 'Please enter a valid email address.',
  invalid_idempotency_key: 'Something went wrong preparing your order. Please reload the page and try again.',
  idempotency_key_reused: 'This payment attempt was already used for a different order. Please reload the page and try again.',
  too_many_checkouts:
    'Too many orders were placed from your connection in the last minute, so this one was not placed and you have not been charged. Please wait a minute and try again.',
};

export function isKnownCheckoutCode(code: string): boolean {
  return Object.hasOwn(SENTENCES, code);
}

export function checkoutErrorSentence(code: string): string {
  return isKnownCheckoutCode(code)
    ? SENTENCES[code]
    : 'Your order could not be completed. Please try again in a moment.';
}

export const NETWORK_FAILURE_SENTENCE =
  'We could not reach the ticket service, so we do not know yet whether your payment went through. ' +
  'Please try again: you will not be charged twice.';

/** The shape of the `error` supabase-js returns from `rpc()`. */
export interface RpcError {
  message: string;
  code?: string;
  details?: string | null;
}

/** sold_out names the ticket type in its details: `{"ticket_type_id","name","available"}`. */
function soldOutSentence(details: string | null | undefined): string | undefined {
  if (!details) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(details);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { name, available } = parsed as { name?: unknown; available?: unknown };
  if (typeof name !== 'string' || typeof available !== 'number') return undefined;
  if (available <= 0) return `Sorry, ${name} is sold out. Please choose another ticket type.`;
  const tickets = available === 1 ? '1 ticket' : `${available} tickets`;
  return `Sorry, only ${tickets} of ${name} ${available === 1 ? 'is' : 'are'} left. Please choose fewer tickets.`;
}

/** Classifies an rpc error: a refusal the buyer can act on, a network problem, or a bug. */
export function toCheckoutFailure(error: RpcError, status: number): CheckoutFailure {
  if (error.message === 'sold_out') {
    return new CheckoutFailure('refused', 'sold_out', soldOutSentence(error.details) ?? checkoutErrorSentence('sold_out'));
  }
  if (isKnownCheckoutCode(error.message)) {
    return new CheckoutFailure('refused', error.message, checkoutErrorSentence(error.message));
  }
  // Status 0 is a failed fetch; 5xx may or may not have committed. Either way the same
  // idempotency key makes a retry safe.
  if (status === 0 || status >= 500) return new CheckoutFailure('network', undefined, NETWORK_FAILURE_SENTENCE);
  return new CheckoutFailure('unexpected', undefined, checkoutErrorSentence(''));
}
