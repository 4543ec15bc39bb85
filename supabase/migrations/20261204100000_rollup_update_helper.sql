-- One function writes the rollups; the triggers only say what changed.
--
-- The rollup triggers of 20261124150500_performance.sql (private.rollup_visits,
-- rollup_attributions, rollup_orders, with the self-referral parts of
-- 20261203100000_self_referral.sql) each wrote promoter_daily_stats, promoter_totals and
-- event_stats themselves, five times over (visits added and removed, attributions added
-- and removed, orders sold and refunded), each with its own upserts, updates and lock
-- order. Now:
--
-- * private.rollup_delta describes what one set of orders or visits adds to the rollups
--   (negative: removes): the event's sales in one event_stats shard, the part credited
--   to a promoter (its daily row and total, and the attributed part of the shard), with
--   its self-referral flag, and visits.
-- * private.apply_rollup_deltas(deltas) is the one function that writes the rollups. It
--   sums the deltas per rollup row, skips rows whose sum is zero, adds with insert … on
--   conflict do update and subtracts with plain updates (a subtraction never creates a
--   row: the rows it changes exist, or were deleted with their event or promoter in
--   the same transaction), table by table in the order of
--   docs/decisions/008-lock-order.md and within a table in key order.
-- * The three trigger functions are restated to build their deltas from the transition
--   tables and call the helper once per statement, as before.
--
-- private.rebuild_rollups() (20261201110000_contract.sql) stays the one from-scratch
-- definition, computed independently of the triggers and the helper, so comparing with
-- it checks them.
--
-- Lock order (008) is unchanged: level 6, event_stats shards in (event_id, shard)
-- order, then promoter_daily_stats in (promoter_id, event_id, day) order, then
-- promoter_totals in promoter_id order. When a call subtracts from a table, it first
-- locks every existing row it will change in that table, in key order, so the upsert
-- and the update that follow never take a row out of order.

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
language plpgsql
security invoker
set search_path = ''
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
language plpgsql
security invoker
set search_path = ''
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
language plpgsql
security invoker
set search_path = ''
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
language plpgsql
security invoker
set search_path = ''
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
-- Statement-level with transition tables, as before: a statement touching many rows (a
-- promoter deletion, a bulk import) calls the helper once, which changes each rollup
-- row once.

create or replace function private.rollup_visits()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.apply_rollup_deltas(array(
      select row(v.organization_id, v.event_id, null, v.promoter_id, (v.visited_at at time zone 'utc')::date, false,
                 0, 0, 0, 0, 0, 0, 1)::private.rollup_delta
      from new_rows v
    ));
  else
    perform private.apply_rollup_deltas(array(
      select row(v.organization_id, v.event_id, null, v.promoter_id, (v.visited_at at time zone 'utc')::date, false,
                 0, 0, 0, 0, 0, 0, -1)::private.rollup_delta
      from old_rows v
    ));
  end if;
  return null;
end;
$$;
comment on function private.rollup_visits() is
  'Counts inserted (+1) and deleted (-1) visits into promoter_daily_stats and promoter_totals through apply_rollup_deltas().';

-- A paid order's attribution credits its promoter with the order and adds it to the
-- attributed part of its shard: the row the order's own insert already locked in a
-- checkout.
create or replace function private.rollup_attributions()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.apply_rollup_deltas(array(
      select row(o.organization_id, o.event_id, private.event_stats_shard(o.id), a.promoter_id,
                 (o.created_at at time zone 'utc')::date, a.self_referral,
                 0, 0, 0, o.ticket_count, o.total_minor, 1, 0)::private.rollup_delta
      from new_rows a
      join public.orders o on o.id = a.order_id and o.status = 'paid'
    ));
  else
    perform private.apply_rollup_deltas(array(
      select row(o.organization_id, o.event_id, private.event_stats_shard(o.id), a.promoter_id,
                 (o.created_at at time zone 'utc')::date, a.self_referral,
                 0, 0, 0, -o.ticket_count, -o.total_minor, -1, 0)::private.rollup_delta
      from old_rows a
      join public.orders o on o.id = a.order_id and o.status = 'paid'
    ));
  end if;
  return null;
end;
$$;
comment on function private.rollup_attributions() is
  'Credits (insert) or takes back (delete) the paid orders of attributions in promoter_daily_stats, promoter_totals and the attributed part of event_stats, self-referral part apart, through apply_rollup_deltas().';

create or replace function private.rollup_orders()
returns trigger
language plpgsql
security definer
set search_path = ''
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
