import type { MutationHookOptions } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';
import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';

export interface PromoterInput {
  name: string;
  promoCode: string;
  email: string;
  phone: string;
  notes: string;
  /** New events get a link for the promoter automatically; undefined leaves it as it is. */
  activeOnFutureEvents?: boolean;
}

export interface SavePromoterInput extends PromoterInput {
  organizationId: string;
  /** Present when editing an existing promoter. */
  id?: string;
  /** Events the promoter is active on; undefined leaves the links as they are. */
  eventIds?: string[];
  /** The promoter's groups; undefined leaves them as they are. */
  groupIds?: string[];
}

/**
 * Creates or updates a promoter with its tracking links and groups in one database call:
 * either all of it is saved or none of it, so a retry after a refusal starts afresh.
 */
export async function savePromoter(input: SavePromoterInput): Promise<{ id: string }> {
  const { data, error } = await supabase.rpc('save_promoter', {
    p_organization_id: input.organizationId,
    p_promoter_id: input.id ?? null,
    p_name: input.name,
    p_promo_code: input.promoCode,
    p_email: input.email,
    p_phone: input.phone,
    p_notes: input.notes,
    p_event_ids: input.eventIds ?? null,
    p_group_ids: input.groupIds ?? null,
    p_active_on_future_events: input.activeOnFutureEvents ?? null,
  });
  if (error) throw error;
  return { id: data };
}

export type CreatePromoterInput = SavePromoterInput & { eventIds: string[]; groupIds: string[] };

export function useCreatePromoter(options: MutationHookOptions<{ id: string }, CreatePromoterInput> = {}) {
  return useInvalidatingMutation((input: CreatePromoterInput) => savePromoter({ ...input, id: undefined }), options, (input) => [
    promoterKeys.organization(input.organizationId),
  ]);
}
