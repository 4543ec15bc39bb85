-- Self-referrals: orders a promoter's link or code credited although the buyer is the
-- promoter, and the organization's choice whether they count.
--
-- * attributions.self_referral: set once, when the attribution is written (a before-insert
--   trigger, so checkout() is unchanged): true when the order's buyer email equals the
--   promoter's email, both trimmed and compared ignoring case; a promoter without an
--   email never matches. Editing the promoter's email later does not rewrite it.
-- * organizations.count_self_referrals (default true: today's figures): whether flagged
--   orders count toward promoters' figures. Changed by owners and admins through
--   set_self_referral_setting().
-- * The rollups keep the self-referral part of every figure apart (self_* columns of
--   promoter_daily_stats, promoter_totals and event_stats), so a toggle applies at once,
--   to all history, without rewriting anything: the read functions subtract that part
--   when the organization does not count self-referrals. Orders always sell and always
--   stay in the orders list, flagged.
-- * Read functions restated here: promoter_performance (which also reports the
--   promoter's self-referral orders), promoter_group_performance,
--   promoter_sales_timeseries, event_performance, portal_view and list_orders (the flag
--   and a filter). promoter_summary sums promoter_performance and follows it.
--
-- Lock order (docs/decisions/008-lock-order.md) is unchanged: the trigger reads the order
-- and the promoter without locking them (checkout already key-shares the promoter at
-- level 2), and the rollup triggers update the same rows as before, in the same order.
-- set_self_referral_setting() writes only the organization row, which no sale locks.
-- See docs/decisions/023-self-referrals.md.

-- Setting ----------------------------------------------------------------------------------------
alter table public.organizations add column count_self_referrals boolean not null default true;
comment on column public.organizations.count_self_referrals is
  'Whether orders flagged as self-referrals (the buyer''s email is the promoter''s) count toward promoters'' figures everywhere (dashboard, portal, exports). Changed through set_self_referral_setting() (owners and admins).';

-- The flag -----------------------------------------------------------------------------------------
alter table public.attributions add column self_referral boolean not null default false;
comment on column public.attributions.self_referral is
  'Whether the buyer''s email equalled the promoter''s email (trimmed, ignoring case) when the order was credited. Set once by a trigger; later edits of the promoter''s email do not change it.';

-- security definer: it reads the order and the promoter whatever role inserts (checkout
-- runs as its owner, a bulk loader as service_role).
create function private.flag_self_referral()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.self_referral := coalesce((
    select lower(btrim(o.buyer_email)) = lower(btrim(p.email))
    from public.orders o
    cross join public.promoters p
    where o.id = new.order_id and p.id = new.promoter_id and nullif(btrim(p.email), '') is not null
  ), false);
  return new;
end;
$$;
comment on function private.flag_self_referral() is
  'Sets attributions.self_referral from the order''s buyer email and the promoter''s email (trimmed, ignoring case; no promoter email, no match), whatever the insert said.';
revoke all on function private.flag_self_referral() from public, anon, authenticated, service_role;
create trigger attributions_flag_self_referral before insert on public.attributions
  for each row execute function private.flag_self_referral();

-- Orders credited before this migration are judged by the promoter's email as it is now.
update public.attributions a
set self_referral = true
from public.orders o, public.promoters p
where o.id = a.order_id and p.id = a.promoter_id and nullif(btrim(p.email), '') is not null
  and lower(btrim(o.buyer_email)) = lower(btrim(p.email));

-- The self-referral part of the rollups ----------------------------------------------------------
alter table private.promoter_daily_stats
  add column self_tickets bigint not null default 0,
  add column self_revenue_minor bigint not null default 0,
  add column self_orders bigint not null default 0;
comment on column private.promoter_daily_stats.self_tickets is 'The part of tickets from self-referral orders.';
comment on column private.promoter_daily_stats.self_revenue_minor is 'The part of revenue_minor from self-referral orders.';
comment on column private.promoter_daily_stats.self_orders is 'The part of orders that are self-referrals.';

alter table private.promoter_totals
  add column self_tickets bigint not null default 0,
  add column self_revenue_minor bigint not null default 0,
  add column self_orders bigint not null default 0;
comment on column private.promoter_totals.self_tickets is 'The part of tickets from self-referral orders.';
comment on column private.promoter_totals.self_revenue_minor is 'The part of revenue_minor from self-referral orders.';
comment on column private.promoter_totals.self_orders is 'The part of orders that are self-referrals.';

alter table private.event_stats
  add column self_attributed_tickets bigint not null default 0,
  add column self_attributed_revenue_minor bigint not null default 0;
comment on column private.event_stats.self_attributed_tickets is 'The part of attributed_tickets from self-referral orders.';
comment on column private.event_stats.self_attributed_revenue_minor is 'The part of attributed_revenue_minor from self-referral orders.';

-- Dated dashboard reads stay index-only with the new columns.
drop index private.promoter_daily_stats_organization_day_idx;
create index promoter_daily_stats_organization_day_idx on private.promoter_daily_stats (organization_id, day)
  include (promoter_id, tickets, revenue_minor, orders, visits, self_tickets, self_revenue_minor, self_orders);

-- Existing self-referrals (none on a fresh database).
update private.promoter_daily_stats s
set self_tickets = x.tickets, self_revenue_minor = x.revenue_minor, self_orders = x.orders
from (
  select a.promoter_id, a.event_id, (o.created_at at time zone 'utc')::date as day,
         sum(o.ticket_count) as tickets, sum(o.total_minor) as revenue_minor, count(*) as orders
  from public.attributions a join public.orders o on o.id = a.order_id and o.status = 'paid'
  where a.self_referral
  group by 1, 2, 3
) x
where s.promoter_id = x.promoter_id and s.event_id = x.event_id and s.day = x.day;
update private.promoter_totals t
set self_tickets = x.tickets, self_revenue_minor = x.revenue_minor, self_orders = x.orders
from (
  select s.promoter_id, sum(s.self_tickets) as tickets, sum(s.self_revenue_minor) as revenue_minor, sum(s.self_orders) as orders
  from private.promoter_daily_stats s group by 1
) x
where t.promoter_id = x.promoter_id;
update private.event_stats s
set self_attributed_tickets = x.tickets, self_attributed_revenue_minor = x.revenue_minor
from (
  select o.event_id, private.event_stats_shard(o.id) as shard, sum(o.ticket_count) as tickets, sum(o.total_minor) as revenue_minor
  from public.attributions a join public.orders o on o.id = a.order_id and o.status = 'paid'
  where a.self_referral
  group by 1, 2
) x
where s.event_id = x.event_id and s.shard = x.shard;

-- Rollup triggers: the same rows, in the same order, with the self-referral part ------------------
create or replace function private.rollup_attributions()
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

create or replace function private.rollup_orders()
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

-- Rollups rebuilt from raw rows: still the one from-scratch definition ----------------------------
create or replace function private.rebuild_rollups()
returns void
language plpgsql
set search_path = ''
as $$
begin
  truncate private.promoter_daily_stats, private.promoter_totals, private.event_stats;
  insert into private.promoter_daily_stats (organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders, visits,
                                            self_tickets, self_revenue_minor, self_orders)
  select x.organization_id, x.promoter_id, x.event_id, x.day,
         sum(x.tickets), sum(x.revenue_minor), sum(x.orders), sum(x.visits),
         sum(x.self_tickets), sum(x.self_revenue_minor), sum(x.self_orders)
  from (
    select v.organization_id, v.promoter_id, v.event_id, (v.visited_at at time zone 'utc')::date as day,
           0 as tickets, 0 as revenue_minor, 0 as orders, count(*) as visits,
           0 as self_tickets, 0 as self_revenue_minor, 0 as self_orders
    from public.promoter_visits v group by 1, 2, 3, 4
    union all
    select a.organization_id, a.promoter_id, a.event_id, (o.created_at at time zone 'utc')::date,
           sum(o.ticket_count), sum(o.total_minor), count(*), 0,
           coalesce(sum(o.ticket_count) filter (where a.self_referral), 0),
           coalesce(sum(o.total_minor) filter (where a.self_referral), 0),
           count(*) filter (where a.self_referral)
    from public.attributions a join public.orders o on o.id = a.order_id and o.status = 'paid'
    group by 1, 2, 3, 4
  ) x
  group by x.organization_id, x.promoter_id, x.event_id, x.day
  order by x.day, x.organization_id, x.promoter_id, x.event_id;
  insert into private.promoter_totals (promoter_id, organization_id, tickets, revenue_minor, orders, visits,
                                       self_tickets, self_revenue_minor, self_orders)
  select s.promoter_id, s.organization_id, sum(s.tickets), sum(s.revenue_minor), sum(s.orders), sum(s.visits),
         sum(s.self_tickets), sum(s.self_revenue_minor), sum(s.self_orders)
  from private.promoter_daily_stats s group by 1, 2;
  insert into private.event_stats (event_id, shard, organization_id, tickets, revenue_minor, orders,
                                   attributed_tickets, attributed_revenue_minor,
                                   self_attributed_tickets, self_attributed_revenue_minor)
  select o.event_id, private.event_stats_shard(o.id), o.organization_id, sum(o.ticket_count), sum(o.total_minor), count(*),
         coalesce(sum(o.ticket_count) filter (where a.order_id is not null), 0),
         coalesce(sum(o.total_minor) filter (where a.order_id is not null), 0),
         coalesce(sum(o.ticket_count) filter (where a.self_referral), 0),
         coalesce(sum(o.total_minor) filter (where a.self_referral), 0)
  from public.orders o left join public.attributions a on a.order_id = o.id
  where o.status = 'paid' group by 1, 2, 3;
end;
$$;
comment on function private.rebuild_rollups() is
  'Recomputes promoter_daily_stats, promoter_totals and event_stats (with their self-referral parts) from orders, attributions and visits (truncates them first). For bulk loads and checks, not for live traffic.';

-- set_self_referral_setting ------------------------------------------------------------------------
create function public.set_self_referral_setting(p_organization_id uuid, p_count_self_referrals boolean)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_settings jsonb;
begin
  if p_organization_id is null or not private.has_role(p_organization_id, array['owner', 'admin']) then
    perform private.raise_not_authorized();
  end if;
  if p_count_self_referrals is null then
    raise exception 'invalid_self_referral_setting'
      using errcode = 'P0001', hint = 'Say whether self-referral orders count toward promoters'' figures.';
  end if;
  update public.organizations o
  set count_self_referrals = p_count_self_referrals
  where o.id = p_organization_id
  returning jsonb_build_object('count_self_referrals', o.count_self_referrals)
  into v_settings;
  return v_settings;
end;
$$;
comment on function public.set_self_referral_setting(uuid, boolean) is
  'Owners and admins choose whether orders flagged as self-referrals count toward promoters'' figures (applies at once to all figures, past sales included). Returns {count_self_referrals}. Errors: not_authorized, invalid_self_referral_setting.';
revoke all on function public.set_self_referral_setting(uuid, boolean) from public, anon, authenticated, service_role;
grant execute on function public.set_self_referral_setting(uuid, boolean) to authenticated;

-- Read functions ----------------------------------------------------------------------------------
-- Each reads the organization's choice once and subtracts the self-referral part of the
-- rollups when it does not count them (v_drop is 1 then, else 0).

-- promoter_performance gains self_referral_orders, so it is dropped and created again.
drop function public.promoter_performance(uuid, timestamptz, timestamptz, uuid, text);
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

create or replace function public.promoter_group_performance(
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

create or replace function public.event_performance(p_organization_id uuid)
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

create or replace function public.portal_view(p_secret text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_client bytea := private.client_key();
  v_portal private.promoter_portals;
  v_promoter public.promoters;
  v_organization public.organizations;
  v_today date := (now() at time zone 'utc')::date;
  v_from date := (now() at time zone 'utc')::date - (private.portal_series_days() - 1);
  v_drop integer;
  v_events jsonb;
begin
  if v_client is not null
     and private.client_limit_reached(v_client, 'portal_miss', private.portal_misses_per_client_minute()) then
    return null;
  end if;
  if private.is_portal_secret(p_secret) then
    select * into v_portal from private.promoter_portals pp
    where pp.secret_hash = private.portal_secret_hash(p_secret) and pp.enabled;
  end if;
  if v_portal.promoter_id is null then
    if v_client is not null then
      perform private.prune_client_counters();
      perform private.count_client_call(v_client, 'portal_miss');
    end if;
    return null;
  end if;

  select * into v_promoter from public.promoters p where p.id = v_portal.promoter_id;
  select * into v_organization from public.organizations o where o.id = v_portal.organization_id;
  v_drop := case when v_organization.count_self_referrals then 0 else 1 end;

  with links as (
    select e.id, e.name, e.slug, e.starts_at, e.ends_at, e.currency
    from public.event_promoters ep
    join public.events e on e.id = ep.event_id
    where ep.promoter_id = v_promoter.id and ep.active and e.status = 'published'
    order by e.starts_at desc, e.id
    limit private.portal_max_events()
  ),
  mine as (
    select s.event_id, sum(s.tickets - v_drop * s.self_tickets) as tickets, sum(s.revenue_minor - v_drop * s.self_revenue_minor) as revenue_minor,
           sum(s.orders - v_drop * s.self_orders) as orders, sum(s.visits) as visits
    from private.promoter_daily_stats s
    where s.promoter_id = v_promoter.id and s.event_id in (select l.id from links l)
    group by s.event_id
  ),
  ranks as (
    -- Only when shown: 1 + the promoters of the event with more tickets.
    select l.id as event_id,
           1 + count(*) filter (where o.tickets > coalesce(m.tickets, 0)) as rank,
           count(*) as promoters
    from links l
    left join mine m on m.event_id = l.id
    join lateral (
      select ep.promoter_id, coalesce((
        select sum(s.tickets - v_drop * s.self_tickets) from private.promoter_daily_stats s
        where s.promoter_id = ep.promoter_id and s.event_id = l.id
      ), 0) as tickets
      from public.event_promoters ep
      where ep.event_id = l.id and ep.active
    ) o on true
    where v_organization.portal_show_rank
    group by l.id
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'event_id', l.id,
           'event_name', l.name,
           'event_slug', l.slug,
           'starts_at', l.starts_at,
           'ends_at', l.ends_at,
           'currency', l.currency,
           'link_path', '/events/' || l.slug || '?promoter=' || v_promoter.promo_code,
           'tickets', coalesce(m.tickets, 0),
           'orders', coalesce(m.orders, 0),
           'revenue_minor', case when v_organization.portal_show_revenue then coalesce(m.revenue_minor, 0) end,
           'visits', coalesce(m.visits, 0),
           'conversion', case when coalesce(m.visits, 0) > 0 then round(coalesce(m.orders, 0)::numeric / m.visits, 4) end,
           'rank', r.rank,
           'promoters', r.promoters,
           'series', (
             select coalesce(jsonb_agg(jsonb_build_object(
                      'day', s.day, 'tickets', s.tickets - v_drop * s.self_tickets, 'visits', s.visits,
                      'revenue_minor', case when v_organization.portal_show_revenue then s.revenue_minor - v_drop * s.self_revenue_minor end
                    ) order by s.day), '[]'::jsonb)
             from private.promoter_daily_stats s
             where s.promoter_id = v_promoter.id and s.event_id = l.id and s.day between v_from and v_today
           )
         ) order by l.starts_at desc, l.id), '[]'::jsonb)
    into v_events
  from links l
  left join mine m on m.event_id = l.id
  left join ranks r on r.event_id = l.id;

  return jsonb_build_object(
    'promoter_name', v_promoter.name,
    'organization_name', v_organization.name,
    'promo_code', v_promoter.promo_code,
    'show_revenue', v_organization.portal_show_revenue,
    'show_rank', v_organization.portal_show_rank,
    'series_from', v_from,
    'series_to', v_today,
    'live_topic', private.portal_topic(v_portal.topic_key),
    'events', v_events
  );
end;
$$;
comment on function public.portal_view(text) is
  'The promoter portal (anyone holding the link): {promoter_name, organization_name, promo_code, show_revenue, show_rank, series_from, series_to, live_topic, events: [{event_id, event_name, event_slug, starts_at, ends_at, currency, link_path, tickets, orders, revenue_minor (null when hidden), visits, conversion (orders per visit, null without visits), rank and promoters (null unless shown), series: [{day, tickets, visits, revenue_minor}] of the last private.portal_series_days() days}]} for the published events the promoter is active on (at most private.portal_max_events()), or null for any secret that is not a live portal (wrong, rotated or turned off alike). Sales figures leave out self-referrals when the organization does not count them. Wrong secrets are counted per client address; beyond private.portal_misses_per_client_minute() a minute every call answers null. Nullable: result.';

-- list_orders: the flag on every row, and a filter -------------------------------------------------
drop function public.list_orders(uuid, text, uuid, uuid, boolean, public.order_status, date, date, uuid, integer);
create function public.list_orders(
  p_organization_id uuid,
  p_search text default null,
  p_event_id uuid default null,
  p_promoter_id uuid default null,
  p_unattributed boolean default false,
  p_status public.order_status default null,
  p_from date default null,
  p_to date default null,
  p_after_id uuid default null,
  p_limit integer default 50,
  p_self_referral boolean default null
)
returns table (
  id uuid,
  reference text,
  created_at timestamptz,
  status public.order_status,
  refunded_at timestamptz,
  buyer_name text,
  buyer_email text,
  event_id uuid,
  event_name text,
  ticket_count integer,
  total_minor bigint,
  currency text,
  promoter_id uuid,
  promoter_name text,
  promo_code text,
  self_referral boolean
)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_search text := nullif(btrim(left(p_search, 200)), '');
  v_pattern text := private.like_pattern(p_search);
  v_limit integer := least(greatest(coalesce(p_limit, 50), 1), 1000);
  v_after_created_at timestamptz;
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
  if p_from is not null and p_to is not null and p_from > p_to then
    raise exception 'invalid_date_range'
      using errcode = 'P0001', hint = 'The start date must be on or before the end date.';
  end if;
  -- The cursor is the last order of the previous page; its time is read here, at full
  -- precision (a client's clock type may round it).
  if p_after_id is not null then
    select o.created_at into v_after_created_at
    from public.orders o where o.id = p_after_id and o.organization_id = p_organization_id;
    if v_after_created_at is null then
      raise exception 'invalid_cursor'
        using errcode = 'P0001', hint = 'p_after_id must be the last order of the previous page.';
    end if;
  end if;

  return query
  select o.id, o.reference, o.created_at, o.status, o.refunded_at, o.buyer_name, o.buyer_email,
         o.event_id, e.name, o.ticket_count, o.total_minor, o.currency::text,
         a.promoter_id, p.name, p.promo_code, coalesce(a.self_referral, false)
  from public.orders o
  join public.events e on e.id = o.event_id
  left join public.attributions a on a.order_id = o.id
  left join public.promoters p on p.id = a.promoter_id
  where o.organization_id = p_organization_id
    and (p_event_id is null or o.event_id = p_event_id)
    and (p_status is null or o.status = p_status)
    and (p_from is null or o.created_at >= (p_from::timestamp at time zone 'utc'))
    and (p_to is null or o.created_at < ((p_to + 1)::timestamp at time zone 'utc'))
    and (p_promoter_id is null or a.promoter_id = p_promoter_id)
    -- A correlated probe per order, not an anti join: "offset 0" keeps the planner from
    -- turning it into a hash anti join over every order of the organization (15 s at a
    -- million orders, against about 1 ms walking the index newest first).
    and (not coalesce(p_unattributed, false)
         or not exists (select 1 from public.attributions x where x.order_id = o.id offset 0))
    and (p_self_referral is null or coalesce(a.self_referral, false) = p_self_referral)
    and (v_search is null
         or o.reference = upper(v_search)
         or (o.buyer_name || ' ' || o.buyer_email) ilike v_pattern)
    and (p_after_id is null or (o.created_at, o.id) < (v_after_created_at, p_after_id))
  order by o.created_at desc, o.id desc
  limit v_limit;
end;
$$;
comment on function public.list_orders(uuid, text, uuid, uuid, boolean, public.order_status, date, date, uuid, integer, boolean) is
  'One page of the organization''s orders, newest first (members). Keyset pagination: pass the id of the last row of the previous page as p_after_id. Filters: p_search (the exact reference, or part of the buyer''s name or email), event, promoter, p_unattributed (orders credited to nobody), status, UTC days p_from to p_to (inclusive), p_self_referral (true: only self-referrals; false: none). p_limit 1 to 1000 (default 50). self_referral says whether the buyer was the credited promoter (counted or not, the order stays listed). Errors: not_authorized, invalid_date_range, invalid_cursor. Nullable: refunded_at, promoter_id, promoter_name, promo_code.';
revoke all on function public.list_orders(uuid, text, uuid, uuid, boolean, public.order_status, date, date, uuid, integer, boolean)
  from public, anon, authenticated, service_role;
grant execute on function public.list_orders(uuid, text, uuid, uuid, boolean, public.order_status, date, date, uuid, integer, boolean)
  to authenticated, service_role;
