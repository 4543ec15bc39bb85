import type { MutationHookOptions } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';
import { savePromoter, type PromoterInput } from './create-promoter';
import { promoterKeys } from './keys';

/** Saves the promoter's details; links and groups are changed where they are shown. */
export async function updatePromoter(organizationId: string, input: PromoterInput & { id: string }): Promise<void> {
  await savePromoter({ ...input, organizationId });
}

export function useUpdatePromoter(organizationId: string, options: MutationHookOptions<void, PromoterInput & { id: string }> = {}) {
  return useInvalidatingMutation((input: PromoterInput & { id: string }) => updatePromoter(organizationId, input), options, (input) => [
    promoterKeys.detail(organizationId, input.id),
    promoterKeys.lists(organizationId),
  ]);
}
