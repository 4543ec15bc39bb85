import { queryOptions } from '@tanstack/react-query';
import { supabase, type FunctionRow } from '@/lib/supabase';
import { promoterKeys } from './keys';

export type SalesDay = FunctionRow<'promoter_sales_timeseries'>;

export async function getPromoterTimeseries(promoterId: string, from: string, to: string): Promise<SalesDay[]> {
  const { data, error } = await supabase.rpc('promoter_sales_timeseries', { p_promoter_id: promoterId, p_from: from, p_to: to });
  if (error) throw error;
  return data;
}

export const promoterTimeseriesQueryOptions = (organizationId: string, promoterId: string, from: string, to: string) =>
  queryOptions({
    queryKey: promoterKeys.timeseries(organizationId, promoterId, from, to),
    queryFn: () => getPromoterTimeseries(promoterId, from, to),
  });
