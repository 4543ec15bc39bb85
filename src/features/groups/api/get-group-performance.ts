import { queryOptions } from '@tanstack/react-query';
import { supabase, type FunctionRow } from '@/lib/supabase';
import { groupKeys } from './keys';

export type GroupPerformance = FunctionRow<'promoter_group_performance'>;

/** Every group of the organization with its totals for the range (also the group list). */
export async function getGroupPerformance(organizationId: string, from: string | null, to: string | null): Promise<GroupPerformance[]> {
  const { data, error } = await supabase.rpc('promoter_group_performance', {
    p_organization_id: organizationId,
    ...(from ? { p_from: from } : {}),
    ...(to ? { p_to: to } : {}),
  });
  if (error) throw error;
  return data.sort((a, b) => a.name.localeCompare(b.name));
}

export const groupPerformanceQueryOptions = (organizationId: string, from: string | null = null, to: string | null = null) =>
  queryOptions({
    queryKey: groupKeys.performance(organizationId, from, to),
    queryFn: () => getGroupPerformance(organizationId, from, to),
  });
