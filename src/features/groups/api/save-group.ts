import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { groupKeys } from './keys';
import { withCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

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
  const queryClient = useQueryClient();
  return useMutation({
    ...withCacheUpdate(options, (_data, input) => queryClient.invalidateQueries({ queryKey: groupKeys.organization(input.organizationId) })),
    mutationFn: saveGroup,
  });
}
