import { useEffect } from 'react';
import { useLocation, useSearchParams } from 'react-router-dom';
import { ORGANIZER_PREVIEW_HASH, QR_SOURCE_PARAM } from '@/config/paths';
import { usePublicEvent } from '../api/get-public-event';
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
 * attribution window is known; one whose visit was not recorded (a reload, a quick
 * navigation) is sent again by the next attendee page of the event.
 */
export function usePromoterAttribution(eventSlug: string): void {
  const [searchParams] = useSearchParams();
  const { hash } = useLocation();
  const promoCode = searchParams.get('promoter');
  const source: VisitSource = searchParams.get(QR_SOURCE_PARAM) === 'qr' ? 'qr' : 'link';
  const preview = hash === ORGANIZER_PREVIEW_HASH;
  const event = usePublicEvent(eventSlug);

  useEffect(() => {
    if (promoCode && !preview) rememberLandedLink(eventSlug, promoCode, source);
    const url = new URL(window.location.href);
    if (url.searchParams.has(QR_SOURCE_PARAM)) {
      url.searchParams.delete(QR_SOURCE_PARAM);
      // The router's own entry state is kept; only the address changes.
      window.history.replaceState(window.history.state, '', url);
    }
  }, [eventSlug, promoCode, source, preview]);

  const windowDays = event.data ? event.data.attribution_window_days : undefined;
  useEffect(() => {
    if (windowDays !== undefined) void recordPendingVisits(eventSlug, windowDays);
  }, [eventSlug, windowDays]);
}
