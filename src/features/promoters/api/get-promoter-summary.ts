import { queryOptions } from '@tanstack/react-query';
import { supabase, type FunctionRow } from '@/lib/supabase';
import type { PerformanceFilters } from '../lib/filters';
import { performanceArgs } from './get-promoter-performance';
import { promoterKeys } from './keys';

export type PromoterSummary = FunctionRow<'promoter_summary'>;

export async function getPromoterSummary(organizationId: string, filters: PerformanceFilters): Promise<PromoterSummary> {
  const { data, error } = await supabase.rpc('promoter_summary', performanceArgs(organizationId, filters)).single();
  if (error) throw error;
  return data;
}

export const promoterSummaryQueryOptions = (organizationId: string, filters: PerformanceFilters) =>
  queryOptions({
    queryKey: promoterKeys.summary(organizationId, filters),
    queryFn: () => getPromoterSummary(organizationId, filters),
  });
