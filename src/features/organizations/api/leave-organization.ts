import { useMutation, useQueryClient } from '@tanstack/react-query';
import { organizationKeys } from './keys';
import { writeMembership, type MembershipRef } from './write-membership';
import { withCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

/**
 * Removes the signed-in user's own membership. The database refuses it for the last
 * owner (`last_owner`); nobody can be added back without accepting an invitation.
 */
export function leaveOrganization(me: MembershipRef): Promise<void> {
  return writeMembership(me, 'remove');
}

export function useLeaveOrganization(options: MutationOptionsOf<typeof leaveOrganization> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    // The dashboard then opens the next organization, or onboarding when none is left.
    ...withCacheUpdate(options, () => queryClient.resetQueries({ queryKey: organizationKeys.all })),
    mutationFn: leaveOrganization,
  });
}
