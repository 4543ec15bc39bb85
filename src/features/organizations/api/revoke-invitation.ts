import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';

export interface RevokeInvitationInput {
  organizationId: string;
  invitationId: string;
}

/** Revokes an open invitation: its link is refused from then on. */
export async function revokeInvitation({ invitationId }: RevokeInvitationInput): Promise<void> {
  const { error } = await supabase.rpc('revoke_invitation', { p_invitation_id: invitationId });
  if (error) throw error;
}

export function useRevokeInvitation({ onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeInvitation,
    onSuccess: () => onSuccess?.(),
    onSettled: (_data, _error, input) => queryClient.invalidateQueries({ queryKey: organizationKeys.invitations(input.organizationId) }),
  });
}
