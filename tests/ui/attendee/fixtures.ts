/**
 * Test data made through the API with the service role, as an organizer's tools would:
 * an organization, events with ticket types, promoters active on events.
 */
import { randomBytes } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '@/lib/database.types';

type Client = SupabaseClient<Database>;

export interface TicketTypeSpec {
  name: string;
  price_minor: number;
  capacity: number;
  sold?: number;
}

export interface EventSpec {
  name?: string;
  status?: 'draft' | 'published' | 'cancelled';
  startsAt?: Date;
  endsAt?: Date | null;
  venue?: string;
  description?: string;
  ticketTypes?: TicketTypeSpec[];
}

export interface Fixture {
  organizationId: string;
  currency: string;
}

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function must<T>(result: { data: T; error: { message: string } | null }, what: string): NonNullable<T> {
  if (result.error || result.data === null || result.data === undefined) {
    throw new Error(`Could not create ${what}: ${result.error?.message ?? 'no data'}`);
  }
  return result.data;
}

export async function createOrganization(admin: Client, currency = 'USD'): Promise<Fixture> {
  const organization = must(
    await admin.from('organizations').insert({ name: unique('Organizer'), currency }).select('id').single(),
    'an organization',
  );
  return { organizationId: organization.id, currency };
}

const DAY = 24 * 60 * 60 * 1000;

export async function createEvent(admin: Client, fixture: Fixture, spec: EventSpec = {}) {
  const slug = unique('event');
  const startsAt = spec.startsAt ?? new Date(Date.now() + 30 * DAY);
  const event = must(
    await admin
      .from('events')
      .insert({
        organization_id: fixture.organizationId,
        slug,
        name: spec.name ?? 'Summer Night Festival',
        description: spec.description ?? 'Live music under the stars.',
        venue: spec.venue ?? 'Riverside Park',
        starts_at: startsAt.toISOString(),
        ends_at: spec.endsAt === undefined ? new Date(startsAt.getTime() + 5 * 60 * 60 * 1000).toISOString() : spec.endsAt?.toISOString() ?? null,
        currency: fixture.currency,
        status: spec.status ?? 'published',
      })
      .select('id, slug, name')
      .single(),
    'an event',
  );
  const ticketTypes = [];
  for (const [index, ticketType] of (spec.ticketTypes ?? [{ name: 'General Admission', price_minor: 2500, capacity: 100 }]).entries()) {
    ticketTypes.push(
      must(
        await admin
          .from('ticket_types')
          .insert({
            organization_id: fixture.organizationId,
            event_id: event.id,
            name: ticketType.name,
            price_minor: ticketType.price_minor,
            capacity: ticketType.capacity,
            sold: ticketType.sold ?? 0,
            sort_order: index,
          })
          .select('id, name, price_minor, capacity')
          .single(),
        'a ticket type',
      ),
    );
  }
  return { ...event, ticketTypes };
}

export async function createPromoter(admin: Client, fixture: Fixture, activeOnEventIds: string[]) {
  const promoter = must(
    await admin
      .from('promoters')
      .insert({ organization_id: fixture.organizationId, name: 'Pat Promoter', promo_code: unique('PAT').toUpperCase().replace('-', '') })
      .select('id, promo_code')
      .single(),
    'a promoter',
  );
  for (const eventId of activeOnEventIds) {
    must(
      await admin
        .from('event_promoters')
        .insert({ organization_id: fixture.organizationId, event_id: eventId, promoter_id: promoter.id, active: true })
        .select('id')
        .single(),
      'a tracking link',
    );
  }
  return promoter;
}

/** Orders of a buyer and the promoter each is attributed to (null when not attributed). */
export async function ordersOf(admin: Client, buyerEmail: string) {
  const orders = must(
    await admin.from('orders').select('id, reference, ticket_count, total_minor, event_id').eq('buyer_email', buyerEmail),
    'the order list',
  );
  const attributions = must(
    await admin.from('attributions').select('order_id, promoter_id').in('order_id', orders.map((order) => order.id)),
    'the attribution list',
  );
  return orders.map((order) => ({
    ...order,
    promoterId: attributions.find((attribution) => attribution.order_id === order.id)?.promoter_id ?? null,
  }));
}
