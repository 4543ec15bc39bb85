import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { organizationKeys } from './keys';
import { withCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';
import { organizationSettingsQueryOptions, type OrganizationSettings } from './organization-settings';

const pick = ({ count_self_referrals }: OrganizationSettings) => count_self_referrals;

/** Whether self-referrals count toward promoters' figures (true by default). */
export const countSelfReferralsQueryOptions = (organizationId: string) => organizationSettingsQueryOptions(organizationId, pick);

export interface SelfReferralSettingInput {
  organizationId: string;
  count: boolean;
}

/** Owners and admins only; answers the choice as saved. */
export async function setSelfReferralSetting(input: SelfReferralSettingInput): Promise<boolean> {
  const { data, error } = await supabase.rpc('set_self_referral_setting', {
    p_organization_id: input.organizationId,
    p_count_self_referrals: input.count,
  });
  if (error) throw error;
  const value = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  return value.count_self_referrals !== false;
}

/**
 * Saves the choice. Every figure that credits promoters changes with it, so the
 * organization's cached figures are refetched too.
 */
export function useSetSelfReferralSetting(options: MutationOptionsOf<typeof setSelfReferralSetting> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    ...withCacheUpdate(options, (count, input) => {
      queryClient.setQueryData<OrganizationSettings>(organizationKeys.settings(input.organizationId), (current) =>
        current ? { ...current, count_self_referrals: count } : current,
      );
      void queryClient.invalidateQueries({ predicate: (query) => query.queryKey.includes(input.organizationId) });
    }),
    mutationFn: setSelfReferralSetting,
  });
}
