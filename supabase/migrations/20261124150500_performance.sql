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
language sql immutable parallel safe set search_path = ''
as $$
  select (get_byte(uuid_send(p_order_id), 15) & 7)::smallint
$$;
comment on function private.event_stats_shard(uuid) is
  'The event_stats shard (0–7) an order counts in: the low bits of its id, so one order always lands on the same shard.';
revoke all on function private.event_stats_shard(uuid) from public;

-- Rollups: one writer; the triggers only say what changed ------------------------------------
-- private.rollup_delta describes what one set of orders or visits adds to the rollups
-- (negative: removes): the event's sales in one event_stats shard, the part credited to
-- a promoter (its daily row and total, and the attributed part of the shard) with its
-- self-referral flag (decision 023), and visits. private.apply_rollup_deltas() is the one
-- function that writes the rollups: it sums the deltas per rollup row, skips zero sums,
-- adds with insert … on conflict do update and subtracts with plain updates (a
-- subtraction never creates a row: the rows it changes exist, or were deleted with their
-- event or promoter in the same transaction). private.rebuild_rollups()
-- (20261201110000_contract.sql) computes the rollups from scratch independently of both,
-- so comparing with it checks them.
--
-- Lock order (docs/decisions/008-lock-order.md): level 6, event_stats shards in
-- (event_id, shard) order, then promoter_daily_stats in (promoter_id, event_id, day)
-- order, then promoter_totals in promoter_id order. When a call subtracts from a table,
-- it first locks every existing row it will change in that table, in key order, so the
-- upsert and the update that follow never take a row out of order.

create type private.rollup_delta as (
  organization_id uuid,
  event_id uuid,
  shard smallint,
  promoter_id uuid,
  day date,
  self_referral boolean,
  tickets bigint,
  revenue_minor bigint,
  orders bigint,
  credited_tickets bigint,
  credited_revenue_minor bigint,
  credited_orders bigint,
  visits bigint
);
comment on type private.rollup_delta is
  'A change to the rollups from a set of orders or visits of one event, promoter and UTC day (negative figures remove). shard: the orders'' event_stats shard (null for visits, which have no event figure). promoter_id: the promoter credited (null: nobody; only the event figures change). tickets, revenue_minor, orders: the event''s paid sales. credited_*: the part credited to promoter_id (its daily row and total, and the attributed part of the shard), a self-referral part when self_referral. visits: the promoter''s visits.';
revoke all on type private.rollup_delta from public;

-- The writes of one rollup table each (called only by apply_rollup_deltas) ----------------------------

-- event_stats shards, in (event_id, shard) order.
create function private.write_event_stats(p_added private.event_stats[], p_removed private.event_stats[])
returns void
language plpgsql security invoker set search_path = ''
as $$
begin
  if p_removed is not null then
    perform 1 from private.event_stats s
    where (s.event_id, s.shard) in (select c.event_id, c.shard from unnest(p_added || p_removed) c)
    order by s.event_id, s.shard
    for update;
  end if;
  if p_added is not null then
    insert into private.event_stats as s
    select * from unnest(p_added) c order by c.event_id, c.shard
    on conflict (event_id, shard) do update
      set tickets = s.tickets + excluded.tickets,
          revenue_minor = s.revenue_minor + excluded.revenue_minor,
          orders = s.orders + excluded.orders,
          attributed_tickets = s.attributed_tickets + excluded.attributed_tickets,
          attributed_revenue_minor = s.attributed_revenue_minor + excluded.attributed_revenue_minor,
          self_attributed_tickets = s.self_attributed_tickets + excluded.self_attributed_tickets,
          self_attributed_revenue_minor = s.self_attributed_revenue_minor + excluded.self_attributed_revenue_minor;
  end if;
  if p_removed is not null then
    update private.event_stats s
    set tickets = s.tickets + c.tickets,
        revenue_minor = s.revenue_minor + c.revenue_minor,
        orders = s.orders + c.orders,
        attributed_tickets = s.attributed_tickets + c.attributed_tickets,
        attributed_revenue_minor = s.attributed_revenue_minor + c.attributed_revenue_minor,
        self_attributed_tickets = s.self_attributed_tickets + c.self_attributed_tickets,
        self_attributed_revenue_minor = s.self_attributed_revenue_minor + c.self_attributed_revenue_minor
    from unnest(p_removed) c
    where s.event_id = c.event_id and s.shard = c.shard;
  end if;
