import { queryOptions } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { orderKeys } from './keys';

export interface FilterOption {
  id: string;
  name: string;
}

/** What the event and promoter filters offer. */
export interface FilterOptions {
  /** Soonest first. */
  events: FilterOption[];
  /** By name. */
  promoters: FilterOption[];
}

/** The organization's events and promoters, read together for the order filters. */
export async function getFilterOptions(organizationId: string): Promise<FilterOptions> {
  const [events, promoters] = await Promise.all([
    supabase.from('events').select('id, name').eq('organization_id', organizationId).order('starts_at'),
    supabase.from('promoters').select('id, name').eq('organization_id', organizationId).order('name'),
  ]);
  if (events.error) throw events.error;
  if (promoters.error) throw promoters.error;
  return { events: events.data, promoters: promoters.data };
}

export const filterOptionsQueryOptions = (organizationId: string) =>
  queryOptions({ queryKey: orderKeys.filterOptions(organizationId), queryFn: () => getFilterOptions(organizationId) });
