import { queryOptions } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { orderKeys } from './keys';

export interface PromoterOption {
  id: string;
  name: string;
  promo_code: string;
}

/** The organization's promoters by name, for the promoter filter. */
export async function getPromoterOptions(organizationId: string): Promise<PromoterOption[]> {
  const { data, error } = await supabase.from('promoters').select('id, name, promo_code').eq('organization_id', organizationId).order('name');
  if (error) throw error;
  return data;
}

export const promoterOptionsQueryOptions = (organizationId: string) =>
  queryOptions({ queryKey: orderKeys.promoterOptions(organizationId), queryFn: () => getPromoterOptions(organizationId) });

export interface EventOption {
  id: string;
  name: string;
}

/** The organization's events, soonest first, for the event filter. */
export async function getEventOptions(organizationId: string): Promise<EventOption[]> {
  const { data, error } = await supabase.from('events').select('id, name').eq('organization_id', organizationId).order('starts_at');
  if (error) throw error;
  return data;
}

export const eventOptionsQueryOptions = (organizationId: string) =>
  queryOptions({ queryKey: orderKeys.eventOptions(organizationId), queryFn: () => getEventOptions(organizationId) });