end;
$$;
comment on function private.write_event_stats(private.event_stats[], private.event_stats[]) is
  'Part of private.apply_rollup_deltas(): adds p_added (insert on conflict do update) and subtracts p_removed (updates only) in event_stats, in key order; when it subtracts it first locks every existing row it will change, in key order.';
revoke all on function private.write_event_stats(private.event_stats[], private.event_stats[]) from public, anon, authenticated, service_role;

-- promoter_daily_stats rows, in (promoter_id, event_id, day) order.
create function private.write_promoter_daily_stats(p_added private.promoter_daily_stats[], p_removed private.promoter_daily_stats[])
returns void
language plpgsql security invoker set search_path = ''
as $$
begin
  if p_removed is not null then
    perform 1 from private.promoter_daily_stats s
    where (s.promoter_id, s.event_id, s.day) in (select c.promoter_id, c.event_id, c.day from unnest(p_added || p_removed) c)
    order by s.promoter_id, s.event_id, s.day
    for update;
  end if;
  if p_added is not null then
    insert into private.promoter_daily_stats as s
    select * from unnest(p_added) c order by c.promoter_id, c.event_id, c.day
    on conflict (promoter_id, event_id, day) do update
      set tickets = s.tickets + excluded.tickets,
          revenue_minor = s.revenue_minor + excluded.revenue_minor,
          orders = s.orders + excluded.orders,
          visits = s.visits + excluded.visits,
          self_tickets = s.self_tickets + excluded.self_tickets,
          self_revenue_minor = s.self_revenue_minor + excluded.self_revenue_minor,
          self_orders = s.self_orders + excluded.self_orders;
  end if;
  if p_removed is not null then
    update private.promoter_daily_stats s
    set tickets = s.tickets + c.tickets,
        revenue_minor = s.revenue_minor + c.revenue_minor,
        orders = s.orders + c.orders,
        visits = s.visits + c.visits,
        self_tickets = s.self_tickets + c.self_tickets,
        self_revenue_minor = s.self_revenue_minor + c.self_revenue_minor,
        self_orders = s.self_orders + c.self_orders
    from unnest(p_removed) c
    where s.promoter_id = c.promoter_id and s.event_id = c.event_id and s.day = c.day;
  end if;
end;
$$;
comment on function private.write_promoter_daily_stats(private.promoter_daily_stats[], private.promoter_daily_stats[]) is
  'Part of private.apply_rollup_deltas(): adds p_added (insert on conflict do update) and subtracts p_removed (updates only) in promoter_daily_stats, in key order; when it subtracts it first locks every existing row it will change, in key order.';
revoke all on function private.write_promoter_daily_stats(private.promoter_daily_stats[], private.promoter_daily_stats[]) from public, anon, authenticated, service_role;

-- promoter_totals rows, in promoter_id order.
create function private.write_promoter_totals(p_added private.promoter_totals[], p_removed private.promoter_totals[])
returns void
language plpgsql security invoker set search_path = ''
as $$
begin
  if p_removed is not null then
    perform 1 from private.promoter_totals t
    where t.promoter_id in (select c.promoter_id from unnest(p_added || p_removed) c)
    order by t.promoter_id
    for update;
  end if;
  if p_added is not null then
    insert into private.promoter_totals as t
    select * from unnest(p_added) c order by c.promoter_id
    on conflict (promoter_id) do update
      set tickets = t.tickets + excluded.tickets,
          revenue_minor = t.revenue_minor + excluded.revenue_minor,
          orders = t.orders + excluded.orders,
          visits = t.visits + excluded.visits,
          self_tickets = t.self_tickets + excluded.self_tickets,
          self_revenue_minor = t.self_revenue_minor + excluded.self_revenue_minor,
          self_orders = t.self_orders + excluded.self_orders;
  end if;
  if p_removed is not null then
    update private.promoter_totals t
    set tickets = t.tickets + c.tickets,
        revenue_minor = t.revenue_minor + c.revenue_minor,
        orders = t.orders + c.orders,
        visits = t.visits + c.visits,
        self_tickets = t.self_tickets + c.self_tickets,
        self_revenue_minor = t.self_revenue_minor + c.self_revenue_minor,
        self_orders = t.self_orders + c.self_orders
    from unnest(p_removed) c
    where t.promoter_id = c.promoter_id;
  end if;
