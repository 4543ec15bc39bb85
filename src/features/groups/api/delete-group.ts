import { supabase } from '@/lib/supabase';
import { groupKeys } from './keys';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

/** Deletes a group; its promoters stay (only the memberships go). */
export async function deleteGroup(input: { organizationId: string; id: string }): Promise<void> {
  const { error } = await supabase.from('promoter_groups').delete().eq('id', input.id);
  if (error) throw error;
}

export function useDeleteGroup(options: MutationOptionsOf<typeof deleteGroup> = {}) {
  return useInvalidatingMutation(deleteGroup, options, (input) => [groupKeys.organization(input.organizationId)]);
}
