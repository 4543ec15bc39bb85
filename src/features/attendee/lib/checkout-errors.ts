/**
 * Classifies a refusal from checkout() for the buyer. The database raises stable
 * snake_case codes, worded in the one sentence table of `@/lib/errors`; anything else is
 * either a network problem, where retrying with the same idempotency key is safe, or
 * unexpected.
 */
import { databaseCode, errorMessage, sentenceFor } from '@/lib/errors';

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

export const NETWORK_FAILURE_SENTENCE =
  'We could not reach the ticket service, so we do not know yet whether your payment went through. ' +
  'Please try again: you will not be charged twice.';

const UNEXPECTED_SENTENCE = 'Your order could not be completed. Please try again in a moment.';

/** The shape of the `error` supabase-js returns from `rpc()`. */
export interface RpcError {
  message: string;
  code?: string;
  details?: string | null;
}

/** Classifies an rpc error: a refusal the buyer can act on, a network problem, or a bug. */
export function toCheckoutFailure(error: RpcError, status: number): CheckoutFailure {
  // sold_out names the ticket type in its details: {"ticket_type_id","name","available"}.
  const code = databaseCode(error);
  if (code) return new CheckoutFailure('refused', code, sentenceFor(code, error.details));
  // Status 0 is a failed fetch; 5xx may or may not have committed. Either way the same
  // idempotency key makes a retry safe.
  if (status === 0 || status >= 500) return new CheckoutFailure('network', undefined, NETWORK_FAILURE_SENTENCE);
  return new CheckoutFailure('unexpected', undefined, UNEXPECTED_SENTENCE);
}

/** The typed referral code belongs to no promoter of the event; the buyer corrects or clears it. */
export function referralCodeFailure(): CheckoutFailure {
  return new CheckoutFailure('refused', 'invalid_referral_code', errorMessage({ message: 'invalid_referral_code' }));
}

/** Refusals that are about the "Referred by (code)" field. */
export const REFERRAL_CODE_FAILURES: readonly string[] = ['invalid_referral_code', 'too_many_referral_code_attempts'];
