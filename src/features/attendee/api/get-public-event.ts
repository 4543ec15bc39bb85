import { queryOptions, useQuery } from '@tanstack/react-query';
import type { Tables } from '@/lib/database.types';
import { supabase } from '@/lib/supabase';
import { attendeeKeys } from './keys';

export type PublicTicketType = Pick<Tables<'ticket_types'>, 'id' | 'name' | 'price_minor' | 'capacity' | 'sold' | 'sort_order'>;

export interface PublicEvent {
  id: string;
  slug: string;
  name: string;
  description: string;
  venue: string;
  starts_at: string;
  ends_at: string | null;
  currency: string;
  ticketTypes: PublicTicketType[];
}

/**
 * A published event and its ticket types, as an anonymous visitor sees them (RLS hides
 * drafts and cancelled events). `null` when there is no such published event.
 */
export async function getPublicEvent(slug: string): Promise<PublicEvent | null> {
  const { data: event, error } = await supabase
    .from('events')
    .select('id, slug, name, description, venue, starts_at, ends_at, currency')
    .eq('slug', slug)
    .eq('status', 'published')
    .maybeSingle();
  if (error) throw error;
  if (!event) return null;

  const { data: ticketTypes, error: ticketTypesError } = await supabase
    .from('ticket_types')
    .select('id, name, price_minor, capacity, sold, sort_order')
    .eq('event_id', event.id)
    .order('sort_order', { ascending: true })
    .order('created_at', { ascending: true });
  if (ticketTypesError) throw ticketTypesError;

  return { ...event, ticketTypes: ticketTypes ?? [] };
}

export function publicEventQueryOptions(slug: string) {
  return queryOptions({
    queryKey: attendeeKeys.event(slug),
    queryFn: () => getPublicEvent(slug),
  });
}

export function usePublicEvent(slug: string) {
  return useQuery(publicEventQueryOptions(slug));
}

/** Tickets still for sale of one type. */
export function ticketsAvailable(ticketType: Pick<PublicTicketType, 'capacity' | 'sold'>): number {
  return Math.max(0, ticketType.capacity - ticketType.sold);
}

/** Sales close when the event ends, or when it starts if it has no end (see events.ends_at). */
export function salesClosed(event: Pick<PublicEvent, 'starts_at' | 'ends_at'>, now: Date = new Date()): boolean {
  return now.getTime() >= new Date(event.ends_at ?? event.starts_at).getTime();
}
