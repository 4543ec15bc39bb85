-- Hot on-sale groundwork: one helper per rollup family, and a dashboard time series
-- whose cost no longer grows with the promoter's history.
--
-- * The rollup arithmetic the triggers of 20261124150500_performance.sql repeated five
--   times is one helper per rollup family: private.add_to_promoter_rollups() (daily
--   rows, then the promoter totals, each in key order) and private.add_to_event_stats()
--   (event_stats shards in (event_id, shard) order). The triggers only say what
--   changed (negative values subtract); private.rebuild_rollups() stays the one
--   from-scratch definition. Lock order (docs/decisions/008-lock-order.md) is
--   unchanged: level 6, shards, then daily rows, then totals.
-- * promoter_sales_timeseries() reads only the promoter's days in the range asked for.

-- Rollup helpers ----------------------------------------------------------------------------------

create function private.add_to_promoter_rollups(
  p_organization_ids uuid[],
  p_promoter_ids uuid[],
  p_event_ids uuid[],
  p_days date[],
  p_tickets bigint[],
  p_revenue_minor bigint[],
  p_orders bigint[],
  p_visits bigint[]
)
returns void
language plpgsql
set search_path = ''
as $$
begin
  -- Lock order level 6: the daily rows, then the promoter totals, each in key order.
  insert into private.promoter_daily_stats as s (organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders, visits)
  select d.organization_id, d.promoter_id, d.event_id, d.day, d.tickets, d.revenue_minor, d.orders, d.visits
  from unnest(p_organization_ids, p_promoter_ids, p_event_ids, p_days, p_tickets, p_revenue_minor, p_orders, p_visits)
    as d(organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders, visits)
  order by d.promoter_id, d.event_id, d.day
  on conflict (promoter_id, event_id, day) do update
    set tickets = s.tickets + excluded.tickets,
        revenue_minor = s.revenue_minor + excluded.revenue_minor,
        orders = s.orders + excluded.orders,
        visits = s.visits + excluded.visits;

  insert into private.promoter_totals as t (promoter_id, organization_id, tickets, revenue_minor, orders, visits)
  select d.promoter_id, d.organization_id, sum(d.tickets), sum(d.revenue_minor), sum(d.orders), sum(d.visits)
  from unnest(p_organization_ids, p_promoter_ids, p_tickets, p_revenue_minor, p_orders, p_visits)
    as d(organization_id, promoter_id, tickets, revenue_minor, orders, visits)
  group by d.promoter_id, d.organization_id
  order by d.promoter_id
  on conflict (promoter_id) do update
    set tickets = t.tickets + excluded.tickets,
        revenue_minor = t.revenue_minor + excluded.revenue_minor,
        orders = t.orders + excluded.orders,
        visits = t.visits + excluded.visits;
end;
$$;
comment on function private.add_to_promoter_rollups(uuid[], uuid[], uuid[], date[], bigint[], bigint[], bigint[], bigint[]) is
  'Adds changes (negative to subtract) to promoter_daily_stats and promoter_totals: element i of the arrays is one (organization, promoter, event, UTC day) with its tickets, revenue, orders and visits. The one place the rollup triggers write the promoter rollups; locks the daily rows, then the totals, each in key order.';
revoke all on function private.add_to_promoter_rollups(uuid[], uuid[], uuid[], date[], bigint[], bigint[], bigint[], bigint[])
  from public, anon, authenticated, service_role;

create function private.add_to_event_stats(
  p_event_ids uuid[],
  p_shards smallint[],
  p_organization_ids uuid[],
  p_tickets bigint[],
  p_revenue_minor bigint[],
  p_orders bigint[],
  p_attributed_tickets bigint[],
  p_attributed_revenue_minor bigint[]
)
returns void
language sql
set search_path = ''
as $$
  -- Lock order level 6: event_stats shards in (event_id, shard) order.
  insert into private.event_stats as s (event_id, shard, organization_id, tickets, revenue_minor, orders,
                                        attributed_tickets, attributed_revenue_minor)
  select d.event_id, d.shard, d.organization_id, d.tickets, d.revenue_minor, d.orders, d.attributed_tickets, d.attributed_revenue_minor
  from unnest(p_event_ids, p_shards, p_organization_ids, p_tickets, p_revenue_minor, p_orders, p_attributed_tickets, p_attributed_revenue_minor)
    as d(event_id, shard, organization_id, tickets, revenue_minor, orders, attributed_tickets, attributed_revenue_minor)
  order by d.event_id, d.shard
  on conflict (event_id, shard) do update
    set tickets = s.tickets + excluded.tickets,
        revenue_minor = s.revenue_minor + excluded.revenue_minor,
        orders = s.orders + excluded.orders,
        attributed_tickets = s.attributed_tickets + excluded.attributed_tickets,
        attributed_revenue_minor = s.attributed_revenue_minor + excluded.attributed_revenue_minor;
