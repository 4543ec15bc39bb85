import { useMutation, useQueryClient } from '@tanstack/react-query';
import { invalidateOrganization } from '@/lib/query-client';
import { supabase } from '@/lib/supabase';
import { withCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

/** Publishes a draft event from a promoter's links, so its links start working. */
export async function publishEvent(input: { organizationId: string; eventId: string }): Promise<void> {
  const { error } = await supabase.from('events').update({ status: 'published' }).eq('id', input.eventId);
  if (error) throw error;
}

export function usePublishEvent(options: MutationOptionsOf<typeof publishEvent> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    // The events page and every promoter's links show the event's status.
    ...withCacheUpdate(options, (_data, input) => invalidateOrganization(queryClient, input.organizationId)),
    mutationFn: publishEvent,
  });
}
