/**
 * The books must balance: what the raw orders, items, attributions and visits say,
 * recomputed here in plain SQL, against what the dashboard functions report (they read
 * rollups maintained by triggers) and against each order's own totals.
 */
import { expect } from 'vitest';
import type { Database } from '../../../supabase/emulator/database.ts';

export interface DashboardFigures {
  events: { event_id: string; tickets: number; revenue_minor: number; orders: number; attributed_tickets: number; attributed_revenue_minor: number }[];
  promoters: { promoter_id: string; tickets: number; revenue_minor: number; orders: number; visits: number }[];
}

const numeric = <T extends Record<string, unknown>>(rows: T[]): T[] =>
  rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value])) as T);

/** Integrity of every order in the database: items add up, attributions match, nothing oversold. */
export async function expectConsistentOrders(db: Database): Promise<{ orders: number; tickets: number; attributed: number }> {
  const halfWritten = await db.query(
    `select o.id, o.ticket_count, o.total_minor, coalesce(sum(i.quantity), 0) as items, coalesce(sum(i.quantity * i.unit_price_minor), 0) as total
     from public.orders o left join public.order_items i on i.order_id = o.id
     group by o.id having o.ticket_count <> coalesce(sum(i.quantity), 0) or o.total_minor <> coalesce(sum(i.quantity * i.unit_price_minor), 0)`,
  );
  expect(halfWritten.rows, 'orders whose items do not add up').toEqual([]);
  const strayAttributions = await db.query(
    `select a.id from public.attributions a left join public.orders o on o.id = a.order_id
     where o.id is null or o.event_id <> a.event_id or o.organization_id <> a.organization_id`,
  );
  expect(strayAttributions.rows, 'attributions without their order').toEqual([]);
  const oversold = await db.query(
    `select t.id, t.capacity, t.sold, coalesce(sum(i.quantity) filter (where o.status = 'paid'), 0) as paid
     from public.ticket_types t
     left join public.order_items i on i.ticket_type_id = t.id
     left join public.orders o on o.id = i.order_id
     group by t.id having t.sold > t.capacity or t.sold <> coalesce(sum(i.quantity) filter (where o.status = 'paid'), 0)`,
  );
  expect(oversold.rows, 'ticket types oversold or with a wrong sold count').toEqual([]);
  const totals = await db.query<{ orders: number; tickets: number; attributed: number }>(
    `select count(*)::int as orders, coalesce(sum(o.ticket_count), 0)::int as tickets,
            count(a.id)::int as attributed
     from public.orders o left join public.attributions a on a.order_id = o.id`,
  );
  return totals.rows[0];
}

/** The dashboard functions' figures equal a recomputation from the raw rows. */
export async function expectDashboardMatchesRawOrders(db: Database, organizationId: string, dashboard: DashboardFigures): Promise<void> {
  const events = await db.query(
    `select e.id as event_id,
            coalesce(sum(o.ticket_count) filter (where o.status = 'paid'), 0)::bigint as tickets,
            coalesce(sum(o.total_minor) filter (where o.status = 'paid'), 0)::bigint as revenue_minor,
            count(o.id) filter (where o.status = 'paid')::bigint as orders,
            coalesce(sum(o.ticket_count) filter (where o.status = 'paid' and a.id is not null), 0)::bigint as attributed_tickets,
            coalesce(sum(o.total_minor) filter (where o.status = 'paid' and a.id is not null), 0)::bigint as attributed_revenue_minor
     from public.events e
     left join public.orders o on o.event_id = e.id
     left join public.attributions a on a.order_id = o.id
     where e.organization_id = $1
     group by e.id order by e.id`,
    [organizationId],
  );
  const promoters = await db.query(
    `select p.id as promoter_id,
            coalesce((select sum(o.ticket_count) from public.attributions a join public.orders o on o.id = a.order_id
                      where a.promoter_id = p.id and o.status = 'paid'), 0)::bigint as tickets,
            coalesce((select sum(o.total_minor) from public.attributions a join public.orders o on o.id = a.order_id
                      where a.promoter_id = p.id and o.status = 'paid'), 0)::bigint as revenue_minor,
            (select count(*) from public.attributions a join public.orders o on o.id = a.order_id
             where a.promoter_id = p.id and o.status = 'paid')::bigint as orders,
            (select count(*) from public.promoter_visits v where v.promoter_id = p.id)::bigint as visits
     from public.promoters p where p.organization_id = $1 order by p.id`,
    [organizationId],
  );
  const pick = <T extends Record<string, unknown>>(rows: T[], keys: string[]) =>
    numeric(rows.map((row) => Object.fromEntries(keys.map((key) => [key, row[key]])))).sort((x, y) => String(Object.values(x)[0]).localeCompare(String(Object.values(y)[0])));
  const eventKeys = ['event_id', 'tickets', 'revenue_minor', 'orders', 'attributed_tickets', 'attributed_revenue_minor'];
  const promoterKeys = ['promoter_id', 'tickets', 'revenue_minor', 'orders', 'visits'];
  expect(pick(dashboard.events, eventKeys), 'event_performance').toEqual(pick(events.rows, eventKeys));
  expect(pick(dashboard.promoters, promoterKeys), 'promoter_performance').toEqual(pick(promoters.rows, promoterKeys));
}
