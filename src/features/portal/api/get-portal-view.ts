import { queryOptions } from '@tanstack/react-query';
import { portalKeys } from './keys';
import { publicApi } from '@/lib/public-api';

export interface PortalDay {
  day: string;
  tickets: number;
  visits: number;
  /** Null when the organization hides revenue. */
  revenue_minor: number | null;
}

export interface PortalEvent {
  event_id: string;
  event_name: string;
  event_slug: string;
  starts_at: string;
  ends_at: string | null;
  currency: string;
  link_path: string;
  tickets: number;
  orders: number;
  revenue_minor: number | null;
  visits: number;
  /** Orders per visit; null without visits. */
  conversion: number | null;
  /** Null unless the organization shows ranks. */
  rank: number | null;
  promoters: number | null;
  series: PortalDay[];
}

export interface PortalView {
  promoter_name: string;
  organization_name: string;
  promo_code: string;
  show_revenue: boolean;
  show_rank: boolean;
  series_from: string;
  series_to: string;
  live_topic: string;
  events: PortalEvent[];
}

/** The portal's data, or null for a link that is wrong, rotated or turned off (one answer for all). */
export async function getPortalView(secret: string): Promise<PortalView | null> {
  const { data, error } = await publicApi.rpc('portal_view', { p_secret: secret });
  if (error) throw error;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  return data as unknown as PortalView;
}

export const portalViewQueryOptions = (secret: string) => queryOptions({ queryKey: portalKeys.view(secret), queryFn: () => getPortalView(secret) });
