import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import type { PromoterInput } from './create-promoter';
import { promoterKeys } from './keys';

const blankToNull = (text: string) => (text.trim() ? text.trim() : null);

export async function updatePromoter(input: PromoterInput & { id: string }): Promise<void> {
  const { error } = await supabase
    .from('promoters')
    .update({
      name: input.name.trim(),
      promo_code: input.promoCode.trim(),
      email: blankToNull(input.email),
      phone: blankToNull(input.phone),
      notes: blankToNull(input.notes),
    })
    .eq('id', input.id);
  if (error) throw error;
}

export function useUpdatePromoter(organizationId: string, { onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updatePromoter,
    onSuccess: async (_data, input) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: promoterKeys.detail(organizationId, input.id) }),
        queryClient.invalidateQueries({ queryKey: promoterKeys.lists(organizationId) }),
      ]);
      onSuccess?.();
    },
  });
}
