/**
 * Arranges an organization with a published event, a ticket type and an active promoter
 * link, directly in SQL (as the database owner), for tests that exercise the API on top.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../supabase/emulator/database.ts';

export interface SalesFixture {
  organizationId: string;
  eventSlug: string;
  ticketTypeId: string;
  promoCode: string;
}

export async function createSalesFixture(db: Database, ownerId: string): Promise<SalesFixture> {
  const suffix = randomUUID().slice(0, 8);
  return db.transaction(async (tx) => {
    const organization = await tx.query<{ id: string }>(
      `insert into public.organizations (name, currency) values ($1, 'EUR') returning id`,
      [`Org ${suffix}`],
    );
    const organizationId = organization.rows[0].id;
    await tx.query(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'owner')`, [
      organizationId,
      ownerId,
    ]);
    const eventSlug = `party-${suffix}`;
    const event = await tx.query<{ id: string }>(
      `insert into public.events (organization_id, slug, name, starts_at, currency, status)
       values ($1, $2, 'Party', now() + interval '30 days', 'EUR', 'published') returning id`,
      [organizationId, eventSlug],
    );
    const eventId = event.rows[0].id;
    const ticket = await tx.query<{ id: string }>(
      `insert into public.ticket_types (organization_id, event_id, name, price_minor, capacity)
       values ($1, $2, 'Standard', 2500, 100) returning id`,
      [organizationId, eventId],
    );
    const promoCode = `PROMO${suffix}`;
    const promoter = await tx.query<{ id: string }>(
      `insert into public.promoters (organization_id, name, promo_code) values ($1, 'Ada', $2) returning id`,
      [organizationId, promoCode],
    );
    await tx.query(`insert into public.event_promoters (organization_id, event_id, promoter_id) values ($1, $2, $3)`, [
      organizationId,
      eventId,
      promoter.rows[0].id,
    ]);
    return { organizationId, eventSlug, ticketTypeId: ticket.rows[0].id, promoCode };
  });
}
