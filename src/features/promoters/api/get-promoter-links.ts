import { queryOptions } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';

export interface PromoterLink {
  id: string;
  active: boolean;
  event: { id: string; name: string; slug: string; status: string; starts_at: string };
}

/** The promoter's tracking links: one per event they were ever activated on. */
export async function getPromoterLinks(promoterId: string): Promise<PromoterLink[]> {
  const { data, error } = await supabase
    .from('event_promoters')
    .select('id, active, events(id, name, slug, status, starts_at)')
    .eq('promoter_id', promoterId);
  if (error) throw error;
  return data
    .filter((row) => row.events !== null)
    .map((row) => ({ id: row.id, active: row.active, event: row.events! }))
    .sort((a, b) => a.event.starts_at.localeCompare(b.event.starts_at));
}

export const promoterLinksQueryOptions = (organizationId: string, promoterId: string) =>
  queryOptions({ queryKey: promoterKeys.links(organizationId, promoterId), queryFn: () => getPromoterLinks(promoterId) });
