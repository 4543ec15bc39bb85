import { queryOptions, useQuery } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { PROMO_CODE_PATTERN } from '../lib/filters';
import { promoterKeys } from './keys';

/**
 * Whether `code` is free for the promoter being edited (`promoterId`), or for a new
 * promoter (null): a promoter may go back to its own former codes, never to another's.
 */
export async function isPromoCodeAvailable(organizationId: string, code: string, promoterId: string | null): Promise<boolean> {
  const { data, error } = await supabase.rpc('is_promo_code_available', {
    p_organization_id: organizationId,
    p_promo_code: code,
    p_promoter_id: promoterId,
  });
  if (error) throw error;
  return data;
}

const promoCodeAvailabilityQueryOptions = (organizationId: string, code: string, promoterId: string | null) =>
  queryOptions({
    queryKey: promoterKeys.codeAvailability(organizationId, code, promoterId),
    queryFn: () => isPromoCodeAvailable(organizationId, code, promoterId),
    staleTime: 5_000,
  });

/** Availability of a (debounced) code for a promoter (null: a new one); not asked while the code is malformed. */
export function usePromoCodeAvailability(organizationId: string, code: string, promoterId: string | null, enabled = true) {
  return useQuery({ ...promoCodeAvailabilityQueryOptions(organizationId, code, promoterId), enabled: enabled && PROMO_CODE_PATTERN.test(code) });
}
