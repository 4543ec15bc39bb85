import { organizationKeys } from './keys';
import { writeMembership, type MembershipRef } from './write-membership';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

export type RemoveMemberInput = MembershipRef;

/**
 * Removes one membership: owners remove anyone, admins non-owners (row-level security;
 * a refused row is not deleted, reported as not_authorized). The database keeps the last
 * owner and gives the organization a new live topic, so the removed person's open
 * dashboard stops receiving sales.
 */
export function removeMember(member: RemoveMemberInput): Promise<void> {
  return writeMembership(member, 'remove');
}

export function useRemoveMember(options: MutationOptionsOf<typeof removeMember> = {}) {
  return useInvalidatingMutation(removeMember, options, (input) => [organizationKeys.members(input.organizationId)]);
}
