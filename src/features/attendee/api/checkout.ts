import { useMutation, useQueryClient, type UseMutationOptions } from '@tanstack/react-query';
import { publicApi } from '@/lib/public-api';
import { attributionTokenFor, latestAttributionToken } from '../lib/attendee-session';
import { CheckoutFailure, referralCodeFailure, toCheckoutFailure } from '../lib/checkout-errors';
import { checkoutResultSchema, type CheckoutResult } from '../lib/order-storage';
import { attendeeKeys } from './keys';
import { hasPendingVisit, recordPendingVisits, visitsRecorded } from './track-promoter-visit';

export interface CheckoutInput {
  eventSlug: string;
  items: { ticket_type_id: string; quantity: number }[];
  buyerName: string;
  buyerEmail: string;
  /** The same key for every retry of one purchase: the database books it at most once. */
  idempotencyKey: string;
  /** The event's attribution window (null: this browser session), for visits still to record. */
  attributionWindowDays?: number | null;
  /** What the buyer typed as "Referred by (code)"; blank for none. */
  referralCode?: string;
}

/** How long checkout waits for a tracking link visit that is still being recorded. */
const ATTRIBUTION_WAIT_MS = 2000;
/** Network failures are retried with the same idempotency key before giving up. */
const NETWORK_RETRIES = 2;
const RETRY_DELAY_MS = 400;

/**
 * Buys the tickets in test mode (no payment is taken). Sends the attribution token of
 * this event's tracking link if the session has one, else the token of the last link it
 * opened for another event: that one never credits anybody, but lets the organizer see
 * that the buyer came through a link of another event. The answer never says whether it
 * counted. Throws a CheckoutFailure whose message is a sentence for the buyer.
 */
export async function checkout(input: CheckoutInput): Promise<CheckoutResult> {
  // A link landed on whose visit was never recorded (the attendee reloaded or moved on
  // within the moment it takes) is recorded now, before its token is looked for.
  if (hasPendingVisit(input.eventSlug)) {
    const pending = recordPendingVisits(input.eventSlug, input.attributionWindowDays ?? null);
    await Promise.race([pending, new Promise((resolve) => setTimeout(resolve, ATTRIBUTION_WAIT_MS))]);
  }
  await visitsRecorded(input.eventSlug, ATTRIBUTION_WAIT_MS);
  const token = attributionTokenFor(input.eventSlug) ?? latestAttributionToken();
  const referralCode = input.referralCode?.trim() ?? '';
  if (referralCode.length > 0) await checkReferralCode(input.eventSlug, referralCode);
  const args = {
    p_event_slug: input.eventSlug,
    p_items: input.items,
    p_buyer_name: input.buyerName,
    p_buyer_email: input.buyerEmail,
    p_idempotency_key: input.idempotencyKey,
    ...(token ? { p_attribution_token: token } : {}),
    ...(referralCode ? { p_referral_code: referralCode } : {}),
  };

  for (let attempt = 0; ; attempt += 1) {
    const { data, error, status } = await publicApi.rpc('checkout', args);
    if (!error) {
      const parsed = checkoutResultSchema.safeParse(data);
      if (!parsed.success) throw new CheckoutFailure('unexpected', undefined, 'Your order could not be completed. Please try again in a moment.');
      return parsed.data;
    }
    const failure = toCheckoutFailure(error, status);
    if (failure.kind !== 'network' || attempt >= NETWORK_RETRIES) throw failure;
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * (attempt + 1)));
  }
}

/**
 * Asks whether the typed referral code belongs to a promoter of this event before the
 * order is placed, so a typo is a sentence next to the field rather than a sale credited
 * to nobody. (checkout() itself never refuses an order for its code.)
 */
async function checkReferralCode(eventSlug: string, referralCode: string): Promise<void> {
  const { data, error, status } = await publicApi.rpc('check_referral_code', { p_event_slug: eventSlug, p_referral_code: referralCode });
  if (error) throw toCheckoutFailure(error, status);
  if (data !== true) throw referralCodeFailure();
}

/** Takes the standard mutation options, the error typed as the checkout's own failure. */
export function useCheckout(options: Omit<UseMutationOptions<CheckoutResult, CheckoutFailure, CheckoutInput>, 'mutationFn'> = {}) {
  const queryClient = useQueryClient();
  return useMutation<CheckoutResult, CheckoutFailure, CheckoutInput>({
    ...options,
    mutationFn: checkout,
    // An order changes what is left, and a sold_out or price_changed refusal means the
    // page's counts or prices are stale. Other refusals keep the page as it is, so their sentence stays in view
    // (refetching a cancelled event would replace the checkout by "not found").
    onSettled: async (...args) => {
      const [, error, input] = args;
      if (!error || error.code === 'sold_out' || error.code === 'price_changed' || error.code === 'ticket_type_not_found') {
        await queryClient.invalidateQueries({ queryKey: attendeeKeys.event(input.eventSlug) });
      }
      await options.onSettled?.(...args);
    },
  });
}
