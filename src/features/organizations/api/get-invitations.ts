import { queryOptions } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';

export interface Invitation {
  id: string;
  email: string;
  role: 'admin' | 'member';
  created_at: string;
  expires_at: string;
  /** Whether the link had expired when the list was read. */
  expired: boolean;
}

/**
 * The organization's open invitations (neither accepted nor revoked), newest first,
 * including expired ones, which can be renewed. Owners and admins only (row-level
 * security shows nobody else any).
 */
export async function getInvitations(organizationId: string): Promise<Invitation[]> {
  const { data, error } = await supabase
    .from('organization_invitations')
    .select('id, email, role, created_at, expires_at')
    .eq('organization_id', organizationId)
    .is('accepted_at', null)
    .is('revoked_at', null)
    .order('created_at', { ascending: false });
  if (error) throw error;
  const now = Date.now();
  return data.map((row) => ({ ...row, role: row.role === 'admin' ? 'admin' : 'member', expired: Date.parse(row.expires_at) <= now }));
}

export const invitationsQueryOptions = (organizationId: string) =>
  queryOptions({ queryKey: organizationKeys.invitations(organizationId), queryFn: () => getInvitations(organizationId) });
