import { queryOptions } from '@tanstack/react-query';
import { supabase, type FunctionRow } from '@/lib/supabase';
import { promoterKeys } from './keys';

export type PromoterSourceRow = FunctionRow<'promoter_source_split'>;

/** A promoter's visits and paid sales per source (link, QR code, referral code), all events. */
export async function getPromoterSources(promoterId: string): Promise<PromoterSourceRow[]> {
  const { data, error } = await supabase.rpc('promoter_source_split', { p_promoter_id: promoterId });
  if (error) throw error;
  return data;
}

export const promoterSourcesQueryOptions = (organizationId: string, promoterId: string) =>
  queryOptions({ queryKey: promoterKeys.sources(organizationId, promoterId), queryFn: () => getPromoterSources(promoterId) });
