import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

export interface InviteMemberInput {
  organizationId: string;
  email: string;
  role: 'admin' | 'member';
}

export interface InvitationLink {
  id: string;
  /** Shown once: only its hash is stored, so the link cannot be read back later. */
  token: string;
  email: string;
  role: 'admin' | 'member';
  expires_at: string;
}

/** Invites (or re-invites, with a new link and 7 fresh days) an email address. */
export async function inviteMember({ organizationId, email, role }: InviteMemberInput): Promise<InvitationLink> {
  const { data, error } = await supabase.rpc('invite_member', { p_organization_id: organizationId, p_email: email.trim(), p_role: role });
  if (error) throw error;
  return data as unknown as InvitationLink;
}

export function useInviteMember(options: MutationOptionsOf<typeof inviteMember> = {}) {
  return useInvalidatingMutation(inviteMember, options, (input) => [organizationKeys.invitations(input.organizationId)]);
}
