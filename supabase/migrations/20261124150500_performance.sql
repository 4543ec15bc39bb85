-- Performance figures for the dashboard: daily rollups kept current by triggers, and
-- the functions that read them (promoter_performance, promoter_summary,
-- promoter_group_performance, promoter_sales_timeseries, event_performance).
--
-- The dashboard must stay fast as orders accumulate, so the functions never scan
-- orders: they sum private.promoter_daily_stats (one row per promoter, event and UTC
-- day) and private.event_stats (one row per event). Only paid orders count; a refund
-- subtracts the order again. Date filters therefore work at day granularity in UTC:
-- p_from/p_to select whole UTC days (the day containing p_from through the day
-- containing p_to, inclusive).

create table private.promoter_daily_stats (
  organization_id uuid not null,
  promoter_id uuid not null references public.promoters (id) on delete cascade,
  event_id uuid not null references public.events (id) on delete cascade,
  day date not null,
  tickets bigint not null default 0,
  revenue_minor bigint not null default 0,
  orders bigint not null default 0,
  visits bigint not null default 0,
  primary key (promoter_id, event_id, day)
);
comment on table private.promoter_daily_stats is
  'Per promoter, event and UTC day: paid attributed tickets, revenue and orders (by order date) and visits (by visit date). Maintained by triggers.';
create index promoter_daily_stats_organization_day_idx on private.promoter_daily_stats (organization_id, day);
create index promoter_daily_stats_event_idx on private.promoter_daily_stats (event_id);

create table private.event_stats (
  event_id uuid primary key references public.events (id) on delete cascade,
  organization_id uuid not null,
  tickets bigint not null default 0,
  revenue_minor bigint not null default 0,
  orders bigint not null default 0
);
comment on table private.event_stats is 'Per event: paid tickets, revenue and orders, attributed or not. Maintained by triggers on orders.';
create index event_stats_organization_idx on private.event_stats (organization_id);

revoke all on private.promoter_daily_stats, private.event_stats from public, anon, authenticated, service_role;

-- Triggers ---------------------------------------------------------------------------------
-- Statement-level with transition tables: a statement touching many rows (a promoter
-- deletion, a bulk import) updates each rollup row once.

create function private.rollup_visits()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into private.promoter_daily_stats as s (organization_id, promoter_id, event_id, day, visits)
    select v.organization_id, v.promoter_id, v.event_id, (v.visited_at at time zone 'utc')::date, count(*)
    from new_rows v
    group by 1, 2, 3, 4
    on conflict (promoter_id, event_id, day) do update set visits = s.visits + excluded.visits;
  else
    update private.promoter_daily_stats s
    set visits = s.visits - d.n
    from (
      select v.promoter_id, v.event_id, (v.visited_at at time zone 'utc')::date as day, count(*) as n
      from old_rows v group by 1, 2, 3
    ) d
    where s.promoter_id = d.promoter_id and s.event_id = d.event_id and s.day = d.day;
  end if;
  return null;
end;
$$;
comment on function private.rollup_visits() is 'Counts inserted and deleted visits into promoter_daily_stats.';
create trigger promoter_visits_rollup_insert after insert on public.promoter_visits
  referencing new table as new_rows for each statement execute function private.rollup_visits();
create trigger promoter_visits_rollup_delete after delete on public.promoter_visits
  referencing old table as old_rows for each statement execute function private.rollup_visits();

create function private.rollup_attributions()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into private.promoter_daily_stats as s (organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders)
    select a.organization_id, a.promoter_id, a.event_id, (o.created_at at time zone 'utc')::date,
           sum(o.ticket_count), sum(o.total_minor), count(*)
    from new_rows a
    join public.orders o on o.id = a.order_id and o.status = 'paid'
    group by 1, 2, 3, 4
    on conflict (promoter_id, event_id, day) do update
      set tickets = s.tickets + excluded.tickets,
          revenue_minor = s.revenue_minor + excluded.revenue_minor,
          orders = s.orders + excluded.orders;
  else
    update private.promoter_daily_stats s
    set tickets = s.tickets - d.tickets, revenue_minor = s.revenue_minor - d.revenue_minor, orders = s.orders - d.orders
    from (
      select a.promoter_id, a.event_id, (o.created_at at time zone 'utc')::date as day,
             sum(o.ticket_count) as tickets, sum(o.total_minor) as revenue_minor, count(*) as orders
      from old_rows a
      join public.orders o on o.id = a.order_id and o.status = 'paid'
      group by 1, 2, 3
    ) d
    where s.promoter_id = d.promoter_id and s.event_id = d.event_id and s.day = d.day;
  end if;
  return null;
