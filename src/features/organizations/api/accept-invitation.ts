import { supabase } from '@/lib/supabase';
import type { OrganizationRole } from './get-members';
import { organizationKeys } from './keys';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

export interface AcceptedInvitation {
  organization_id: string;
  role: OrganizationRole;
  already_member: boolean;
}

/**
 * Joins the organization of the invitation as the signed-in user. A link that is no
 * invitation answers null in the database (so that wrong guesses can be counted); it is
 * reported here as invitation_not_found.
 */
export async function acceptInvitation(token: string): Promise<AcceptedInvitation> {
  const { data, error } = await supabase.rpc('accept_invitation', { p_token: token });
  if (error) throw error;
  if (data === null) throw { message: 'invitation_not_found', code: 'P0001' };
  return data as unknown as AcceptedInvitation;
}

export function useAcceptInvitation(options: MutationOptionsOf<typeof acceptInvitation> = {}) {
  // The new organization joins the switcher's list before the dashboard opens.
  return useInvalidatingMutation(acceptInvitation, options, () => [organizationKeys.all]);
}
