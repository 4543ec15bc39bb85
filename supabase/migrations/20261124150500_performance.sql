-- Performance figures for the dashboard: daily rollups kept current by triggers, and
-- the functions that read them (promoter_performance, promoter_summary,
-- promoter_group_performance, promoter_sales_timeseries, event_performance).
--
-- The dashboard must stay fast as orders accumulate, so the functions never scan
-- orders: they sum private.promoter_daily_stats (one row per promoter, event and UTC
-- day) for a date range, read private.promoter_totals (one row per promoter) for all
-- time, and sum private.event_stats (8 shards per event). Only paid orders count; a refund
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
create index promoter_daily_stats_event_idx on private.promoter_daily_stats (event_id);

-- All-time figures are the default dashboard view; summing every daily row would grow
-- with history, so the same triggers also keep one running total per promoter.
create table private.promoter_totals (
  promoter_id uuid primary key references public.promoters (id) on delete cascade,
  organization_id uuid not null,
  tickets bigint not null default 0,
  revenue_minor bigint not null default 0,
  orders bigint not null default 0,
  visits bigint not null default 0
);
comment on table private.promoter_totals is
  'Per promoter: all-time paid attributed tickets, revenue and orders, and visits (the sum of its promoter_daily_stats rows). Maintained by triggers.';
create index promoter_totals_organization_idx on private.promoter_totals (organization_id);

-- Every paid order of an event adds to its event's figures; a single row per event would
-- make concurrent checkouts of one event queue on its row lock until commit. The figures
-- are therefore split over 8 shards per event (chosen by the order id) and summed on read.
create table private.event_stats (
  event_id uuid not null references public.events (id) on delete cascade,
  shard smallint not null check (shard between 0 and 7),
  organization_id uuid not null,
  tickets bigint not null default 0,
  revenue_minor bigint not null default 0,
  orders bigint not null default 0,
  attributed_tickets bigint not null default 0,
  attributed_revenue_minor bigint not null default 0,
  primary key (event_id, shard)
);
comment on table private.event_stats is
  'Per event, in 8 shards by order id: paid tickets, revenue and orders, attributed or not, and the attributed part. Sum the shards for an event''s figures. Maintained by triggers on orders and attributions.';
create index event_stats_organization_idx on private.event_stats (organization_id);

revoke all on private.promoter_daily_stats, private.promoter_totals, private.event_stats
  from public, anon, authenticated, service_role;

create function private.event_stats_shard(p_order_id uuid)
returns smallint
language sql
immutable
parallel safe
set search_path = ''
as $$
  select (get_byte(uuid_send(p_order_id), 15) & 7)::smallint
$$;
comment on function private.event_stats_shard(uuid) is
  'The event_stats shard (0–7) an order counts in: the low bits of its id, so one order always lands on the same shard.';
revoke all on function private.event_stats_shard(uuid) from public;

-- Triggers ---------------------------------------------------------------------------------
-- Statement-level with transition tables: a statement touching many rows (a promoter
-- deletion, a bulk import) updates each rollup row once. Each computes its change per
-- promoter, event and day once (the CTE "d") and applies it to the daily rows and the
-- promoter totals, always in that order, so concurrent transactions lock them alike.

create function private.rollup_visits()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    with d as (
      select v.organization_id, v.promoter_id, v.event_id, (v.visited_at at time zone 'utc')::date as day, count(*) as n
      from new_rows v
      group by 1, 2, 3, 4
    ), daily as (
      insert into private.promoter_daily_stats as s (organization_id, promoter_id, event_id, day, visits)
      select d.organization_id, d.promoter_id, d.event_id, d.day, d.n from d
      on conflict (promoter_id, event_id, day) do update set visits = s.visits + excluded.visits
    )
    insert into private.promoter_totals as t (promoter_id, organization_id, visits)
    select d.promoter_id, d.organization_id, sum(d.n) from d group by 1, 2
    on conflict (promoter_id) do update set visits = t.visits + excluded.visits;
  else
    with d as (
      select v.promoter_id, v.event_id, (v.visited_at at time zone 'utc')::date as day, count(*) as n
      from old_rows v group by 1, 2, 3
    ), daily as (
      update private.promoter_daily_stats s
      set visits = s.visits - d.n
      from d
      where s.promoter_id = d.promoter_id and s.event_id = d.event_id and s.day = d.day
    )
    update private.promoter_totals t
    set visits = t.visits - x.n
    from (select d.promoter_id, sum(d.n) as n from d group by 1) x
    where t.promoter_id = x.promoter_id;
  end if;
  return null;
