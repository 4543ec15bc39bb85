import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';
import { withCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

/**
 * Removes the signed-in user's own membership. The database refuses it for the last
 * owner (`last_owner`); nobody can be added back without accepting an invitation.
 */
export async function leaveOrganization({ organizationId, userId }: { organizationId: string; userId: string }): Promise<void> {
  const { data, error } = await supabase
    .from('organization_members')
    .delete()
    .eq('organization_id', organizationId)
    .eq('user_id', userId)
    .select('user_id');
  if (error) throw error;
  if (data.length === 0) throw { message: 'not_authorized', code: '42501' };
}

export function useLeaveOrganization(options: MutationOptionsOf<typeof leaveOrganization> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    // The dashboard then opens the next organization, or onboarding when none is left.
    ...withCacheUpdate(options, () => queryClient.resetQueries({ queryKey: organizationKeys.all })),
    mutationFn: leaveOrganization,
  });
}
