import { queryOptions } from '@tanstack/react-query';
import { supabase, type FunctionRow } from '@/lib/supabase';
import type { PerformanceFilters } from '../lib/filters';
import { promoterKeys } from './keys';

export type PromoterPerformance = FunctionRow<'promoter_performance'>;

/** Optional arguments are left out rather than sent as null, so defaults apply. */
export function performanceArgs(organizationId: string, filters: PerformanceFilters) {
  return {
    p_organization_id: organizationId,
    ...(filters.from ? { p_from: filters.from } : {}),
    ...(filters.to ? { p_to: filters.to } : {}),
    ...(filters.groupId ? { p_group_id: filters.groupId } : {}),
    ...(filters.search.trim() ? { p_search: filters.search.trim() } : {}),
  };
}

export async function getPromoterPerformance(organizationId: string, filters: PerformanceFilters): Promise<PromoterPerformance[]> {
  const { data, error } = await supabase.rpc('promoter_performance', performanceArgs(organizationId, filters));
  if (error) throw error;
  return data;
}

export const promoterPerformanceQueryOptions = (organizationId: string, filters: PerformanceFilters) =>
  queryOptions({
    queryKey: promoterKeys.list(organizationId, filters),
    queryFn: () => getPromoterPerformance(organizationId, filters),
  });