end;
$$;
comment on function private.write_promoter_totals(private.promoter_totals[], private.promoter_totals[]) is
  'Part of private.apply_rollup_deltas(): adds p_added (insert on conflict do update) and subtracts p_removed (updates only) in promoter_totals, in key order; when it subtracts it first locks every existing row it will change, in key order.';
revoke all on function private.write_promoter_totals(private.promoter_totals[], private.promoter_totals[]) from public, anon, authenticated, service_role;

-- security invoker: only the rollup triggers call it, as their owner; no API role may
-- write the rollups, so no API role could use it even if it were granted.
create function private.apply_rollup_deltas(p_deltas private.rollup_delta[])
returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  -- Each table's changes as rows of that table, sorted by key, whose figures are the
  -- amounts to add: additions (some figure grows) and subtractions (only shrinking).
  v_shards_added private.event_stats[];
  v_shards_removed private.event_stats[];
  v_days_added private.promoter_daily_stats[];
  v_days_removed private.promoter_daily_stats[];
  v_totals_added private.promoter_totals[];
  v_totals_removed private.promoter_totals[];
begin
  -- What changes, per rollup row, in one pass: event_stats takes the orders' sales and
  -- the credited part (with its self-referral part); promoter_daily_stats and
  -- promoter_totals the credited part and visits. Each row(...) lists its table's
  -- columns in the table's order: the inserts below write them with select *.
  with d as (
    select * from unnest(p_deltas)
  ), shards as (
    select row(s.event_id, s.shard, s.organization_id, s.tickets, s.revenue_minor, s.orders, s.attributed_tickets,
               s.attributed_revenue_minor, s.self_attributed_tickets, s.self_attributed_revenue_minor)::private.event_stats as c,
           greatest(s.tickets, s.revenue_minor, s.orders, s.attributed_tickets, s.attributed_revenue_minor,
                    s.self_attributed_tickets, s.self_attributed_revenue_minor) > 0 as grows,
           least(s.tickets, s.revenue_minor, s.orders, s.attributed_tickets, s.attributed_revenue_minor,
                 s.self_attributed_tickets, s.self_attributed_revenue_minor) < 0 as shrinks
    from (
      select d.event_id, d.shard, d.organization_id,
             sum(d.tickets)::bigint as tickets, sum(d.revenue_minor)::bigint as revenue_minor, sum(d.orders)::bigint as orders,
             sum(d.credited_tickets)::bigint as attributed_tickets, sum(d.credited_revenue_minor)::bigint as attributed_revenue_minor,
             coalesce(sum(d.credited_tickets) filter (where d.self_referral), 0)::bigint as self_attributed_tickets,
             coalesce(sum(d.credited_revenue_minor) filter (where d.self_referral), 0)::bigint as self_attributed_revenue_minor
      from d
      where d.shard is not null
      group by d.event_id, d.shard, d.organization_id
    ) s
  ), credits as (
    -- Per promoter, event and day; the grouping sets add each promoter's total.
    select d.organization_id, d.promoter_id, d.event_id, d.day, grouping(d.event_id, d.day) <> 0 as total,
           sum(d.credited_tickets)::bigint as tickets, sum(d.credited_revenue_minor)::bigint as revenue_minor,
           sum(d.credited_orders)::bigint as orders, sum(d.visits)::bigint as visits,
           coalesce(sum(d.credited_tickets) filter (where d.self_referral), 0)::bigint as self_tickets,
           coalesce(sum(d.credited_revenue_minor) filter (where d.self_referral), 0)::bigint as self_revenue_minor,
           coalesce(sum(d.credited_orders) filter (where d.self_referral), 0)::bigint as self_orders
    from d
    where d.promoter_id is not null
    group by grouping sets ((d.organization_id, d.promoter_id, d.event_id, d.day), (d.organization_id, d.promoter_id))
  ), promoters as (
    select s.*,
           greatest(s.tickets, s.revenue_minor, s.orders, s.visits, s.self_tickets, s.self_revenue_minor, s.self_orders) > 0 as grows,
           least(s.tickets, s.revenue_minor, s.orders, s.visits, s.self_tickets, s.self_revenue_minor, s.self_orders) < 0 as shrinks
    from credits s
  ), days as (
    select row(s.organization_id, s.promoter_id, s.event_id, s.day, s.tickets, s.revenue_minor, s.orders, s.visits,
               s.self_tickets, s.self_revenue_minor, s.self_orders)::private.promoter_daily_stats as c, s.grows, s.shrinks
    from promoters s where not s.total
  ), totals as (
    select row(s.promoter_id, s.organization_id, s.tickets, s.revenue_minor, s.orders, s.visits,
               s.self_tickets, s.self_revenue_minor, s.self_orders)::private.promoter_totals as c, s.grows, s.shrinks
    from promoters s where s.total
  )
  select (select array_agg(x.c order by (x.c).event_id, (x.c).shard) filter (where x.grows) from shards x),
         (select array_agg(x.c order by (x.c).event_id, (x.c).shard) filter (where x.shrinks and not x.grows) from shards x),
         (select array_agg(x.c order by (x.c).promoter_id, (x.c).event_id, (x.c).day) filter (where x.grows) from days x),
         (select array_agg(x.c order by (x.c).promoter_id, (x.c).event_id, (x.c).day) filter (where x.shrinks and not x.grows) from days x),
         (select array_agg(x.c order by (x.c).promoter_id) filter (where x.grows) from totals x),
         (select array_agg(x.c order by (x.c).promoter_id) filter (where x.shrinks and not x.grows) from totals x)
    into v_shards_added, v_shards_removed, v_days_added, v_days_removed, v_totals_added, v_totals_removed;

  -- event_stats, then promoter_daily_stats, then promoter_totals (decision 008).
  perform private.write_event_stats(v_shards_added, v_shards_removed);
  perform private.write_promoter_daily_stats(v_days_added, v_days_removed);
  perform private.write_promoter_totals(v_totals_added, v_totals_removed);
