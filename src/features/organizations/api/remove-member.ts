import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';
import { withCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

export interface RemoveMemberInput {
  organizationId: string;
  userId: string;
}

/**
 * Removes one membership: owners remove anyone, admins non-owners (row-level security;
 * a refused row is not deleted, reported as not_authorized). The database keeps the last
 * owner and gives the organization a new live topic, so the removed person's open
 * dashboard stops receiving sales.
 */
export async function removeMember({ organizationId, userId }: RemoveMemberInput): Promise<void> {
  const { data, error } = await supabase
    .from('organization_members')
    .delete()
    .eq('organization_id', organizationId)
    .eq('user_id', userId)
    .select('user_id');
  if (error) throw error;
  if (data.length === 0) throw { message: 'not_authorized', code: '42501' };
}

export function useRemoveMember(options: MutationOptionsOf<typeof removeMember> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    ...withCacheUpdate(options, (_data, input) => queryClient.invalidateQueries({ queryKey: organizationKeys.members(input.organizationId) })),
    mutationFn: removeMember,
  });
}
