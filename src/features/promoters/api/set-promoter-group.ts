import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

export interface SetGroupInput {
  organizationId: string;
  promoterId: string;
  groupId: string;
  member: boolean;
}

/** Puts a promoter into a group or takes them out. */
export async function setPromoterGroup(input: SetGroupInput): Promise<void> {
  const { error } = input.member
    ? await supabase
        .from('promoter_group_members')
        .insert({ organization_id: input.organizationId, group_id: input.groupId, promoter_id: input.promoterId })
    : await supabase.from('promoter_group_members').delete().eq('group_id', input.groupId).eq('promoter_id', input.promoterId);
  if (error) throw error;
}

export function useSetPromoterGroup(options: MutationOptionsOf<typeof setPromoterGroup> = {}) {
  return useInvalidatingMutation(setPromoterGroup, options, (input) => [
    promoterKeys.detail(input.organizationId, input.promoterId),
    promoterKeys.lists(input.organizationId),
    promoterKeys.summaries(input.organizationId),
  ]);
}