end;
$$;
comment on function private.apply_rollup_deltas(private.rollup_delta[]) is
  'The one writer of the rollups: sums the deltas per event_stats shard, promoter_daily_stats row and promoter_totals row, skips zero sums, adds with insert on conflict and subtracts with updates (never creating a row), in the lock order of decision 008 (tables in that order, rows in key order). Called by the rollup triggers.';
revoke all on function private.apply_rollup_deltas(private.rollup_delta[]) from public, anon, authenticated, service_role;

-- Rollup triggers: the deltas of the statement's rows, one call ----------------------------------
-- Statement-level with transition tables: a statement touching many rows (a promoter
-- deletion, a bulk import) calls the helper once, which changes each rollup row once.
-- The insert and the delete trigger of a table both name their transition table
-- changed_rows, so one query serves both, with the sign taken from tg_op.

create function private.rollup_visits()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_sign integer := case tg_op when 'INSERT' then 1 else -1 end;
begin
  perform private.apply_rollup_deltas(array(
    select row(v.organization_id, v.event_id, null, v.promoter_id, (v.visited_at at time zone 'utc')::date, false,
               0, 0, 0, 0, 0, 0, v_sign)::private.rollup_delta
    from changed_rows v
  ));
  return null;
end;
$$;
comment on function private.rollup_visits() is
  'Counts inserted (+1) and deleted (-1) visits into promoter_daily_stats and promoter_totals through apply_rollup_deltas().';
create trigger promoter_visits_rollup_insert after insert on public.promoter_visits
  referencing new table as changed_rows for each statement execute function private.rollup_visits();
create trigger promoter_visits_rollup_delete after delete on public.promoter_visits
  referencing old table as changed_rows for each statement execute function private.rollup_visits();

-- A paid order's attribution credits its promoter with the order and adds it to the
-- attributed part of its shard: the row the order's own insert already locked in a
-- checkout.
create function private.rollup_attributions()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_sign integer := case tg_op when 'INSERT' then 1 else -1 end;
begin
  perform private.apply_rollup_deltas(array(
    select row(o.organization_id, o.event_id, private.event_stats_shard(o.id), a.promoter_id,
               (o.created_at at time zone 'utc')::date, a.self_referral,
               0, 0, 0, v_sign * o.ticket_count, v_sign * o.total_minor, v_sign, 0)::private.rollup_delta
    from changed_rows a
    join public.orders o on o.id = a.order_id and o.status = 'paid'
  ));
  return null;
