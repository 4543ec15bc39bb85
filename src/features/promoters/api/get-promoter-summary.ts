import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import type { PerformanceFilters } from '../lib/filters';
import { performanceArgs } from './get-promoter-performance';
import { promoterKeys } from './keys';

export interface PromoterSummary {
  promoters: number;
  tickets: number;
  revenue_minor: number;
  orders: number;
  visits: number;
  conversion_rate: number | null;
  currency: string;
}

export async function getPromoterSummary(organizationId: string, filters: PerformanceFilters): Promise<PromoterSummary> {
  const { data, error } = await supabase.rpc('promoter_summary', performanceArgs(organizationId, filters)).single();
  if (error) throw error;
  return {
    promoters: Number(data.promoters),
    tickets: Number(data.tickets),
    revenue_minor: Number(data.revenue_minor),
    orders: Number(data.orders),
    visits: Number(data.visits),
    conversion_rate: data.conversion_rate === null ? null : Number(data.conversion_rate),
    currency: data.currency,
  };
}

export const promoterSummaryQueryOptions = (organizationId: string, filters: PerformanceFilters) =>
  queryOptions({
    queryKey: promoterKeys.summary(organizationId, filters),
    queryFn: () => getPromoterSummary(organizationId, filters),
    placeholderData: keepPreviousData,
  });

export function usePromoterSummary(organizationId: string, filters: PerformanceFilters) {
  return useQuery(promoterSummaryQueryOptions(organizationId, filters));
}
