import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';
import { organizationSettingsQueryOptions, type OrganizationSettings } from './organization-settings';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

export interface AttributionSettings {
  /** null: "this browser session"; otherwise 1 to maxAttributionWindowDays days. */
  attribution_window_days: number | null;
  referral_code_at_checkout: boolean;
}

const pick = ({ attribution_window_days, referral_code_at_checkout }: OrganizationSettings): AttributionSettings => ({
  attribution_window_days,
  referral_code_at_checkout,
});

export const attributionSettingsQueryOptions = (organizationId: string) => organizationSettingsQueryOptions(organizationId, pick);

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

export function useSaveAttributionSettings(options: MutationOptionsOf<typeof saveAttributionSettings> = {}) {
  return useInvalidatingMutation(saveAttributionSettings, options, (input) => [organizationKeys.settings(input.organizationId)], 'settled');
}
