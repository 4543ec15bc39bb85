import { queryOptions } from '@tanstack/react-query';
import type { Database } from '@/lib/database.types';
import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';

export type OrganizationRole = Database['public']['Enums']['organization_role'];

export interface Member {
  user_id: string;
  email: string;
  role: OrganizationRole;
  joined_at: string;
}

/** The organization's members with their emails (members only), owners first. */
export async function getMembers(organizationId: string): Promise<Member[]> {
  const { data, error } = await supabase.rpc('organization_member_list', { p_organization_id: organizationId });
  if (error) throw error;
  return data;
}

export const membersQueryOptions = (organizationId: string) =>
  queryOptions({ queryKey: organizationKeys.members(organizationId), queryFn: () => getMembers(organizationId) });