end;
$$;
comment on function private.rollup_attributions() is 'Adds or removes the paid orders of inserted or deleted attributions in promoter_daily_stats.';
create trigger attributions_rollup_insert after insert on public.attributions
  referencing new table as new_rows for each statement execute function private.rollup_attributions();
create trigger attributions_rollup_delete after delete on public.attributions
  referencing old table as old_rows for each statement execute function private.rollup_attributions();

create function private.rollup_orders()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into private.event_stats as s (event_id, organization_id, tickets, revenue_minor, orders)
    select o.event_id, o.organization_id, sum(o.ticket_count), sum(o.total_minor), count(*)
    from new_rows o
    where o.status = 'paid'
    group by 1, 2
    on conflict (event_id) do update
      set tickets = s.tickets + excluded.tickets,
          revenue_minor = s.revenue_minor + excluded.revenue_minor,
          orders = s.orders + excluded.orders;
    return null;
  end if;

  -- UPDATE: +1 when an order becomes paid, -1 when it stops being paid (a refund).
  insert into private.event_stats as s (event_id, organization_id, tickets, revenue_minor, orders)
  select n.event_id, n.organization_id,
         sum(case when n.status = 'paid' then 1 else -1 end * n.ticket_count),
         sum(case when n.status = 'paid' then 1 else -1 end * n.total_minor),
         sum(case when n.status = 'paid' then 1 else -1 end)
  from new_rows n
  join old_rows o on o.id = n.id
  where (o.status = 'paid') <> (n.status = 'paid')
  group by 1, 2
  on conflict (event_id) do update
    set tickets = s.tickets + excluded.tickets,
        revenue_minor = s.revenue_minor + excluded.revenue_minor,
        orders = s.orders + excluded.orders;

  insert into private.promoter_daily_stats as s (organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders)
  select n.organization_id, a.promoter_id, n.event_id, (n.created_at at time zone 'utc')::date,
         sum(case when n.status = 'paid' then 1 else -1 end * n.ticket_count),
         sum(case when n.status = 'paid' then 1 else -1 end * n.total_minor),
         sum(case when n.status = 'paid' then 1 else -1 end)
  from new_rows n
  join old_rows o on o.id = n.id
  join public.attributions a on a.order_id = n.id
  where (o.status = 'paid') <> (n.status = 'paid')
  group by 1, 2, 3, 4
  on conflict (promoter_id, event_id, day) do update
    set tickets = s.tickets + excluded.tickets,
        revenue_minor = s.revenue_minor + excluded.revenue_minor,
        orders = s.orders + excluded.orders;
  return null;
end;
$$;
comment on function private.rollup_orders() is 'Keeps event_stats and promoter_daily_stats in step with order inserts and status changes (refunds).';
create trigger orders_rollup_insert after insert on public.orders
  referencing new table as new_rows for each statement execute function private.rollup_orders();
create trigger orders_rollup_update after update on public.orders
  referencing old table as old_rows new table as new_rows for each statement execute function private.rollup_orders();

revoke all on function private.rollup_visits(), private.rollup_attributions(), private.rollup_orders() from public;

-- Existing data (none on a fresh database) -------------------------------------------------------
insert into private.promoter_daily_stats (organization_id, promoter_id, event_id, day, visits)
select v.organization_id, v.promoter_id, v.event_id, (v.visited_at at time zone 'utc')::date, count(*)
from public.promoter_visits v group by 1, 2, 3, 4;
insert into private.promoter_daily_stats as s (organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders)
select a.organization_id, a.promoter_id, a.event_id, (o.created_at at time zone 'utc')::date,
       sum(o.ticket_count), sum(o.total_minor), count(*)
from public.attributions a join public.orders o on o.id = a.order_id and o.status = 'paid'
group by 1, 2, 3, 4
on conflict (promoter_id, event_id, day) do update
  set tickets = excluded.tickets, revenue_minor = excluded.revenue_minor, orders = excluded.orders;
insert into private.event_stats (event_id, organization_id, tickets, revenue_minor, orders)
select o.event_id, o.organization_id, sum(o.ticket_count), sum(o.total_minor), count(*)
from public.orders o where o.status = 'paid' group by 1, 2;

-- Reading functions ---------------------------------------------------------------------------------
-- security definer: they read the private rollups, after checking that the caller is a
-- member of the organization.

