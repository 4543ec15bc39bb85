import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { eventKeys } from './keys';

export async function setEventStatus(input: { organizationId: string; eventId: string; status: 'draft' | 'published' }): Promise<void> {
  const { error } = await supabase.from('events').update({ status: input.status }).eq('id', input.eventId);
  if (error) throw error;
}

export function useSetEventStatus() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setEventStatus,
    onSuccess: (_data, input) => queryClient.invalidateQueries({ queryKey: eventKeys.list(input.organizationId) }),
  });
}
