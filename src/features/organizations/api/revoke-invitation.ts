import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

export interface RevokeInvitationInput {
  organizationId: string;
  invitationId: string;
}

/** Revokes an open invitation: its link is refused from then on. */
export async function revokeInvitation({ invitationId }: RevokeInvitationInput): Promise<void> {
  const { error } = await supabase.rpc('revoke_invitation', { p_invitation_id: invitationId });
  if (error) throw error;
}

export function useRevokeInvitation(options: MutationOptionsOf<typeof revokeInvitation> = {}) {
  return useInvalidatingMutation(revokeInvitation, options, (input) => [organizationKeys.invitations(input.organizationId)], 'settled');
}
