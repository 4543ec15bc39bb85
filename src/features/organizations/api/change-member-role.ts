import type { OrganizationRole } from './get-members';
import { organizationKeys } from './keys';
import { writeMembership, type MembershipRef } from './write-membership';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

export interface ChangeMemberRoleInput extends MembershipRef {
  role: OrganizationRole;
}

/**
 * One update of one membership. Row-level security lets owners change anyone and admins
 * only non-owners (a refused row is simply not updated, reported here as not_authorized);
 * only owners hand out the owner role, and the database keeps the last owner (last_owner).
 */
export function changeMemberRole({ role, ...member }: ChangeMemberRoleInput): Promise<void> {
  return writeMembership(member, { role });
}

export function useChangeMemberRole(options: MutationOptionsOf<typeof changeMemberRole> = {}) {
  // Refused or not, the list shows the roles as they are now.
  return useInvalidatingMutation(changeMemberRole, options, (input) => [organizationKeys.members(input.organizationId)], 'settled');
}
