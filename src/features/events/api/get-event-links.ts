import { queryOptions } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { eventKeys } from './keys';

export interface EventPromoterLink {
  id: string;
  event_id: string;
  promoter: { id: string; name: string; promo_code: string };
}

/** Active promoters per event: the links that currently attribute sales. */
export async function getEventLinks(organizationId: string): Promise<EventPromoterLink[]> {
  const { data, error } = await supabase
    .from('event_promoters')
    .select('id, event_id, promoters(id, name, promo_code)')
    .eq('organization_id', organizationId)
    .eq('active', true);
  if (error) throw error;
  return data
    .filter((row) => row.promoters !== null)
    .map((row) => ({ id: row.id, event_id: row.event_id, promoter: row.promoters! }))
    .sort((a, b) => a.promoter.name.localeCompare(b.promoter.name));
}

export const eventLinksQueryOptions = (organizationId: string) =>
  queryOptions({ queryKey: eventKeys.links(organizationId), queryFn: () => getEventLinks(organizationId) });
