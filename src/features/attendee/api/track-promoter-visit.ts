import type { Database } from '@/lib/database.types';
import { promoCodePattern } from '@/lib/database.types';
import { publicApi } from '@/lib/public-api';
import { getSessionId, saveAttributionToken } from '../lib/attendee-session';

export type VisitSource = Database['public']['Enums']['visit_source'];

/** Promo codes as the database allows them; anything else cannot match a promoter. */
const PROMO_CODE_PATTERN = new RegExp(promoCodePattern);

/**
 * Links landed on whose visit is not recorded yet, kept in sessionStorage until the
 * database has answered, so a reload or a quick navigation (which cancels the request)
 * loses nothing: the next attendee page of the event sends them again.
 */
export const PENDING_VISITS_KEY = 'pl_pending_visits';
const MAX_PENDING = 20;

interface PendingVisit {
  slug: string;
  code: string;
  source: VisitSource;
}

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    // Storage can be disabled; attribution then works without the safety net.
    return undefined;
  }
}

function readPending(): PendingVisit[] {
  const raw = storage()?.getItem(PENDING_VISITS_KEY);
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (entry): entry is PendingVisit =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof (entry as PendingVisit).slug === 'string' &&
        typeof (entry as PendingVisit).code === 'string' &&
        ((entry as PendingVisit).source === 'link' || (entry as PendingVisit).source === 'qr'),
    );
  } catch {
    return [];
  }
}

function writePending(entries: PendingVisit[]): void {
  try {
    const store = storage();
    if (!store) return;
    if (entries.length === 0) store.removeItem(PENDING_VISITS_KEY);
    else store.setItem(PENDING_VISITS_KEY, JSON.stringify(entries.slice(-MAX_PENDING)));
  } catch {
    // A full or disabled storage only loses the safety net.
  }
}

const same = (a: PendingVisit, b: PendingVisit) => a.slug === b.slug && a.code.toLowerCase() === b.code.toLowerCase();

/**
 * Notes a landed link before anything is sent. A newer link for the same event goes to
 * the end, so when several are pending the last one landed is recorded last and wins.
 */
export function rememberLandedLink(slug: string, code: string, source: VisitSource): void {
  if (!PROMO_CODE_PATTERN.test(code)) return;
  const entry = { slug, code, source };
  writePending([...readPending().filter((pending) => !same(pending, entry)), entry]);
}

/** Whether a landed link of this event still waits for its visit to be recorded. */
export function hasPendingVisit(slug: string): boolean {
  return readPending().some((pending) => pending.slug === slug);
}

/** Visits being recorded, so checkout can wait for a token that is still on its way. */
const inFlight = new Map<string, Promise<void>>();

/**
 * Records that this browser session opened a promoter's tracking link for an event and
 * keeps the attribution token the database hands back, for the event's attribution
 * window (null: this browser session). Silent by design: unknown codes, `null` answers
 * and failures change nothing, and the promise never rejects. Once the database has
 * answered (token or null), the landed link is no longer pending; a request that never
 * got an answer stays pending and is sent again by recordPendingVisits().
 */
export function trackPromoterVisit(eventSlug: string, promoCode: string, source: VisitSource = 'link', windowDays: number | null = null): Promise<void> {
  if (!PROMO_CODE_PATTERN.test(promoCode)) return Promise.resolve();
  const key = `${eventSlug}\n${promoCode.toLowerCase()}`;
  const running = inFlight.get(key);
  if (running) return running;

  const visit = (async () => {
    try {
      const { data, error, status } = await publicApi.rpc('track_promoter_visit', {
        p_event_slug: eventSlug,
        p_promo_code: promoCode,
        p_session_id: getSessionId(),
        p_source: source,
      });
      if (!error && typeof data === 'string' && data.length > 0) saveAttributionToken(eventSlug, data, windowDays);
      // Answered (a token, or null for a link that is not live): nothing left to retry.
      // A network failure (status 0) or a server error stays pending.
      if (!error || (status >= 400 && status < 500)) {
        writePending(readPending().filter((pending) => !same(pending, { slug: eventSlug, code: promoCode, source })));
      }
    } catch {
      // Attribution must never disturb the attendee.
    }
  })().finally(() => inFlight.delete(key));
  inFlight.set(key, visit);
  return visit;
}

/** Sends this event's landed links whose visit is not recorded yet, oldest first. */
export async function recordPendingVisits(eventSlug: string, windowDays: number | null): Promise<void> {
  for (const pending of readPending().filter((entry) => entry.slug === eventSlug)) {
    await trackPromoterVisit(pending.slug, pending.code, pending.source, windowDays);
  }
}

/**
 * Waits (at most `timeoutMs`) for visits of this event that are still being recorded,
 * so an attendee who buys within a second of opening the link is still attributed.
 */
export async function visitsRecorded(eventSlug: string, timeoutMs: number): Promise<void> {
  const waiting = [...inFlight].filter(([key]) => key.startsWith(`${eventSlug}\n`)).map(([, visit]) => visit);
  if (waiting.length === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all(waiting), timeout]);
  clearTimeout(timer);
}
