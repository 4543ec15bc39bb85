import { useMutation, useQueryClient } from '@tanstack/react-query';
import { withCacheUpdate, type MutationHookOptions } from '@/lib/mutation-options';
import { savePromoter, type PromoterInput } from './create-promoter';
import { promoterKeys } from './keys';

/** Saves the promoter's details; links and groups are changed where they are shown. */
export async function updatePromoter(organizationId: string, input: PromoterInput & { id: string }): Promise<void> {
  await savePromoter({ ...input, organizationId });
}

export function useUpdatePromoter(organizationId: string, options: MutationHookOptions<void, PromoterInput & { id: string }> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    ...withCacheUpdate(options, (_data, input) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: promoterKeys.detail(organizationId, input.id) }),
        queryClient.invalidateQueries({ queryKey: promoterKeys.lists(organizationId) }),
      ]),
    ),
    mutationFn: (input: PromoterInput & { id: string }) => updatePromoter(organizationId, input),
  });
}
