import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';

export interface SetActiveInput {
  organizationId: string;
  promoterId: string;
  eventId: string;
  active: boolean;
}

/** Activates (creating the link on first use) or deactivates a promoter on one event. */
export async function setPromoterEventActive(input: SetActiveInput): Promise<void> {
  const { error } = await supabase
    .from('event_promoters')
    .upsert(
      { organization_id: input.organizationId, event_id: input.eventId, promoter_id: input.promoterId, active: input.active },
      { onConflict: 'event_id,promoter_id' },
    );
  if (error) throw error;
}

export function useSetPromoterEventActive({ onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setPromoterEventActive,
    onSuccess: async (_data, input) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: promoterKeys.links(input.organizationId, input.promoterId) }),
        queryClient.invalidateQueries({ queryKey: promoterKeys.lists(input.organizationId) }),
      ]);
      onSuccess?.();
    },
  });
}