$$;
comment on function private.add_to_event_stats(uuid[], smallint[], uuid[], bigint[], bigint[], bigint[], bigint[], bigint[]) is
  'Adds changes (negative to subtract) to event_stats: element i of the arrays is one (event, shard) with its paid tickets, revenue and orders and their attributed part. The one place the rollup triggers write event_stats; locks the shards in (event_id, shard) order.';
revoke all on function private.add_to_event_stats(uuid[], smallint[], uuid[], bigint[], bigint[], bigint[], bigint[], bigint[])
  from public, anon, authenticated, service_role;

-- Rollup triggers: what changed, grouped once, handed to the helpers -------------------------------
-- Same grouping as before (and as private.rebuild_rollups()): visits by visit day, paid
-- attributed orders by order day, paid orders by event shard.

create or replace function private.rollup_visits()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.add_to_promoter_rollups(array_agg(d.organization_id), array_agg(d.promoter_id), array_agg(d.event_id),
      array_agg(d.day), array_agg(0::bigint), array_agg(0::bigint), array_agg(0::bigint), array_agg(d.n))
    from (
      select v.organization_id, v.promoter_id, v.event_id, (v.visited_at at time zone 'utc')::date as day, count(*) as n
      from new_rows v group by 1, 2, 3, 4
    ) d;
  else
    perform private.add_to_promoter_rollups(array_agg(d.organization_id), array_agg(d.promoter_id), array_agg(d.event_id),
      array_agg(d.day), array_agg(0::bigint), array_agg(0::bigint), array_agg(0::bigint), array_agg(-d.n))
    from (
      select v.organization_id, v.promoter_id, v.event_id, (v.visited_at at time zone 'utc')::date as day, count(*) as n
      from old_rows v group by 1, 2, 3, 4
    ) d;
  end if;
  return null;
end;
$$;
comment on function private.rollup_visits() is
  'Counts inserted and deleted visits into promoter_daily_stats and promoter_totals (through private.add_to_promoter_rollups()).';

