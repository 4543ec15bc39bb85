import { promoCodePattern } from '@/lib/database.types';
import { publicApi } from '@/lib/public-api';
import { getSessionId, saveAttributionToken } from '../lib/attendee-session';

/** Promo codes as the database allows them; anything else cannot match a promoter. */
const PROMO_CODE_PATTERN = new RegExp(promoCodePattern);

/** Visits being recorded, so checkout can wait for a token that is still on its way. */
const pending = new Map<string, Promise<void>>();

/**
 * Records that this browser session opened a promoter's tracking link for an event and
 * keeps the attribution token the database hands back. Silent by design: unknown codes,
 * `null` answers and failures change nothing, and the promise never rejects.
 */
export function trackPromoterVisit(eventSlug: string, promoCode: string): Promise<void> {
  if (!PROMO_CODE_PATTERN.test(promoCode)) return Promise.resolve();
  const key = `${eventSlug}\n${promoCode}`;
  const inFlight = pending.get(key);
  if (inFlight) return inFlight;

  const visit = (async () => {
    try {
      const { data, error } = await publicApi.rpc('track_promoter_visit', {
        p_event_slug: eventSlug,
        p_promo_code: promoCode,
        p_session_id: getSessionId(),
      });
      if (!error && typeof data === 'string' && data.length > 0) saveAttributionToken(eventSlug, data);
    } catch {
      // Attribution must never disturb the attendee.
    }
  })().finally(() => pending.delete(key));
  pending.set(key, visit);
  return visit;
}

/**
 * Waits (at most `timeoutMs`) for visits of this event that are still being recorded,
 * so an attendee who buys within a second of opening the link is still attributed.
 */
export async function visitsRecorded(eventSlug: string, timeoutMs: number): Promise<void> {
  const waiting = [...pending].filter(([key]) => key.startsWith(`${eventSlug}\n`)).map(([, visit]) => visit);
  if (waiting.length === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all(waiting), timeout]);
  clearTimeout(timer);
}
