import { queryOptions, useQuery } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { PROMO_CODE_PATTERN } from '../lib/filters';
import { promoterKeys } from './keys';

export async function isPromoCodeAvailable(organizationId: string, code: string): Promise<boolean> {
  const { data, error } = await supabase.rpc('is_promo_code_available', { p_organization_id: organizationId, p_promo_code: code });
  if (error) throw error;
  return data;
}

const promoCodeAvailabilityQueryOptions = (organizationId: string, code: string) =>
  queryOptions({
    queryKey: promoterKeys.codeAvailability(organizationId, code),
    queryFn: () => isPromoCodeAvailable(organizationId, code),
    staleTime: 5_000,
  });

/** Availability of a (debounced) code; not asked while the code is malformed. */
export function usePromoCodeAvailability(organizationId: string, code: string, enabled = true) {
  return useQuery({ ...promoCodeAvailabilityQueryOptions(organizationId, code), enabled: enabled && PROMO_CODE_PATTERN.test(code) });
}
