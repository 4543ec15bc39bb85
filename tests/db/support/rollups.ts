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

  // All-time totals per promoter: the raw figures summed over every event and day.
  const totals = new Map<string, Figures>();
  for (const r of await s.rows<{ promoter_id: string } & Figures>(
    `select promoter_id, tickets::int, revenue_minor::int, orders::int, visits::int
     from private.promoter_totals where tickets <> 0 or revenue_minor <> 0 or orders <> 0 or visits <> 0`,
  )) {
    totals.set(r.promoter_id, { tickets: r.tickets, revenue_minor: r.revenue_minor, orders: r.orders, visits: r.visits });
  }
  const rawTotals = new Map<string, Figures>();
  for (const [k, f] of raw) {
    const promoter = k.split('|')[0];
    const t = rawTotals.get(promoter) ?? { tickets: 0, revenue_minor: 0, orders: 0, visits: 0 };
    rawTotals.set(promoter, {
      tickets: t.tickets + f.tickets,
      revenue_minor: t.revenue_minor + f.revenue_minor,
      orders: t.orders + f.orders,
      visits: t.visits + f.visits,
    });
  }
  expect(totals.size).toBeGreaterThanOrEqual(2);
  expect(Object.fromEntries(totals)).toEqual(Object.fromEntries(rawTotals));
  // Every totals row belongs to its promoter's organization.
  expect(
    await s.value(
      `select count(*)::int from private.promoter_totals t join public.promoters p on p.id = t.promoter_id
       where p.organization_id <> t.organization_id`,
    ),
  ).toBe(0);

  // Event figures: the shards summed per event equal the paid orders, and the attributed
  // part equals the paid orders that carry an attribution.
  const events = await s.rows(
    `select e.id,
            coalesce(es.t, 0)::int as t, coalesce(es.r, 0)::int as r, coalesce(es.o, 0)::int as o,
            coalesce(es.at, 0)::int as at, coalesce(es.ar, 0)::int as ar,
            coalesce(raw.t, 0)::int as raw_t, coalesce(raw.r, 0)::int as raw_r, coalesce(raw.o, 0)::int as raw_o,
            coalesce(raw.at, 0)::int as raw_at, coalesce(raw.ar, 0)::int as raw_ar
     from public.events e
     left join (select event_id, sum(tickets) t, sum(revenue_minor) r, sum(orders) o,
                       sum(attributed_tickets) at, sum(attributed_revenue_minor) ar
                from private.event_stats group by 1) es on es.event_id = e.id
     left join (select o.event_id, sum(o.ticket_count) t, sum(o.total_minor) r, count(*) o,
                       sum(o.ticket_count) filter (where exists (select 1 from public.attributions a where a.order_id = o.id)) at,
                       sum(o.total_minor) filter (where exists (select 1 from public.attributions a where a.order_id = o.id)) ar
                from public.orders o where o.status = 'paid' group by 1) raw
       on raw.event_id = e.id`,
  );
  expect(events.length).toBeGreaterThan(0);
  for (const e of events) {
    expect([e.t, e.r, e.o, e.at, e.ar]).toEqual([e.raw_t, e.raw_r, e.raw_o, e.raw_at, e.raw_ar]);
  }
  // Orders land in their own shard only.
  expect(await s.value(`select count(*)::int from private.event_stats where shard not between 0 and 7`)).toBe(0);
}
