import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';

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

export function useConfirmPromoterDeletion({ onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: confirmPromoterDeletion,
    onSuccess: async (_data, input) => {
      queryClient.removeQueries({ queryKey: promoterKeys.detail(input.organizationId, input.promoterId) });
      await queryClient.invalidateQueries({ queryKey: promoterKeys.organization(input.organizationId) });
      onSuccess?.();
    },
  });
}
