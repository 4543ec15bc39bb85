import { slugify } from '@/lib/slug';
import { supabase } from '@/lib/supabase';
import { eventKeys } from './keys';
import type { MutationOptionsOf } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

export interface TicketTypeInput {
  /** Present for ticket types that already exist. */
  id?: string;
  name: string;
  price_minor: number;
  capacity: number;
}

export interface SaveEventInput {
  organizationId: string;
  id?: string;
  name: string;
  slug: string;
  description: string;
  venue: string;
  starts_at: string;
  /** The event's full list of ticket types, in display order; existing ones not listed are removed. */
  ticketTypes: TicketTypeInput[];
}

/** An event's slug suggested from its name, as the slug constraint wants. */
export const eventSlugFor = (name: string): string => slugify(name, 60);

/**
 * Creates (as a draft) or updates an event together with its ticket types in one
 * database call: either everything is saved or nothing is, so a retry after a refusal
 * starts from where the form was.
 */
export async function saveEvent(input: SaveEventInput): Promise<{ id: string }> {
  const { data, error } = await supabase.rpc('save_event', {
    p_organization_id: input.organizationId,
    p_event_id: input.id ?? null,
    p_name: input.name,
    p_slug: input.slug,
    p_description: input.description,
    p_venue: input.venue,
    p_starts_at: input.starts_at,
    p_ticket_types: input.ticketTypes.map((ticket) => ({
      ...(ticket.id ? { id: ticket.id } : {}),
      name: ticket.name,
      price_minor: ticket.price_minor,
      capacity: ticket.capacity,
    })),
  });
  if (error) throw error;
  return { id: data };
}

export function useSaveEvent(options: MutationOptionsOf<typeof saveEvent> = {}) {
  return useInvalidatingMutation(saveEvent, options, (input) => [eventKeys.organization(input.organizationId)]);
}
