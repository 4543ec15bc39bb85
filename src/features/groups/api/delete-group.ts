import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { groupKeys } from './keys';
import { withCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

/** Deletes a group; its promoters stay (only the memberships go). */
export async function deleteGroup(input: { organizationId: string; id: string }): Promise<void> {
  const { error } = await supabase.from('promoter_groups').delete().eq('id', input.id);
  if (error) throw error;
}

export function useDeleteGroup(options: MutationOptionsOf<typeof deleteGroup> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    ...withCacheUpdate(options, (_data, input) => queryClient.invalidateQueries({ queryKey: groupKeys.organization(input.organizationId) })),
    mutationFn: deleteGroup,
  });
}
