import { supabase } from '@/lib/supabase';
import type { OrganizationRole } from './get-members';

export interface MembershipRef {
  organizationId: string;
  userId: string;
}

/**
 * The one way the dashboard writes a membership: a role change or a removal of one row.
 * Row-level security decides who may touch which row, and a refused row is simply left
 * as it is; that is reported here as not_authorized. The database's own refusals (the
 * last owner) come through as they are.
 */
export async function writeMembership({ organizationId, userId }: MembershipRef, change: { role: OrganizationRole } | 'remove'): Promise<void> {
  const rows = supabase.from('organization_members');
  const write = change === 'remove' ? rows.delete() : rows.update({ role: change.role });
  const { data, error } = await write.eq('organization_id', organizationId).eq('user_id', userId).select('user_id');
  if (error) throw error;
  if (data.length === 0) throw { message: 'not_authorized', code: '42501' };
}
