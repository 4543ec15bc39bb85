import { useEffect } from 'react';
import { useSearchParams } from 'react-router-dom';
import { trackPromoterVisit } from '../api/track-promoter-visit';

/**
 * Records a tracking link visit when the event page is opened with `?promoter=<code>`.
 * Fire and forget: nothing renders differently, and the parameter stays in the URL.
 */
export function usePromoterAttribution(eventSlug: string): void {
  const [searchParams] = useSearchParams();
  const promoCode = searchParams.get('promoter');
  useEffect(() => {
    if (promoCode) void trackPromoterVisit(eventSlug, promoCode);
  }, [eventSlug, promoCode]);
}
