import { queryOptions } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import type { Enums, Tables } from '@/lib/database.types';
import { eventKeys } from './keys';

export type TicketType = Pick<Tables<'ticket_types'>, 'id' | 'name' | 'price_minor' | 'capacity' | 'sold' | 'sort_order'>;

export interface OrganizerEvent {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  venue: string | null;
  starts_at: string;
  ends_at: string | null;
  currency: string;
  status: Enums<'event_status'>;
  ticket_types: TicketType[];
}

/** The organization's events (soonest first) with their ticket types. */
export async function getEvents(organizationId: string): Promise<OrganizerEvent[]> {
  const { data, error } = await supabase
    .from('events')
    .select('id, slug, name, description, venue, starts_at, ends_at, currency, status, ticket_types(id, name, price_minor, capacity, sold, sort_order)')
    .eq('organization_id', organizationId)
    .order('starts_at');
  if (error) throw error;
  return data.map((event) => ({ ...event, ticket_types: [...event.ticket_types].sort((a, b) => a.sort_order - b.sort_order) }));
}

export const eventsQueryOptions = (organizationId: string) =>
  queryOptions({ queryKey: eventKeys.list(organizationId), queryFn: () => getEvents(organizationId) });
