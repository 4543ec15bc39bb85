import { queryOptions } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';

export interface Organization {
  id: string;
  name: string;
  currency: string;
}

/** The organizations the signed-in user belongs to (RLS shows only those), oldest first. */
export async function getMyOrganizations(): Promise<Organization[]> {
  const { data, error } = await supabase.from('organizations').select('id, name, currency').order('created_at');
  if (error) throw error;
  return data;
}

export const myOrganizationsQueryOptions = (userId: string) =>
  queryOptions({ queryKey: organizationKeys.mine(userId), queryFn: getMyOrganizations });
