import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';
import { withCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

export interface ConfirmDeletionInput {
  organizationId: string;
  promoterId: string;
  token: string;
  promoCode: string;
}

/** Step two: deletes the promoter and their history if the token and typed code match. */
export async function confirmPromoterDeletion(input: ConfirmDeletionInput) {
  const { data, error } = await supabase.rpc('confirm_promoter_deletion', {
    p_promoter_id: input.promoterId,
    p_token: input.token,
    p_promo_code: input.promoCode,
  });
  if (error) throw error;
  return data;
}

export function useConfirmPromoterDeletion(options: MutationOptionsOf<typeof confirmPromoterDeletion> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    ...withCacheUpdate(options, async (_data, input) => {
      queryClient.removeQueries({ queryKey: promoterKeys.detail(input.organizationId, input.promoterId) });
      await queryClient.invalidateQueries({ queryKey: promoterKeys.organization(input.organizationId) });
    }),
    mutationFn: confirmPromoterDeletion,
  });
}