end;
$$;
comment on function private.rollup_attributions() is
  'Credits (insert) or takes back (delete) the paid orders of attributions in promoter_daily_stats, promoter_totals and the attributed part of event_stats, self-referral part apart, through apply_rollup_deltas().';
create trigger attributions_rollup_insert after insert on public.attributions
  referencing new table as changed_rows for each statement execute function private.rollup_attributions();
create trigger attributions_rollup_delete after delete on public.attributions
  referencing old table as changed_rows for each statement execute function private.rollup_attributions();

create function private.rollup_orders()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    -- New orders have no attributions yet (those come after the order row).
    perform private.apply_rollup_deltas(array(
      select row(o.organization_id, o.event_id, private.event_stats_shard(o.id), null,
                 (o.created_at at time zone 'utc')::date, false,
                 o.ticket_count, o.total_minor, 1, 0, 0, 0, 0)::private.rollup_delta
      from new_rows o
      where o.status = 'paid'
    ));
    return null;
  end if;

  -- UPDATE: the whole order added when it becomes paid, removed when it stops being
  -- paid (a refund), with its credit if it has an attribution.
  perform private.apply_rollup_deltas(array(
    select row(n.organization_id, n.event_id, private.event_stats_shard(n.id), a.promoter_id,
               (n.created_at at time zone 'utc')::date, coalesce(a.self_referral, false),
               c.sign * n.ticket_count, c.sign * n.total_minor, c.sign,
               case when a.order_id is null then 0 else c.sign * n.ticket_count end,
               case when a.order_id is null then 0 else c.sign * n.total_minor end,
               case when a.order_id is null then 0 else c.sign end,
               0)::private.rollup_delta
    from new_rows n
    join old_rows o on o.id = n.id
    cross join lateral (select case when n.status = 'paid' then 1 else -1 end as sign) c
    left join public.attributions a on a.order_id = n.id
    where (o.status = 'paid') <> (n.status = 'paid')
  ));
  return null;
end;
$$;
comment on function private.rollup_orders() is
  'Adds paid orders to event_stats on insert; on a status change adds or removes the order (and its credit in promoter_daily_stats, promoter_totals and the attributed part of event_stats), through apply_rollup_deltas().';
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
language sql immutable set search_path = ''
as $$
  select case
    when p_search is null or btrim(p_search) = '' then null
    else '%' || replace(replace(replace(left(btrim(p_search), 200), '\', '\\'), '%', '\%'), '_', '\_') || '%'
  end
$$;
comment on function private.like_pattern(text) is 'A case-insensitive contains pattern for ILIKE with wildcards escaped; null for an empty search.';
revoke all on function private.like_pattern(text) from public;

-- Each reads private.self_referral_drop() once and subtracts the self-referral part of
-- the rollups when the organization does not count them (v_drop is 1 then, else 0).
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
language plpgsql stable security definer set search_path = '' set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_from date := (p_from at time zone 'utc')::date;
  v_to date := (p_to at time zone 'utc')::date;
  v_all_time boolean := p_from is null and p_to is null;
  v_pattern text := private.like_pattern(p_search);
  v_drop integer;
begin
  perform private.require_member(p_organization_id);
  v_drop := private.self_referral_drop(p_organization_id);
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
language sql stable security invoker set search_path = '' set plan_cache_mode = force_custom_plan
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
language plpgsql stable security definer set search_path = '' set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_from date := (p_from at time zone 'utc')::date;
  v_to date := (p_to at time zone 'utc')::date;
  v_all_time boolean := p_from is null and p_to is null;
  v_drop integer;
begin
  perform private.require_member(p_organization_id);
  v_drop := private.self_referral_drop(p_organization_id);
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
language plpgsql stable security definer set search_path = '' set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_organization_id uuid;
  v_drop integer;
begin
  v_organization_id := private.require_promoter_member(p_promoter_id);
  v_drop := private.self_referral_drop(v_organization_id);
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
language plpgsql stable security definer set search_path = '' set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_drop integer;
begin
  perform private.require_member(p_organization_id);
  v_drop := private.self_referral_drop(p_organization_id);
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
