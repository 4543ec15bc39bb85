import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';

export interface SalesDay {
  day: string;
  tickets: number;
  revenue_minor: number;
  orders: number;
  visits: number;
}

export async function getPromoterTimeseries(promoterId: string, from: string, to: string): Promise<SalesDay[]> {
  const { data, error } = await supabase.rpc('promoter_sales_timeseries', { p_promoter_id: promoterId, p_from: from, p_to: to });
  if (error) throw error;
  return data.map((row) => ({
    day: row.day,
    tickets: Number(row.tickets),
    revenue_minor: Number(row.revenue_minor),
    orders: Number(row.orders),
    visits: Number(row.visits),
  }));
}

export const promoterTimeseriesQueryOptions = (organizationId: string, promoterId: string, from: string, to: string) =>
  queryOptions({
    queryKey: promoterKeys.timeseries(organizationId, promoterId, from, to),
    queryFn: () => getPromoterTimeseries(promoterId, from, to),
    placeholderData: keepPreviousData,
  });

export function usePromoterTimeseries(organizationId: string, promoterId: string, from: string, to: string) {
  return useQuery(promoterTimeseriesQueryOptions(organizationId, promoterId, from, to));
}
