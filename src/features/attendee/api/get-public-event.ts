import { queryOptions } from '@tanstack/react-query';
import type { Tables } from '@/lib/database.types';
import { publicApi } from '@/lib/public-api';
import { PUBLIC_EVENT_COLUMNS, PUBLIC_TICKET_TYPE_COLUMNS, takeEarlyEventRows } from './early-event-request';
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
  /** How long a tracking link credits a purchase: null for this browser session, else days. */
  attribution_window_days: number | null;
  /** Whether checkout asks for a referral code. */
  referral_code_at_checkout: boolean;
  ticketTypes: PublicTicketType[];
}

type PublicEventRow = Omit<PublicEvent, 'ticketTypes'> & { ticket_types: (PublicTicketType & { created_at: string })[] | null };

function toPublicEvent({ ticket_types: ticketTypes, ...details }: PublicEventRow): PublicEvent {
  return { ...details, ticketTypes: (ticketTypes ?? []).map(({ created_at: _created, ...ticketType }) => ticketType) };
}

/**
 * A published event and its ticket types, as an anonymous visitor sees them (RLS hides
 * drafts and cancelled events). `null` when there is no such published event.
 */
export async function getPublicEvent(slug: string): Promise<PublicEvent | null> {
  // The entry script may have asked already, while the page's code was loading.
  const rows = (await takeEarlyEventRows(slug)) as PublicEventRow[] | undefined;
  if (rows) return rows.length === 1 ? toPublicEvent(rows[0]) : null;

  // One request, not two: the page's largest paint waits for it.
  const { data: event, error } = await publicApi
    .from('events')
    .select(`${PUBLIC_EVENT_COLUMNS}, ticket_types(${PUBLIC_TICKET_TYPE_COLUMNS})`)
    .eq('slug', slug)
    .eq('status', 'published')
    .order('sort_order', { referencedTable: 'ticket_types', ascending: true })
    .order('created_at', { referencedTable: 'ticket_types', ascending: true })
    .maybeSingle();
  if (error) throw error;
  return event ? toPublicEvent(event as PublicEventRow) : null;
}

export function publicEventQueryOptions(slug: string) {
  return queryOptions({
    queryKey: attendeeKeys.event(slug),
    queryFn: () => getPublicEvent(slug),
    // The page mounts once the answer is here (a suspense query); fresh for a while so
    // that mounting on a slow device does not ask for the event a second time.
    staleTime: 10_000,
  });
}

/** Tickets still for sale of one type. */
export function ticketsAvailable(ticketType: Pick<PublicTicketType, 'capacity' | 'sold'>): number {
  return Math.max(0, ticketType.capacity - ticketType.sold);
}

/** Sales close when the event ends, or when it starts if it has no end (see events.ends_at). */
export function salesClosed(event: Pick<PublicEvent, 'starts_at' | 'ends_at'>, now: Date = new Date()): boolean {
  return now.getTime() >= new Date(event.ends_at ?? event.starts_at).getTime();
}
