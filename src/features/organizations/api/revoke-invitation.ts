import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';
import { withSettledCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

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
  const queryClient = useQueryClient();
  return useMutation({
    ...withSettledCacheUpdate(options, (input) => queryClient.invalidateQueries({ queryKey: organizationKeys.invitations(input.organizationId) })),
    mutationFn: revokeInvitation,
  });
}
