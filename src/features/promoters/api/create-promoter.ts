import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';

export interface PromoterInput {
  name: string;
  promoCode: string;
  email: string;
  phone: string;
  notes: string;
}

export interface CreatePromoterInput extends PromoterInput {
  organizationId: string;
  eventIds: string[];
  groupIds: string[];
}

const blankToNull = (text: string) => (text.trim() ? text.trim() : null);

/** Adds a promoter, activates them on the chosen events and puts them into the chosen groups. */
export async function createPromoter(input: CreatePromoterInput): Promise<{ id: string }> {
  const { data, error } = await supabase
    .from('promoters')
    .insert({
      organization_id: input.organizationId,
      name: input.name.trim(),
      promo_code: input.promoCode.trim(),
      email: blankToNull(input.email),
      phone: blankToNull(input.phone),
      notes: blankToNull(input.notes),
    })
    .select('id')
    .single();
  if (error) throw error;
  if (input.eventIds.length > 0) {
    const { error: linkError } = await supabase
      .from('event_promoters')
      .insert(input.eventIds.map((eventId) => ({ organization_id: input.organizationId, event_id: eventId, promoter_id: data.id, active: true })));
    if (linkError) throw linkError;
  }
  if (input.groupIds.length > 0) {
    const { error: groupError } = await supabase
      .from('promoter_group_members')
      .insert(input.groupIds.map((groupId) => ({ organization_id: input.organizationId, group_id: groupId, promoter_id: data.id })));
    if (groupError) throw groupError;
  }
  return data;
}

export function useCreatePromoter({ onSuccess }: { onSuccess?: (promoter: { id: string }) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createPromoter,
    onSuccess: async (promoter, input) => {
      await queryClient.invalidateQueries({ queryKey: promoterKeys.organization(input.organizationId) });
      onSuccess?.(promoter);
    },
  });
}
