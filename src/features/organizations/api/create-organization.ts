import { supabase } from '@/lib/supabase';
import type { Organization } from './get-my-organizations';
import { organizationKeys } from './keys';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

export async function createOrganization(input: { name: string; currency: string }): Promise<Organization> {
  const { data, error } = await supabase.rpc('create_organization', { p_name: input.name.trim(), p_currency: input.currency });
  if (error) throw error;
  return { id: data.id, name: data.name, currency: data.currency };
}

export function useCreateOrganization(options: MutationOptionsOf<typeof createOrganization> = {}) {
  return useInvalidatingMutation(createOrganization, options, () => [organizationKeys.all]);
}