end;
$$;
comment on function private.rollup_visits() is 'Counts inserted and deleted visits into promoter_daily_stats and promoter_totals.';
create trigger promoter_visits_rollup_insert after insert on public.promoter_visits
  referencing new table as new_rows for each statement execute function private.rollup_visits();
create trigger promoter_visits_rollup_delete after delete on public.promoter_visits
  referencing old table as old_rows for each statement execute function private.rollup_visits();

-- Rollup triggers; the self-referral part of each figure (attributions.self_referral) is kept
-- apart, so the read functions can leave it out (decision 023).
create function private.rollup_attributions()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Besides the promoter rollups, the attributed part of the event figures goes to the
  -- shard of each order: the row the order's own insert already locked in a checkout.
  if tg_op = 'INSERT' then
    insert into private.event_stats as s (event_id, shard, organization_id, attributed_tickets, attributed_revenue_minor,
                                          self_attributed_tickets, self_attributed_revenue_minor)
    select o.event_id, private.event_stats_shard(o.id), o.organization_id, sum(o.ticket_count), sum(o.total_minor),
           coalesce(sum(o.ticket_count) filter (where a.self_referral), 0), coalesce(sum(o.total_minor) filter (where a.self_referral), 0)
    from new_rows a
    join public.orders o on o.id = a.order_id and o.status = 'paid'
    group by 1, 2, 3
    on conflict (event_id, shard) do update
      set attributed_tickets = s.attributed_tickets + excluded.attributed_tickets,
          attributed_revenue_minor = s.attributed_revenue_minor + excluded.attributed_revenue_minor,
          self_attributed_tickets = s.self_attributed_tickets + excluded.self_attributed_tickets,
          self_attributed_revenue_minor = s.self_attributed_revenue_minor + excluded.self_attributed_revenue_minor;

    with d as (
      select a.organization_id, a.promoter_id, a.event_id, (o.created_at at time zone 'utc')::date as day,
             sum(o.ticket_count) as tickets, sum(o.total_minor) as revenue_minor, count(*) as orders,
             coalesce(sum(o.ticket_count) filter (where a.self_referral), 0) as self_tickets,
             coalesce(sum(o.total_minor) filter (where a.self_referral), 0) as self_revenue_minor,
             count(*) filter (where a.self_referral) as self_orders
      from new_rows a
      join public.orders o on o.id = a.order_id and o.status = 'paid'
      group by 1, 2, 3, 4
    ), daily as (
      insert into private.promoter_daily_stats as s (organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders,
                                                     self_tickets, self_revenue_minor, self_orders)
      select d.organization_id, d.promoter_id, d.event_id, d.day, d.tickets, d.revenue_minor, d.orders,
             d.self_tickets, d.self_revenue_minor, d.self_orders
      from d
      on conflict (promoter_id, event_id, day) do update
        set tickets = s.tickets + excluded.tickets,
            revenue_minor = s.revenue_minor + excluded.revenue_minor,
            orders = s.orders + excluded.orders,
            self_tickets = s.self_tickets + excluded.self_tickets,
            self_revenue_minor = s.self_revenue_minor + excluded.self_revenue_minor,
            self_orders = s.self_orders + excluded.self_orders
    )
    insert into private.promoter_totals as t (promoter_id, organization_id, tickets, revenue_minor, orders,
                                              self_tickets, self_revenue_minor, self_orders)
    select d.promoter_id, d.organization_id, sum(d.tickets), sum(d.revenue_minor), sum(d.orders),
           sum(d.self_tickets), sum(d.self_revenue_minor), sum(d.self_orders)
    from d group by 1, 2
    on conflict (promoter_id) do update
      set tickets = t.tickets + excluded.tickets,
          revenue_minor = t.revenue_minor + excluded.revenue_minor,
          orders = t.orders + excluded.orders,
          self_tickets = t.self_tickets + excluded.self_tickets,
          self_revenue_minor = t.self_revenue_minor + excluded.self_revenue_minor,
          self_orders = t.self_orders + excluded.self_orders;
  else
    update private.event_stats s
    set attributed_tickets = s.attributed_tickets - x.tickets,
        attributed_revenue_minor = s.attributed_revenue_minor - x.revenue_minor,
        self_attributed_tickets = s.self_attributed_tickets - x.self_tickets,
        self_attributed_revenue_minor = s.self_attributed_revenue_minor - x.self_revenue_minor
    from (
      select o.event_id, private.event_stats_shard(o.id) as shard, sum(o.ticket_count) as tickets, sum(o.total_minor) as revenue_minor,
             coalesce(sum(o.ticket_count) filter (where a.self_referral), 0) as self_tickets,
             coalesce(sum(o.total_minor) filter (where a.self_referral), 0) as self_revenue_minor
      from old_rows a
      join public.orders o on o.id = a.order_id and o.status = 'paid'
      group by 1, 2
    ) x
    where s.event_id = x.event_id and s.shard = x.shard;

    with d as (
      select a.promoter_id, a.event_id, (o.created_at at time zone 'utc')::date as day,
             sum(o.ticket_count) as tickets, sum(o.total_minor) as revenue_minor, count(*) as orders,
             coalesce(sum(o.ticket_count) filter (where a.self_referral), 0) as self_tickets,
             coalesce(sum(o.total_minor) filter (where a.self_referral), 0) as self_revenue_minor,
             count(*) filter (where a.self_referral) as self_orders
      from old_rows a
      join public.orders o on o.id = a.order_id and o.status = 'paid'
      group by 1, 2, 3
    ), daily as (
      update private.promoter_daily_stats s
      set tickets = s.tickets - d.tickets, revenue_minor = s.revenue_minor - d.revenue_minor, orders = s.orders - d.orders,
          self_tickets = s.self_tickets - d.self_tickets, self_revenue_minor = s.self_revenue_minor - d.self_revenue_minor,
          self_orders = s.self_orders - d.self_orders
      from d
      where s.promoter_id = d.promoter_id and s.event_id = d.event_id and s.day = d.day
    )
    update private.promoter_totals t
    set tickets = t.tickets - x.tickets, revenue_minor = t.revenue_minor - x.revenue_minor, orders = t.orders - x.orders,
        self_tickets = t.self_tickets - x.self_tickets, self_revenue_minor = t.self_revenue_minor - x.self_revenue_minor,
        self_orders = t.self_orders - x.self_orders
    from (select d.promoter_id, sum(d.tickets) as tickets, sum(d.revenue_minor) as revenue_minor, sum(d.orders) as orders,
                 sum(d.self_tickets) as self_tickets, sum(d.self_revenue_minor) as self_revenue_minor, sum(d.self_orders) as self_orders
          from d group by 1) x
    where t.promoter_id = x.promoter_id;
  end if;

  return null;