create or replace function private.rollup_attributions()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- The attributed part of the event figures goes to the shard of each order (the row
  -- the order's own insert already locked in a checkout), then the promoter rollups.
  if tg_op = 'INSERT' then
    perform private.add_to_event_stats(array_agg(x.event_id), array_agg(x.shard), array_agg(x.organization_id),
      array_agg(0::bigint), array_agg(0::bigint), array_agg(0::bigint), array_agg(x.tickets), array_agg(x.revenue_minor))
    from (
      select o.event_id, private.event_stats_shard(o.id) as shard, o.organization_id,
             sum(o.ticket_count)::bigint as tickets, sum(o.total_minor)::bigint as revenue_minor
      from new_rows a join public.orders o on o.id = a.order_id and o.status = 'paid'
      group by 1, 2, 3
    ) x;
    perform private.add_to_promoter_rollups(array_agg(d.organization_id), array_agg(d.promoter_id), array_agg(d.event_id),
      array_agg(d.day), array_agg(d.tickets), array_agg(d.revenue_minor), array_agg(d.orders), array_agg(0::bigint))
    from (
      select a.organization_id, a.promoter_id, a.event_id, (o.created_at at time zone 'utc')::date as day,
             sum(o.ticket_count)::bigint as tickets, sum(o.total_minor)::bigint as revenue_minor, count(*) as orders
      from new_rows a join public.orders o on o.id = a.order_id and o.status = 'paid'
      group by 1, 2, 3, 4
    ) d;
  else
    perform private.add_to_event_stats(array_agg(x.event_id), array_agg(x.shard), array_agg(x.organization_id),
      array_agg(0::bigint), array_agg(0::bigint), array_agg(0::bigint), array_agg(-x.tickets), array_agg(-x.revenue_minor))
    from (
      select o.event_id, private.event_stats_shard(o.id) as shard, o.organization_id,
             sum(o.ticket_count)::bigint as tickets, sum(o.total_minor)::bigint as revenue_minor
      from old_rows a join public.orders o on o.id = a.order_id and o.status = 'paid'
      group by 1, 2, 3
    ) x;
    perform private.add_to_promoter_rollups(array_agg(d.organization_id), array_agg(d.promoter_id), array_agg(d.event_id),
      array_agg(d.day), array_agg(-d.tickets), array_agg(-d.revenue_minor), array_agg(-d.orders), array_agg(0::bigint))
    from (
      select a.organization_id, a.promoter_id, a.event_id, (o.created_at at time zone 'utc')::date as day,
             sum(o.ticket_count)::bigint as tickets, sum(o.total_minor)::bigint as revenue_minor, count(*) as orders
      from old_rows a join public.orders o on o.id = a.order_id and o.status = 'paid'
      group by 1, 2, 3, 4
    ) d;
  end if;
  return null;
end;
$$;
comment on function private.rollup_attributions() is
  'Adds or removes the paid orders of inserted or deleted attributions in the attributed part of event_stats, then in promoter_daily_stats and promoter_totals (through the two rollup helpers).';

create or replace function private.rollup_orders()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    -- New orders have no attributions yet (those come after the order row).
    perform private.add_to_event_stats(array_agg(x.event_id), array_agg(x.shard), array_agg(x.organization_id),
      array_agg(x.tickets), array_agg(x.revenue_minor), array_agg(x.orders), array_agg(0::bigint), array_agg(0::bigint))
    from (
      select o.event_id, private.event_stats_shard(o.id) as shard, o.organization_id,
             sum(o.ticket_count)::bigint as tickets, sum(o.total_minor)::bigint as revenue_minor, count(*) as orders
      from new_rows o where o.status = 'paid'
      group by 1, 2, 3
    ) x;
    return null;
  end if;

  -- UPDATE: +1 when an order becomes paid, -1 when it stops being paid (a refund).
  perform private.add_to_event_stats(array_agg(x.event_id), array_agg(x.shard), array_agg(x.organization_id),
    array_agg(x.tickets), array_agg(x.revenue_minor), array_agg(x.orders), array_agg(x.attributed_tickets),
    array_agg(x.attributed_revenue_minor))
  from (
    select n.event_id, private.event_stats_shard(n.id) as shard, n.organization_id,
           sum(c.sign * n.ticket_count)::bigint as tickets, sum(c.sign * n.total_minor)::bigint as revenue_minor,
           sum(c.sign)::bigint as orders,
           sum(case when c.attributed then c.sign * n.ticket_count else 0 end)::bigint as attributed_tickets,
           sum(case when c.attributed then c.sign * n.total_minor else 0 end)::bigint as attributed_revenue_minor
    from new_rows n
    join old_rows o on o.id = n.id
    cross join lateral (
      select case when n.status = 'paid' then 1 else -1 end as sign,
             exists (select 1 from public.attributions a where a.order_id = n.id) as attributed
    ) c
    where (o.status = 'paid') <> (n.status = 'paid')
    group by 1, 2, 3
  ) x;

  perform private.add_to_promoter_rollups(array_agg(d.organization_id), array_agg(d.promoter_id), array_agg(d.event_id),
    array_agg(d.day), array_agg(d.tickets), array_agg(d.revenue_minor), array_agg(d.orders), array_agg(0::bigint))
  from (
    select n.organization_id, a.promoter_id, n.event_id, (n.created_at at time zone 'utc')::date as day,
           sum(case when n.status = 'paid' then 1 else -1 end * n.ticket_count)::bigint as tickets,
           sum(case when n.status = 'paid' then 1 else -1 end * n.total_minor)::bigint as revenue_minor,
           sum(case when n.status = 'paid' then 1 else -1 end)::bigint as orders
    from new_rows n
    join old_rows o on o.id = n.id
    join public.attributions a on a.order_id = n.id
    where (o.status = 'paid') <> (n.status = 'paid')
    group by 1, 2, 3, 4
  ) d;
  return null;
end;
$$;
comment on function private.rollup_orders() is
  'Keeps event_stats, promoter_daily_stats and promoter_totals in step with order inserts and status changes (refunds), through the two rollup helpers.';


-- promoter_sales_timeseries: read only the days asked for --------------------------------------------
-- The daily rows were joined to the day series on (promoter, day), which the primary key
-- (promoter_id, event_id, day) cannot seek: every day of the promoter's whole history was
-- read, sorted and merged, so the cost grew with history. The range is now a condition of
-- the scan itself (checked on the index entries, so rows outside it are never fetched),
-- and the days are summed before the zero days are filled in.
create or replace function public.promoter_sales_timeseries(p_promoter_id uuid, p_from date, p_to date)
returns table (day date, tickets bigint, revenue_minor bigint, orders bigint, visits bigint)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_organization_id uuid;
begin
  select p.organization_id into v_organization_id from public.promoters p where p.id = p_promoter_id;
  if v_organization_id is null or not private.is_member(v_organization_id) then
    perform private.raise_not_authorized();
  end if;
  if p_from is null or p_to is null or p_to < p_from or p_to - p_from > 731 then
    raise exception 'invalid_date_range'
      using errcode = 'P0001', hint = 'Choose a start date before the end date, at most two years apart.';
  end if;
  return query
  select d.day::date, coalesce(x.tickets, 0)::bigint, coalesce(x.revenue_minor, 0)::bigint,
         coalesce(x.orders, 0)::bigint, coalesce(x.visits, 0)::bigint
  from generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') as d(day)
  left join (
    select s.day, sum(s.tickets) as tickets, sum(s.revenue_minor) as revenue_minor, sum(s.orders) as orders, sum(s.visits) as visits
    from private.promoter_daily_stats s
    where s.promoter_id = p_promoter_id and s.day between p_from and p_to
    group by s.day
  ) x on x.day = d.day::date
  order by d.day;
end;
$$;
comment on function public.promoter_sales_timeseries(uuid, date, date) is
  'One row per UTC day from p_from to p_to (inclusive, at most two years, zeros included) with the promoter''s paid attributed tickets, revenue, orders and visits. Errors: not_authorized, invalid_date_range.';