create function private.like_pattern(p_search text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when p_search is null or btrim(p_search) = '' then null
    else '%' || replace(replace(replace(left(btrim(p_search), 200), '\', '\\'), '%', '\%'), '_', '\_') || '%'
  end
$$;
comment on function private.like_pattern(text) is 'A case-insensitive contains pattern for ILIKE with wildcards escaped; null for an empty search.';
revoke all on function private.like_pattern(text) from public;

create function public.promoter_performance(
  p_organization_id uuid,
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_group_id uuid default null,
  p_search text default null
)
returns table (
  promoter_id uuid,
  name text,
  promo_code text,
  email text,
  phone text,
  created_at timestamptz,
  group_ids uuid[],
  tickets bigint,
  revenue_minor bigint,
  orders bigint,
  visits bigint,
  active_events bigint,
  conversion_rate double precision
)
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_from date := (p_from at time zone 'utc')::date;
  v_to date := (p_to at time zone 'utc')::date;
  v_pattern text := private.like_pattern(p_search);
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
  return query
  with stats as (
    select s.promoter_id, sum(s.tickets)::bigint as tickets, sum(s.revenue_minor)::bigint as revenue_minor,
           sum(s.orders)::bigint as orders, sum(s.visits)::bigint as visits
    from private.promoter_daily_stats s
    where s.organization_id = p_organization_id
      and (v_from is null or s.day >= v_from)
      and (v_to is null or s.day <= v_to)
    group by s.promoter_id
  ), memberships as (
    select gm.promoter_id, array_agg(gm.group_id order by gm.group_id) as group_ids
    from public.promoter_group_members gm
    where gm.organization_id = p_organization_id
    group by gm.promoter_id
  ), links as (
    select ep.promoter_id, count(*)::bigint as active_events
    from public.event_promoters ep
    where ep.organization_id = p_organization_id and ep.active
    group by ep.promoter_id
  )
  select p.id, p.name, p.promo_code, p.email, p.phone, p.created_at,
         coalesce(m.group_ids, '{}'::uuid[]),
         coalesce(st.tickets, 0), coalesce(st.revenue_minor, 0), coalesce(st.orders, 0), coalesce(st.visits, 0),
         coalesce(l.active_events, 0),
         case when coalesce(st.visits, 0) > 0 then least(1.0, st.orders::double precision / st.visits) end
  from public.promoters p
  left join stats st on st.promoter_id = p.id
  left join memberships m on m.promoter_id = p.id
  left join links l on l.promoter_id = p.id
  where p.organization_id = p_organization_id
    and (p_group_id is null or p_group_id = any (m.group_ids))
    and (v_pattern is null or p.name ilike v_pattern or p.promo_code ilike v_pattern)
  order by coalesce(st.revenue_minor, 0) desc, p.name, p.id;
end;
$$;
comment on function public.promoter_performance(uuid, timestamptz, timestamptz, uuid, text) is
  'Per promoter of the organization: paid attributed tickets, revenue and orders, visits, active links and conversion (orders / visits). Optional filters: UTC days from p_from to p_to, a group, a search on name or promo code. Members only (not_authorized). Nullable: email, phone, conversion_rate.';

create function public.promoter_summary(
  p_organization_id uuid,
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_group_id uuid default null,
  p_search text default null
)
returns table (
  promoters bigint,
  tickets bigint,
  revenue_minor bigint,
  orders bigint,
  visits bigint,
  conversion_rate double precision,
  currency text
)
language sql
stable
security invoker
set search_path = ''
as $$
  select count(*)::bigint,
         coalesce(sum(pp.tickets), 0)::bigint,
         coalesce(sum(pp.revenue_minor), 0)::bigint,
         coalesce(sum(pp.orders), 0)::bigint,
         coalesce(sum(pp.visits), 0)::bigint,
         case when coalesce(sum(pp.visits), 0) > 0 then least(1.0, sum(pp.orders)::double precision / sum(pp.visits)) end,
         (select o.currency::text from public.organizations o where o.id = p_organization_id)
  from public.promoter_performance(p_organization_id, p_from, p_to, p_group_id, p_search) pp
$$;
comment on function public.promoter_summary(uuid, timestamptz, timestamptz, uuid, text) is
  'One row of totals over the promoters promoter_performance() returns for the same filters, with the organization currency. Members only (not_authorized). Nullable: conversion_rate.';

create function public.promoter_group_performance(
  p_organization_id uuid,
  p_from timestamptz default null,
  p_to timestamptz default null
)
returns table (
  group_id uuid,
  name text,
  color text,
  promoters bigint,
  tickets bigint,
  revenue_minor bigint,
  orders bigint,
  visits bigint,
  conversion_rate double precision
)
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_from date := (p_from at time zone 'utc')::date;
  v_to date := (p_to at time zone 'utc')::date;
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
  return query
  with stats as (
    select s.promoter_id, sum(s.tickets) as tickets, sum(s.revenue_minor) as revenue_minor,
           sum(s.orders) as orders, sum(s.visits) as visits
    from private.promoter_daily_stats s
    where s.organization_id = p_organization_id
      and (v_from is null or s.day >= v_from)
      and (v_to is null or s.day <= v_to)
    group by s.promoter_id
  )
  select g.id, g.name, g.color, count(gm.promoter_id)::bigint,
         coalesce(sum(st.tickets), 0)::bigint, coalesce(sum(st.revenue_minor), 0)::bigint,
         coalesce(sum(st.orders), 0)::bigint, coalesce(sum(st.visits), 0)::bigint,
         case when coalesce(sum(st.visits), 0) > 0 then least(1.0, sum(st.orders)::double precision / sum(st.visits)) end
  from public.promoter_groups g
  left join public.promoter_group_members gm on gm.group_id = g.id
  left join stats st on st.promoter_id = gm.promoter_id
  where g.organization_id = p_organization_id
  group by g.id, g.name, g.color
  order by g.name, g.id;
end;
$$;
comment on function public.promoter_group_performance(uuid, timestamptz, timestamptz) is
  'Per promoter group: number of promoters and their combined tickets, revenue, orders, visits and conversion over UTC days from p_from to p_to. Members only (not_authorized). Nullable: color, conversion_rate.';

create function public.promoter_sales_timeseries(p_promoter_id uuid, p_from date, p_to date)
returns table (day date, tickets bigint, revenue_minor bigint, orders bigint, visits bigint)
language plpgsql
stable
security definer
set search_path = ''
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
  select d.day::date, coalesce(sum(s.tickets), 0)::bigint, coalesce(sum(s.revenue_minor), 0)::bigint,
         coalesce(sum(s.orders), 0)::bigint, coalesce(sum(s.visits), 0)::bigint
  from generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') as d(day)
  left join private.promoter_daily_stats s on s.promoter_id = p_promoter_id and s.day = d.day::date
  group by d.day
  order by d.day;
end;
$$;
comment on function public.promoter_sales_timeseries(uuid, date, date) is
  'One row per UTC day from p_from to p_to (inclusive, at most two years, zeros included) with the promoter''s paid attributed tickets, revenue, orders and visits. Errors: not_authorized, invalid_date_range.';

create function public.event_performance(p_organization_id uuid)
returns table (
  event_id uuid,
  tickets bigint,
  revenue_minor bigint,
  orders bigint,
  attributed_tickets bigint,
  attributed_revenue_minor bigint
)
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
  return query
  with attributed as (
    select s.event_id, sum(s.tickets)::bigint as tickets, sum(s.revenue_minor)::bigint as revenue_minor
    from private.promoter_daily_stats s
    where s.organization_id = p_organization_id
    group by s.event_id
  )
  select e.id, coalesce(es.tickets, 0)::bigint, coalesce(es.revenue_minor, 0)::bigint, coalesce(es.orders, 0)::bigint,
         coalesce(a.tickets, 0)::bigint, coalesce(a.revenue_minor, 0)::bigint
  from public.events e
  left join private.event_stats es on es.event_id = e.id
  left join attributed a on a.event_id = e.id
  where e.organization_id = p_organization_id
  order by e.starts_at, e.id;
end;
$$;
comment on function public.event_performance(uuid) is
  'Per event of the organization: paid tickets, revenue and orders, and the part attributed to promoters. Members only (not_authorized).';

revoke all on function public.promoter_performance(uuid, timestamptz, timestamptz, uuid, text) from public, anon;
revoke all on function public.promoter_summary(uuid, timestamptz, timestamptz, uuid, text) from public, anon;
revoke all on function public.promoter_group_performance(uuid, timestamptz, timestamptz) from public, anon;
revoke all on function public.promoter_sales_timeseries(uuid, date, date) from public, anon;
revoke all on function public.event_performance(uuid) from public, anon;
grant execute on function public.promoter_performance(uuid, timestamptz, timestamptz, uuid, text) to authenticated;
grant execute on function public.promoter_summary(uuid, timestamptz, timestamptz, uuid, text) to authenticated;
grant execute on function public.promoter_group_performance(uuid, timestamptz, timestamptz) to authenticated;
grant execute on function public.promoter_sales_timeseries(uuid, date, date) to authenticated;
grant execute on function public.event_performance(uuid) to authenticated;
