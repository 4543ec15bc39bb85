import { supabase } from '@/lib/supabase';
import { groupKeys } from './keys';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

export interface SaveGroupInput {
  organizationId: string;
  /** Renames this group; without it a group is created. */
  id?: string;
  name: string;
  color: string | null;
}

export async function saveGroup(input: SaveGroupInput): Promise<void> {
  const values = { name: input.name.trim(), color: input.color };
  const { error } = input.id
    ? await supabase.from('promoter_groups').update(values).eq('id', input.id)
    : await supabase.from('promoter_groups').insert({ ...values, organization_id: input.organizationId });
  if (error) throw error;
}

export function useSaveGroup(options: MutationOptionsOf<typeof saveGroup> = {}) {
  return useInvalidatingMutation(saveGroup, options, (input) => [groupKeys.organization(input.organizationId)]);
}
