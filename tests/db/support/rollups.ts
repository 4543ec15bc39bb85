/**
 * The dashboard reads rollups kept by triggers; this recomputes the same figures from
 * the raw orders, attributions and visits and expects them to be equal.
 */
import { expect } from 'vitest';
import type { Session } from './personas.ts';

interface Figures {
  tickets: number;
  revenue_minor: number;
  orders: number;
  visits: number;
}

export async function expectRollupsMatchRawData(s: Session): Promise<void> {
  await s.asOwner();
  const key = (r: Record<string, unknown>) => `${r.promoter_id}|${r.event_id}|${r.day}`;
  const rollup = new Map<string, Figures>();
  for (const r of await s.rows<Record<string, unknown> & Figures>(
    `select promoter_id, event_id, day::text as day, tickets::int, revenue_minor::int, orders::int, visits::int
     from private.promoter_daily_stats where tickets <> 0 or revenue_minor <> 0 or orders <> 0 or visits <> 0`,
  )) {
    rollup.set(key(r), { tickets: r.tickets, revenue_minor: r.revenue_minor, orders: r.orders, visits: r.visits });
  }
  const raw = new Map<string, Figures>();
  const entry = (k: string) => raw.get(k) ?? raw.set(k, { tickets: 0, revenue_minor: 0, orders: 0, visits: 0 }).get(k)!;
  for (const r of await s.rows<Record<string, unknown> & Figures>(
    `select a.promoter_id, a.event_id, ((o.created_at at time zone 'utc')::date)::text as day,
            sum(o.ticket_count)::int as tickets, sum(o.total_minor)::int as revenue_minor, count(*)::int as orders
     from public.attributions a join public.orders o on o.id = a.order_id
     where o.status = 'paid' group by 1, 2, 3`,
  )) {
    Object.assign(entry(key(r)), { tickets: r.tickets, revenue_minor: r.revenue_minor, orders: r.orders });
  }
  for (const r of await s.rows<Record<string, unknown> & { visits: number }>(
    `select promoter_id, event_id, ((visited_at at time zone 'utc')::date)::text as day, count(*)::int as visits
     from public.promoter_visits group by 1, 2, 3`,
  )) {
    entry(key(r)).visits = r.visits;
  }
  expect(rollup.size).toBeGreaterThan(20);
  expect(Object.fromEntries(rollup)).toEqual(Object.fromEntries(raw));

  const events = await s.rows(
    `select e.id, coalesce(es.tickets, 0)::int as t, coalesce(es.revenue_minor, 0)::int as r, coalesce(es.orders, 0)::int as o,
            coalesce(raw.t, 0)::int as raw_t, coalesce(raw.r, 0)::int as raw_r, coalesce(raw.o, 0)::int as raw_o
     from public.events e
     left join private.event_stats es on es.event_id = e.id
     left join (select event_id, sum(ticket_count) t, sum(total_minor) r, count(*) o from public.orders where status = 'paid' group by 1) raw
       on raw.event_id = e.id`,
  );
  for (const e of events) expect([e.t, e.r, e.o]).toEqual([e.raw_t, e.raw_r, e.raw_o]);
}
