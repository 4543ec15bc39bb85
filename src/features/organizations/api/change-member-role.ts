import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import type { OrganizationRole } from './get-members';
import { organizationKeys } from './keys';
import { withSettledCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

export interface ChangeMemberRoleInput {
  organizationId: string;
  userId: string;
  role: OrganizationRole;
}

/**
 * One update of one membership. Row-level security lets owners change anyone and admins
 * only non-owners (a refused row is simply not updated, reported here as not_authorized);
 * only owners hand out the owner role, and the database keeps the last owner (last_owner).
 */
export async function changeMemberRole({ organizationId, userId, role }: ChangeMemberRoleInput): Promise<void> {
  const { data, error } = await supabase
    .from('organization_members')
    .update({ role })
    .eq('organization_id', organizationId)
    .eq('user_id', userId)
    .select('user_id');
  if (error) throw error;
  if (data.length === 0) throw { message: 'not_authorized', code: '42501' };
}

export function useChangeMemberRole(options: MutationOptionsOf<typeof changeMemberRole> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    // Refused or not, the list shows the roles as they are now.
    ...withSettledCacheUpdate(options, (input) => queryClient.invalidateQueries({ queryKey: organizationKeys.members(input.organizationId) })),
    mutationFn: changeMemberRole,
  });
}