end;
$$;
comment on function private.rollup_attributions() is
  'Adds or removes the paid orders of inserted or deleted attributions in promoter_daily_stats, promoter_totals and the attributed part of event_stats, keeping the self-referral part apart.';
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
    -- New orders have no attributions yet (those come after the order row).
    insert into private.event_stats as s (event_id, shard, organization_id, tickets, revenue_minor, orders)
    select o.event_id, private.event_stats_shard(o.id), o.organization_id, sum(o.ticket_count), sum(o.total_minor), count(*)
    from new_rows o
    where o.status = 'paid'
    group by 1, 2, 3
    on conflict (event_id, shard) do update
      set tickets = s.tickets + excluded.tickets,
          revenue_minor = s.revenue_minor + excluded.revenue_minor,
          orders = s.orders + excluded.orders;
    return null;
  end if;

  -- UPDATE: +1 when an order becomes paid, -1 when it stops being paid (a refund).
  insert into private.event_stats as s (event_id, shard, organization_id, tickets, revenue_minor, orders,
                                        attributed_tickets, attributed_revenue_minor,
                                        self_attributed_tickets, self_attributed_revenue_minor)
  select n.event_id, private.event_stats_shard(n.id), n.organization_id,
         sum(c.sign * n.ticket_count), sum(c.sign * n.total_minor), sum(c.sign),
         sum(case when c.attributed then c.sign * n.ticket_count else 0 end),
         sum(case when c.attributed then c.sign * n.total_minor else 0 end),
         sum(case when c.self_referral then c.sign * n.ticket_count else 0 end),
         sum(case when c.self_referral then c.sign * n.total_minor else 0 end)
  from new_rows n
  join old_rows o on o.id = n.id
  cross join lateral (
    select case when n.status = 'paid' then 1 else -1 end as sign,
           a.order_id is not null as attributed,
           coalesce(a.self_referral, false) as self_referral
    from (select 1) one
    left join public.attributions a on a.order_id = n.id
  ) c
  where (o.status = 'paid') <> (n.status = 'paid')
  group by 1, 2, 3
  on conflict (event_id, shard) do update
    set tickets = s.tickets + excluded.tickets,
        revenue_minor = s.revenue_minor + excluded.revenue_minor,
        orders = s.orders + excluded.orders,
        attributed_tickets = s.attributed_tickets + excluded.attributed_tickets,
        attributed_revenue_minor = s.attributed_revenue_minor + excluded.attributed_revenue_minor,
        self_attributed_tickets = s.self_attributed_tickets + excluded.self_attributed_tickets,
        self_attributed_revenue_minor = s.self_attributed_revenue_minor + excluded.self_attributed_revenue_minor;

  with d as (
    select n.organization_id, a.promoter_id, n.event_id, (n.created_at at time zone 'utc')::date as day,
           sum(case when n.status = 'paid' then 1 else -1 end * n.ticket_count) as tickets,
           sum(case when n.status = 'paid' then 1 else -1 end * n.total_minor) as revenue_minor,
           sum(case when n.status = 'paid' then 1 else -1 end) as orders,
           sum(case when not a.self_referral then 0 when n.status = 'paid' then n.ticket_count else -n.ticket_count end) as self_tickets,
           sum(case when not a.self_referral then 0 when n.status = 'paid' then n.total_minor else -n.total_minor end) as self_revenue_minor,
           sum(case when not a.self_referral then 0 when n.status = 'paid' then 1 else -1 end) as self_orders
    from new_rows n
    join old_rows o on o.id = n.id
    join public.attributions a on a.order_id = n.id
    where (o.status = 'paid') <> (n.status = 'paid')
    group by 1, 2, 3, 4
  ), daily as (
    insert into private.promoter_daily_stats as s (organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders,
                                                   self_tickets, self_revenue_minor, self_orders)
    select d.organization_id, d.promoter_id, d.event_id, d.day, d.tickets, d.revenue_minor, d.orders,
           d.self_tickets, d.self_revenue_minor, d.self_orders
    from d
    on conflict (promoter_id, event_id, day) do update
      set tickets = s.tickets + excluded.tickets,
          revenue_minor = s.revenue_minor + excluded.revenue_minor,
          orders = s.orders + excluded.orders,
          self_tickets = s.self_tickets + excluded.self_tickets,
          self_revenue_minor = s.self_revenue_minor + excluded.self_revenue_minor,
          self_orders = s.self_orders + excluded.self_orders
  )
  insert into private.promoter_totals as t (promoter_id, organization_id, tickets, revenue_minor, orders,
                                            self_tickets, self_revenue_minor, self_orders)
  select d.promoter_id, d.organization_id, sum(d.tickets), sum(d.revenue_minor), sum(d.orders),
         sum(d.self_tickets), sum(d.self_revenue_minor), sum(d.self_orders)
  from d group by 1, 2
  on conflict (promoter_id) do update
    set tickets = t.tickets + excluded.tickets,
        revenue_minor = t.revenue_minor + excluded.revenue_minor,
        orders = t.orders + excluded.orders,
        self_tickets = t.self_tickets + excluded.self_tickets,
        self_revenue_minor = t.self_revenue_minor + excluded.self_revenue_minor,
        self_orders = t.self_orders + excluded.self_orders;
  return null;
