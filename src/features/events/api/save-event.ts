import { useMutation, useQueryClient } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { eventKeys } from './keys';

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
  currency: string;
  ticketTypes: TicketTypeInput[];
  /** Existing ticket types the organizer removed. */
  removedTicketTypeIds: string[];
}

/** Lower-case words joined by dashes, as the slug constraint wants. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}

/** Creates or updates an event, then brings its ticket types in line with the form. */
export async function saveEvent(input: SaveEventInput): Promise<{ id: string }> {
  const values = {
    name: input.name.trim(),
    slug: input.slug.trim(),
    description: input.description.trim(),
    venue: input.venue.trim(),
    starts_at: input.starts_at,
  };
  const saved = input.id
    ? await supabase.from('events').update(values).eq('id', input.id).select('id').single()
    : await supabase
        .from('events')
        .insert({ ...values, organization_id: input.organizationId, currency: input.currency, status: 'draft' })
        .select('id')
        .single();
  if (saved.error) throw saved.error;
  const eventId = saved.data.id;

  if (input.removedTicketTypeIds.length > 0) {
    const { error } = await supabase.from('ticket_types').delete().in('id', input.removedTicketTypeIds);
    if (error) throw error;
  }
  for (const [index, ticket] of input.ticketTypes.entries()) {
    const row = { name: ticket.name.trim(), price_minor: ticket.price_minor, capacity: ticket.capacity, sort_order: index + 1 };
    const { error } = ticket.id
      ? await supabase.from('ticket_types').update(row).eq('id', ticket.id)
      : await supabase.from('ticket_types').insert({ ...row, organization_id: input.organizationId, event_id: eventId });
    if (error) throw error;
  }
  return { id: eventId };
}

export function useSaveEvent({ onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: saveEvent,
    onSuccess: async (_data, input) => {
      await queryClient.invalidateQueries({ queryKey: eventKeys.organization(input.organizationId) });
      onSuccess?.();
    },
  });
}
