import { queryOptions } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';

export interface Promoter {
  id: string;
  name: string;
  promo_code: string;
  email: string | null;
  phone: string | null;
  notes: string | null;
  active_on_future_events: boolean;
  created_at: string;
  group_ids: string[];
}

/** One promoter with their group memberships, or null when it does not exist (or was deleted). */
export async function getPromoter(promoterId: string): Promise<Promoter | null> {
  const { data, error } = await supabase
    .from('promoters')
    .select('id, name, promo_code, email, phone, notes, active_on_future_events, created_at, promoter_group_members(group_id)')
    .eq('id', promoterId)
    .maybeSingle();
  if (error) throw error;
  if (!data) return null;
  const { promoter_group_members: memberships, ...promoter } = data;
  return { ...promoter, group_ids: memberships.map((membership) => membership.group_id) };
}

export const promoterQueryOptions = (organizationId: string, promoterId: string) =>
  queryOptions({ queryKey: promoterKeys.detail(organizationId, promoterId), queryFn: () => getPromoter(promoterId) });
