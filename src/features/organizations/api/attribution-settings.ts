import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';

export interface AttributionSettings {
  /** null: "this browser session"; otherwise 1 to maxAttributionWindowDays days. */
  attribution_window_days: number | null;
  referral_code_at_checkout: boolean;
}

export const attributionSettingsKey = (organizationId: string) => [...organizationKeys.organization(organizationId), 'attribution-settings'] as const;

export async function getAttributionSettings(organizationId: string): Promise<AttributionSettings> {
  const { data, error } = await supabase
    .from('organizations')
    .select('attribution_window_days, referral_code_at_checkout')
    .eq('id', organizationId)
    .single();
  if (error) throw error;
  return data;
}

export function useAttributionSettings(organizationId: string) {
  return useQuery(queryOptions({ queryKey: attributionSettingsKey(organizationId), queryFn: () => getAttributionSettings(organizationId) }));
}

export interface SaveAttributionSettingsInput extends AttributionSettings {
  organizationId: string;
}

/** Owners and admins; refused with not_authorized for members. */
export async function saveAttributionSettings(input: SaveAttributionSettingsInput): Promise<void> {
  const { error } = await supabase.rpc('set_attribution_settings', {
    p_organization_id: input.organizationId,
    p_attribution_window_days: input.attribution_window_days,
    p_referral_code_at_checkout: input.referral_code_at_checkout,
  });
  if (error) throw error;
}

export function useSaveAttributionSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: saveAttributionSettings,
    onSettled: (_data, _error, input) => queryClient.invalidateQueries({ queryKey: attributionSettingsKey(input.organizationId) }),
  });
}
