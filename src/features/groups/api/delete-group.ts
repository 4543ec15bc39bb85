import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { groupKeys } from './keys';

/** Deletes a group; its promoters stay (only the memberships go). */
export async function deleteGroup(input: { organizationId: string; id: string }): Promise<void> {
  const { error } = await supabase.from('promoter_groups').delete().eq('id', input.id);
  if (error) throw error;
}

export function useDeleteGroup({ onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteGroup,
    onSuccess: async (_data, input) => {
      await queryClient.invalidateQueries({ queryKey: groupKeys.organization(input.organizationId) });
      onSuccess?.();
    },
  });
}
