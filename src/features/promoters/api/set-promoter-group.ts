import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';
import { withCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

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
  const queryClient = useQueryClient();
  return useMutation({
    ...withCacheUpdate(options, (_data, input) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: promoterKeys.detail(input.organizationId, input.promoterId) }),
        queryClient.invalidateQueries({ queryKey: promoterKeys.lists(input.organizationId) }),
        queryClient.invalidateQueries({ queryKey: promoterKeys.summaries(input.organizationId) }),
      ]),
    ),
    mutationFn: setPromoterGroup,
  });
}