end;
$$;
comment on function private.rollup_orders() is
  'Keeps event_stats, promoter_daily_stats and promoter_totals (with their self-referral parts) in step with order inserts and status changes (refunds).';
create trigger orders_rollup_insert after insert on public.orders
  referencing new table as new_rows for each statement execute function private.rollup_orders();
create trigger orders_rollup_update after update on public.orders
  referencing old table as old_rows new table as new_rows for each statement execute function private.rollup_orders();

revoke all on function private.rollup_visits(), private.rollup_attributions(), private.rollup_orders() from public;

-- Reading functions ---------------------------------------------------------------------------------
-- security definer: they read the private rollups, after checking that the caller is a
-- member of the organization. plan_cache_mode = force_custom_plan: the statements
-- inside are planned for the actual arguments on every call; a generic plan (which
-- Postgres otherwise settles on after five calls in a session) cannot drop the unused
-- all-time or date-range branch, nor estimate one organization's rows.

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

-- Each reads the organization's count_self_referrals once and subtracts the self-referral
-- part of the rollups when it does not count them (v_drop is 1 then, else 0).
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
  conversion_rate double precision,
  self_referral_orders bigint
)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_from date := (p_from at time zone 'utc')::date;
  v_to date := (p_to at time zone 'utc')::date;
  v_all_time boolean := p_from is null and p_to is null;
  v_pattern text := private.like_pattern(p_search);
  v_drop integer;
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
  select case when o.count_self_referrals then 0 else 1 end into v_drop from public.organizations o where o.id = p_organization_id;
  return query
  with stats as (
    -- Exactly one branch runs (the other is cut by its constant condition): all time
    -- reads the running totals, a date range sums the daily rows.
    select t.promoter_id, t.tickets - v_drop * t.self_tickets as tickets, t.revenue_minor - v_drop * t.self_revenue_minor as revenue_minor,
           t.orders - v_drop * t.self_orders as orders, t.visits, t.self_orders
    from private.promoter_totals t
    where v_all_time and t.organization_id = p_organization_id
    union all
    select s.promoter_id, sum(s.tickets - v_drop * s.self_tickets)::bigint, sum(s.revenue_minor - v_drop * s.self_revenue_minor)::bigint,
           sum(s.orders - v_drop * s.self_orders)::bigint, sum(s.visits)::bigint, sum(s.self_orders)::bigint
    from private.promoter_daily_stats s
    where not v_all_time
      and s.organization_id = p_organization_id
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
         case when coalesce(st.visits, 0) > 0 then least(1.0, st.orders::double precision / st.visits) end,
         coalesce(st.self_orders, 0)
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
  'Per promoter of the organization: paid attributed tickets, revenue and orders (without self-referrals when the organization does not count them), visits, active links, conversion (orders / visits) and self_referral_orders (the paid self-referral orders among them, counted or not). Optional filters: UTC days from p_from to p_to, a group, a search on name or promo code. Members only (not_authorized). Nullable: email, phone, conversion_rate.';
revoke all on function public.promoter_performance(uuid, timestamptz, timestamptz, uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.promoter_performance(uuid, timestamptz, timestamptz, uuid, text) to authenticated;

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
set plan_cache_mode = force_custom_plan
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
revoke all on function public.promoter_summary(uuid, timestamptz, timestamptz, uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.promoter_summary(uuid, timestamptz, timestamptz, uuid, text) to authenticated;

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
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_from date := (p_from at time zone 'utc')::date;
  v_to date := (p_to at time zone 'utc')::date;
  v_all_time boolean := p_from is null and p_to is null;
  v_drop integer;
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
  select case when o.count_self_referrals then 0 else 1 end into v_drop from public.organizations o where o.id = p_organization_id;
  return query
  with stats as (
    -- As in promoter_performance(): running totals for all time, daily rows for a range.
    select t.promoter_id, (t.tickets - v_drop * t.self_tickets)::numeric as tickets,
           (t.revenue_minor - v_drop * t.self_revenue_minor)::numeric as revenue_minor,
           (t.orders - v_drop * t.self_orders)::numeric as orders, t.visits::numeric as visits
    from private.promoter_totals t
    where v_all_time and t.organization_id = p_organization_id
    union all
    select s.promoter_id, sum(s.tickets - v_drop * s.self_tickets), sum(s.revenue_minor - v_drop * s.self_revenue_minor),
           sum(s.orders - v_drop * s.self_orders), sum(s.visits)
    from private.promoter_daily_stats s
    where not v_all_time
      and s.organization_id = p_organization_id
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
  'Per promoter group: number of promoters and their combined tickets, revenue, orders (without self-referrals when the organization does not count them), visits and conversion over UTC days from p_from to p_to. Members only (not_authorized). Nullable: color, conversion_rate.';
revoke all on function public.promoter_group_performance(uuid, timestamptz, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.promoter_group_performance(uuid, timestamptz, timestamptz) to authenticated;

-- promoter_sales_timeseries: read only the days asked for. The primary key
-- (promoter_id, event_id, day) cannot seek a join on (promoter, day), which would read,
-- sort and merge every day of the promoter's history; the range is a condition of the
-- scan itself (checked on the index entries, so rows outside it are never fetched), and
-- the days are summed before the zero days are filled in.
create function public.promoter_sales_timeseries(p_promoter_id uuid, p_from date, p_to date)
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
  v_drop integer;
begin
  select p.organization_id, case when o.count_self_referrals then 0 else 1 end into v_organization_id, v_drop
  from public.promoters p join public.organizations o on o.id = p.organization_id
  where p.id = p_promoter_id;
  if v_organization_id is null or not private.is_member(v_organization_id) then
    perform private.raise_not_authorized();
  end if;
  if p_from is null or p_to is null or p_to < p_from or p_to - p_from > 731 then
    raise exception 'invalid_date_range'
      using errcode = 'P0001', hint = 'Choose a start date before the end date, at most two years apart.';
  end if;
  -- The range is a condition of the scan itself (decision 002 and 20261202130000).
  return query
  select d.day::date, coalesce(x.tickets, 0)::bigint, coalesce(x.revenue_minor, 0)::bigint,
         coalesce(x.orders, 0)::bigint, coalesce(x.visits, 0)::bigint
  from generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') as d(day)
  left join (
    select s.day, sum(s.tickets - v_drop * s.self_tickets) as tickets, sum(s.revenue_minor - v_drop * s.self_revenue_minor) as revenue_minor,
           sum(s.orders - v_drop * s.self_orders) as orders, sum(s.visits) as visits
    from private.promoter_daily_stats s
    where s.promoter_id = p_promoter_id and s.day between p_from and p_to
    group by s.day
  ) x on x.day = d.day::date
  order by d.day;
end;
$$;
comment on function public.promoter_sales_timeseries(uuid, date, date) is
  'One row per UTC day from p_from to p_to (inclusive, at most two years, zeros included) with the promoter''s paid attributed tickets, revenue, orders (without self-referrals when the organization does not count them) and visits. Errors: not_authorized, invalid_date_range.';
revoke all on function public.promoter_sales_timeseries(uuid, date, date) from public, anon, authenticated, service_role;
grant execute on function public.promoter_sales_timeseries(uuid, date, date) to authenticated;

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
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_drop integer;
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
  select case when o.count_self_referrals then 0 else 1 end into v_drop from public.organizations o where o.id = p_organization_id;
  return query
  with es as (
    select s.event_id, sum(s.tickets) as tickets, sum(s.revenue_minor) as revenue_minor, sum(s.orders) as orders,
           sum(s.attributed_tickets - v_drop * s.self_attributed_tickets) as attributed_tickets,
           sum(s.attributed_revenue_minor - v_drop * s.self_attributed_revenue_minor) as attributed_revenue_minor
    from private.event_stats s
    where s.organization_id = p_organization_id
    group by s.event_id
  )
  select e.id, coalesce(es.tickets, 0)::bigint, coalesce(es.revenue_minor, 0)::bigint, coalesce(es.orders, 0)::bigint,
         coalesce(es.attributed_tickets, 0)::bigint, coalesce(es.attributed_revenue_minor, 0)::bigint
  from public.events e
  left join es on es.event_id = e.id
  where e.organization_id = p_organization_id
  order by e.starts_at, e.id;
end;
$$;
comment on function public.event_performance(uuid) is
  'Per event of the organization: paid tickets, revenue and orders (every sale), and the part credited to promoters (without self-referrals when the organization does not count them). Members only (not_authorized).';
revoke all on function public.event_performance(uuid) from public, anon, authenticated, service_role;
grant execute on function public.event_performance(uuid) to authenticated;
