import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { eventKeys } from './keys';
import { withCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

export interface SetEventStatusInput {
  organizationId: string;
  eventId: string;
  status: 'draft' | 'published';
}

export async function setEventStatus(input: SetEventStatusInput): Promise<void> {
  const { error } = await supabase.from('events').update({ status: input.status }).eq('id', input.eventId);
  if (error) throw error;
}

export function useSetEventStatus(options: MutationOptionsOf<typeof setEventStatus> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    ...withCacheUpdate(options, (_data, input) => queryClient.invalidateQueries({ queryKey: eventKeys.list(input.organizationId) })),
    mutationFn: setEventStatus,
  });
}
