import { queryOptions } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';

/** Every setting the settings page shows, read in one request of the organization's row. */
export interface OrganizationSettings {
  /** null: "this browser session"; otherwise 1 to maxAttributionWindowDays days. */
  attribution_window_days: number | null;
  referral_code_at_checkout: boolean;
  portal_show_revenue: boolean;
  portal_show_rank: boolean;
  /** Whether orders a promoter bought with their own email count toward promoters' figures. */
  count_self_referrals: boolean;
}

export async function getOrganizationSettings(organizationId: string): Promise<OrganizationSettings> {
  const { data, error } = await supabase
    .from('organizations')
    .select('attribution_window_days, referral_code_at_checkout, portal_show_revenue, portal_show_rank, count_self_referrals')
    .eq('id', organizationId)
    .single();
  if (error) throw error;
  return data;
}

/**
 * One section's view of the settings (`pick` selects its fields); all sections share the
 * one cached read of the organization's row.
 */
export const organizationSettingsQueryOptions = <T>(organizationId: string, pick: (settings: OrganizationSettings) => T) =>
  queryOptions({ queryKey: organizationKeys.settings(organizationId), queryFn: () => getOrganizationSettings(organizationId), select: pick });
