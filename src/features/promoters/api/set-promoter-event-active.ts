import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

export interface SetActiveInput {
  organizationId: string;
  promoterId: string;
  eventId: string;
  active: boolean;
}

/** Activates (creating the link on first use) or deactivates a promoter on one event. */
export async function setPromoterEventActive(input: SetActiveInput): Promise<void> {
  // Only `active` may change on an existing link (the API grants no update of the keys),
  // so this updates first and creates the link only when there was none.
  const { data, error } = await supabase
    .from('event_promoters')
    .update({ active: input.active })
    .eq('event_id', input.eventId)
    .eq('promoter_id', input.promoterId)
    .select('id');
  if (error) throw error;
  if (data.length > 0 || !input.active) return;
  const { error: insertError } = await supabase
    .from('event_promoters')
    .insert({ organization_id: input.organizationId, event_id: input.eventId, promoter_id: input.promoterId, active: true });
  if (insertError) throw insertError;
}

export function useSetPromoterEventActive(options: MutationOptionsOf<typeof setPromoterEventActive> = {}) {
  return useInvalidatingMutation(setPromoterEventActive, options, (input) => [
    promoterKeys.links(input.organizationId, input.promoterId),
    promoterKeys.lists(input.organizationId),
  ]);
}
