import { supabase } from '@/lib/supabase';
import { eventKeys } from './keys';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

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
  return useInvalidatingMutation(setEventStatus, options, (input) => [eventKeys.list(input.organizationId)]);
}
