import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { groupKeys } from './keys';

export interface GroupPerformance {
  group_id: string;
  name: string;
  color: string | null;
  promoters: number;
  tickets: number;
  revenue_minor: number;
  orders: number;
  visits: number;
  conversion_rate: number | null;
}

/** Every group of the organization with its totals for the range (also the group list). */
export async function getGroupPerformance(organizationId: string, from: string | null, to: string | null): Promise<GroupPerformance[]> {
  const { data, error } = await supabase.rpc('promoter_group_performance', {
    p_organization_id: organizationId,
    ...(from ? { p_from: from } : {}),
    ...(to ? { p_to: to } : {}),
  });
  if (error) throw error;
  return data
    .map((row) => ({
      ...row,
      promoters: Number(row.promoters),
      tickets: Number(row.tickets),
      revenue_minor: Number(row.revenue_minor),
      orders: Number(row.orders),
      visits: Number(row.visits),
      conversion_rate: row.conversion_rate === null ? null : Number(row.conversion_rate),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const groupPerformanceQueryOptions = (organizationId: string, from: string | null = null, to: string | null = null) =>
  queryOptions({
    queryKey: groupKeys.performance(organizationId, from, to),
    queryFn: () => getGroupPerformance(organizationId, from, to),
    placeholderData: keepPreviousData,
  });

export function useGroupPerformance(organizationId: string, from: string | null = null, to: string | null = null) {
  return useQuery(groupPerformanceQueryOptions(organizationId, from, to));
}
