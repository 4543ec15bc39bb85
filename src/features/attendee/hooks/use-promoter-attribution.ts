import { useEffect } from 'react';
import { useLocation, useSearchParams } from 'react-router-dom';
import { ORGANIZER_PREVIEW_HASH } from '@/config/paths';
import { trackPromoterVisit } from '../api/track-promoter-visit';

/**
 * Records a tracking link visit when the event page is opened with `?promoter=<code>`.
 * Fire and forget: nothing renders differently, and the parameter stays in the URL. A
 * link the organizer opened from the dashboard (marked with ORGANIZER_PREVIEW_HASH) is
 * not a visit.
 */
export function usePromoterAttribution(eventSlug: string): void {
  const [searchParams] = useSearchParams();
  const { hash } = useLocation();
  const promoCode = searchParams.get('promoter');
  const preview = hash === ORGANIZER_PREVIEW_HASH;
  useEffect(() => {
    if (promoCode && !preview) void trackPromoterVisit(eventSlug, promoCode);
  }, [eventSlug, promoCode, preview]);
}
