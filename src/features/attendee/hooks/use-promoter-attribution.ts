import { useEffect, useLayoutEffect, useRef } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { ORGANIZER_PREVIEW_HASH, QR_SOURCE_PARAM } from '@/config/paths';
import { recordPendingVisits, rememberLandedLink, type VisitSource } from '../api/track-promoter-visit';

/**
 * Records a tracking link visit when the event page is opened with `?promoter=<code>`
 * (`&src=qr` when it came from the promoter's QR code). Fire and forget: nothing renders
 * differently, and the promoter parameter stays in the URL; the source marker is removed
 * from the address bar at once, so a copied or shared address counts as a link. A link
 * the organizer opened from the dashboard (marked with ORGANIZER_PREVIEW_HASH) is not a
 * visit.
 *
 * The landed link is noted in session storage first and recorded once the event's
 * attribution window is known (useRecordPendingVisits, once the event has loaded); one
 * whose visit was not recorded (a reload, a quick navigation) is sent again by the next
 * attendee page of the event.
 */
export function usePromoterAttribution(eventSlug: string): void {
  const [searchParams] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const promoCode = searchParams.get('promoter');
  const fromQr = searchParams.get(QR_SOURCE_PARAM) === 'qr';
  const preview = location.hash === ORGANIZER_PREVIEW_HASH;
  // The landing noted last, so removing the marker (a new location) does not note it again as a link.
  const noted = useRef<string | null>(null);

  // A layout effect, so the landing is noted before any passive effect of the page runs:
  // when the event is already loaded, the page's details mount in the same commit and
  // record the pending visits in their own (passive) effect right after.
  useLayoutEffect(() => {
    const landing = `${eventSlug}\n${promoCode ?? ''}`;
    if (promoCode && !preview && noted.current !== landing) {
      const source: VisitSource = fromQr ? 'qr' : 'link';
      rememberLandedLink(eventSlug, promoCode, source);
    }
    noted.current = landing;
  }, [eventSlug, promoCode, fromQr, preview]);

  useEffect(() => {
    if (searchParams.has(QR_SOURCE_PARAM)) {
      const next = new URLSearchParams(searchParams);
      next.delete(QR_SOURCE_PARAM);
      const search = next.toString();
      // Replaces the history entry (history.replaceState underneath), keeping its state and hash.
      void navigate(
        { pathname: location.pathname, search: search ? `?${search}` : '', hash: location.hash },
        { replace: true, preventScrollReset: true, state: location.state as unknown },
      );
    }
  }, [searchParams, navigate, location.pathname, location.hash, location.state]);
}

/** Records the links noted for the loaded event, with its attribution window (null: the browser session). */
export function useRecordPendingVisits(eventSlug: string, windowDays: number | null): void {
  // A new promoter link opened on the page already shown is noted, then recorded here.
  const promoCode = useSearchParams()[0].get('promoter');
  useEffect(() => {
    void recordPendingVisits(eventSlug, windowDays);
  }, [eventSlug, windowDays, promoCode]);
}
