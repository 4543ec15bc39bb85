import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';
import { organizationSettingsQueryOptions, type OrganizationSettings } from './organization-settings';
import { withCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

export interface PortalSettings {
  portal_show_revenue: boolean;
  portal_show_rank: boolean;
}

const pick = ({ portal_show_revenue, portal_show_rank }: OrganizationSettings): PortalSettings => ({ portal_show_revenue, portal_show_rank });

export const portalSettingsQueryOptions = (organizationId: string) => organizationSettingsQueryOptions(organizationId, pick);

export interface PortalSettingsInput {
  organizationId: string;
  showRevenue?: boolean;
  showRank?: boolean;
}

/** Owners and admins only; a setting left undefined stays as it is. */
export async function setPortalSettings(input: PortalSettingsInput): Promise<PortalSettings> {
  const { data, error } = await supabase.rpc('set_portal_settings', {
    p_organization_id: input.organizationId,
    p_show_revenue: input.showRevenue ?? null,
    p_show_rank: input.showRank ?? null,
  });
  if (error) throw error;
  const value = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  return { portal_show_revenue: value.portal_show_revenue === true, portal_show_rank: value.portal_show_rank === true };
}

export function useSetPortalSettings(options: MutationOptionsOf<typeof setPortalSettings> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    ...withCacheUpdate(options, (settings, input) =>
      queryClient.setQueryData<OrganizationSettings>(organizationKeys.settings(input.organizationId), (current) => (current ? { ...current, ...settings } : current)),
    ),
    mutationFn: setPortalSettings,
  });
}
