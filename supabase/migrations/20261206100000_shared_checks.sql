-- Shared checks: the openings the entry points repeated, each written once.
--
-- * private.require_member() and private.require_role(): "a null organization, or one
--   the caller does not belong to (with one of these roles), is refused with
--   not_authorized", which nineteen functions spelled out.
-- * private.require_promoter_member(): the same for read functions that take a promoter.
-- * private.count_miss(): counting a wrong link, code, token or secret per client
--   address (replaces private.count_invitation_miss(), which did it for invitations only).
-- * private.self_referral_drop(): the one reading of organizations.count_self_referrals
--   for the figures.
-- * The rollup triggers of visits and attributions: one query for insert and delete
--   (both triggers name their transition table changed_rows; the sign comes from tg_op).
-- * public.order_detail(): the attribution also says whether the order is a
--   self-referral and whether it counts toward the promoter's figures.
--
-- Every function below that calls them is restated with the call in place of its own
-- copy; what each returns, raises and locks is unchanged, apart from order_detail()'s two
-- new fields.

create function private.require_member(p_organization_id uuid)
returns void
language plpgsql stable set search_path = ''
as $$
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
end;
$$;
comment on function private.require_member(uuid) is
  'Raises not_authorized unless the calling user belongs to the organization; a null organization is refused.';
revoke all on function private.require_member(uuid) from public;
grant execute on function private.require_member(uuid) to authenticated, service_role;

create function private.require_role(p_organization_id uuid, p_roles text[])
returns void
language plpgsql stable set search_path = ''
as $$
begin
  if p_organization_id is null or not private.has_role(p_organization_id, p_roles) then
    perform private.raise_not_authorized();
  end if;
end;
$$;
comment on function private.require_role(uuid, text[]) is
  'Raises not_authorized unless the calling user belongs to the organization with one of the given roles; a null organization is refused. Called by security definer functions only.';
revoke all on function private.require_role(uuid, text[]) from public, anon, authenticated, service_role;

create function private.require_promoter_member(p_promoter_id uuid)
returns uuid
language plpgsql stable set search_path = ''
as $$
declare
  v_organization_id uuid;
begin
  select p.organization_id into v_organization_id from public.promoters p where p.id = p_promoter_id;
  perform private.require_member(v_organization_id);
  return v_organization_id;
end;
$$;
comment on function private.require_promoter_member(uuid) is
  'Raises not_authorized unless the promoter exists and the calling user belongs to its organization; returns the organization. Called by security definer read functions only.';
revoke all on function private.require_promoter_member(uuid) from public, anon, authenticated, service_role;

create function private.count_miss(p_client_key bytea, p_bucket text)
returns void
language plpgsql volatile set search_path = ''
as $$
begin
  if p_client_key is not null then
    perform private.prune_client_counters();
    perform private.count_client_call(p_client_key, p_bucket);
  end if;
end;
$$;
comment on function private.count_miss(bytea, text) is
  'Counts one miss of this kind (visit_miss, portal_miss, invitation_miss) for the client in the current minute, pruning old counters first; nothing without a client address.';
revoke all on function private.count_miss(bytea, text) from public;

create function private.self_referral_drop(p_organization_id uuid)
returns integer
language sql stable set search_path = ''
as $$
  select case when o.count_self_referrals then 0 else 1 end from public.organizations o where o.id = p_organization_id
$$;
comment on function private.self_referral_drop(uuid) is
  '1 when the organization leaves self-referrals out of its figures (the read functions then subtract the self-referral part of the rollups), 0 when it counts them. Called by security definer read functions only.';
revoke all on function private.self_referral_drop(uuid) from public, anon, authenticated, service_role;

create or replace function public.is_promo_code_available(p_organization_id uuid, p_promo_code text, p_promoter_id uuid default null)
returns boolean
language plpgsql stable security invoker set search_path = ''
as $$
begin
  perform private.require_member(p_organization_id);
  if p_promo_code is null or p_promo_code !~ private.promo_code_pattern() then
    raise exception 'invalid_promo_code'
      using errcode = 'P0001', hint = 'A promo code has 3 to 32 letters, digits, hyphens or underscores.';
  end if;
  -- Row-level security keeps both reads inside the caller's organizations; a
  -- p_promoter_id of another organization matches no row and changes nothing.
  return not exists (
    select 1 from public.promoters p
    where p.organization_id = p_organization_id and lower(p.promo_code) = lower(p_promo_code)
      and p.id is distinct from p_promoter_id
  ) and not exists (
    select 1 from public.promoter_code_history h
    where h.organization_id = p_organization_id and lower(h.promo_code) = lower(p_promo_code)
      and h.promoter_id is distinct from p_promoter_id
  );
end;
$$;

create or replace function private.rollup_visits()
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

create or replace function private.rollup_attributions()
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

create or replace function public.promoter_performance(
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

create or replace function public.promoter_sales_timeseries(p_promoter_id uuid, p_from date, p_to date)
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

create or replace function public.event_performance(p_organization_id uuid)
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

create or replace function private.authorize_promoter_deletion(p_promoter_id uuid)
returns uuid
language plpgsql stable set search_path = ''
as $$
declare
  v_organization_id uuid;
begin
  v_organization_id := private.require_promoter_member(p_promoter_id);
  perform private.require_role(v_organization_id, array['owner', 'admin']);
  return v_organization_id;
end;
$$;

create or replace function public.organization_live_topic(p_organization_id uuid)
returns text
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_topic text;
begin
  perform private.require_member(p_organization_id);
  select private.organization_topic(t.organization_id, t.topic_key) into v_topic
  from private.organization_topics t
  where t.organization_id = p_organization_id;
  return v_topic;
end;
$$;

create or replace function public.save_event(
  p_organization_id uuid,
  p_event_id uuid,
  p_name text,
  p_slug text,
  p_description text,
  p_venue text,
  p_starts_at timestamptz,
  p_ticket_types jsonb
)
returns uuid
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_event_id uuid := p_event_id;
  v_name text := btrim(coalesce(p_name, ''));
  v_slug text := btrim(coalesce(p_slug, ''));
  v_description text := btrim(coalesce(p_description, ''));
  v_venue text := btrim(coalesce(p_venue, ''));
  v_ticket jsonb;
  v_index integer;
  v_ticket_name text;
  v_keep uuid[] := '{}'::uuid[];
  v_existing record;
  v_removed record;
begin
  perform private.require_member(p_organization_id);

  -- 1. Every field, before anything is written.
  if char_length(v_name) not between 1 and 200 then
    perform private.raise_invalid_field('invalid_event_name', 'The event name must be 1 to 200 characters long.', 'name');
  end if;
  if char_length(v_slug) not between 3 and 80 or v_slug !~ private.event_slug_pattern() then
    perform private.raise_invalid_field('invalid_slug',
      'The web address must be 3 to 80 lower-case letters, digits and single hyphens.', 'slug');
  end if;
  if char_length(v_description) > 10000 then
    perform private.raise_invalid_field('invalid_description', 'The description can be at most 10,000 characters long.', 'description');
  end if;
  if char_length(v_venue) > 200 then
    perform private.raise_invalid_field('invalid_venue', 'The venue can be at most 200 characters long.', 'venue');
  end if;
  if p_starts_at is null then
    perform private.raise_invalid_field('invalid_starts_at', 'Choose when the event starts.', 'starts_at');
  end if;
  if p_ticket_types is null or jsonb_typeof(p_ticket_types) <> 'array' or jsonb_array_length(p_ticket_types) > 100 then
    perform private.raise_invalid_field('invalid_ticket_types', 'An event has a list of at most 100 ticket types.', 'ticket_types');
  end if;
  for v_ticket, v_index in select t.value, t.ordinality::integer from jsonb_array_elements(p_ticket_types) with ordinality t loop
    if jsonb_typeof(v_ticket) <> 'object' then
      perform private.raise_invalid_field('invalid_ticket_types', 'An event has a list of at most 100 ticket types.', 'ticket_types',
        jsonb_build_object('index', v_index));
    end if;
    v_ticket_name := btrim(coalesce(v_ticket ->> 'name', ''));
    if char_length(v_ticket_name) not between 1 and 100 then
      perform private.raise_invalid_field('invalid_ticket_name', 'Every ticket type needs a name of 1 to 100 characters.',
        'ticket_types.name', jsonb_build_object('index', v_index));
    end if;
    if not private.is_json_whole_number(v_ticket -> 'price_minor', 0, 100000000) then
      perform private.raise_invalid_field('invalid_price', 'A ticket price is between 0 and 1,000,000.00.',
        'ticket_types.price_minor', jsonb_build_object('index', v_index, 'name', v_ticket_name));
    end if;
    if not private.is_json_whole_number(v_ticket -> 'capacity', 0, 1000000) then
      perform private.raise_invalid_field('invalid_capacity', 'A capacity is a whole number from 0 to 1,000,000.',
        'ticket_types.capacity', jsonb_build_object('index', v_index, 'name', v_ticket_name));
    end if;
    if v_ticket ? 'id' and jsonb_typeof(v_ticket -> 'id') <> 'null' then
      if v_event_id is null or jsonb_typeof(v_ticket -> 'id') <> 'string'
         or (v_ticket ->> 'id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        perform private.raise_invalid_field('ticket_type_not_found', 'That ticket type no longer exists. Reload the event and try again.',
          'ticket_types.id', jsonb_build_object('index', v_index, 'name', v_ticket_name));
      end if;
      v_keep := v_keep || (v_ticket ->> 'id')::uuid;
    end if;
  end loop;

  if v_event_id is null then
    -- 2a. A new draft with its ticket types.
    insert into public.events (organization_id, slug, name, description, venue, starts_at, status)
    values (p_organization_id, v_slug, v_name, v_description, v_venue, p_starts_at, 'draft')
    returning id into v_event_id;
  else
    -- 2b. The event (lock order level 5: a new order key-shares it before it takes its
    --     ticket types, so a slug change waits for checkouts under way or they wait for
    --     it), then the event's ticket types in id order (level 7).
    update public.events e
    set name = v_name, slug = v_slug, description = v_description, venue = v_venue, starts_at = p_starts_at
    where e.id = v_event_id and e.organization_id = p_organization_id;
    if not found then
      raise exception 'event_not_found' using errcode = 'P0001', hint = 'This event does not exist or was deleted.';
    end if;
    for v_existing in
      select t.id, t.name, t.sold from public.ticket_types t
      where t.event_id = v_event_id and t.organization_id = p_organization_id
      order by t.id
      for update
    loop
      null;
    end loop;

    -- Ticket types the form no longer lists go, unless someone bought them.
    for v_removed in
      select t.id, t.name, t.sold from public.ticket_types t
      where t.event_id = v_event_id and t.id <> all (v_keep)
      order by t.id
    loop
      if v_removed.sold > 0 or exists (select 1 from public.order_items i where i.ticket_type_id = v_removed.id) then
        perform private.raise_invalid_field('ticket_type_has_sales',
          'A ticket type that has orders cannot be removed; set its capacity to what was sold instead.',
          'ticket_types', jsonb_build_object('name', v_removed.name, 'sold', v_removed.sold));
      end if;
      delete from public.ticket_types t where t.id = v_removed.id;
    end loop;
  end if;

  -- 3. Ticket types as listed, in the listed order.
  for v_ticket, v_index in select t.value, t.ordinality::integer from jsonb_array_elements(p_ticket_types) with ordinality t loop
    v_ticket_name := btrim(v_ticket ->> 'name');
    if v_ticket ? 'id' and jsonb_typeof(v_ticket -> 'id') <> 'null' then
      select t.id, t.sold into v_existing
      from public.ticket_types t
      where t.id = (v_ticket ->> 'id')::uuid and t.event_id = v_event_id;
      if v_existing.id is null then
        perform private.raise_invalid_field('ticket_type_not_found', 'That ticket type no longer exists. Reload the event and try again.',
          'ticket_types.id', jsonb_build_object('index', v_index, 'name', v_ticket_name));
      end if;
      if (v_ticket ->> 'capacity')::integer < v_existing.sold then
        perform private.raise_invalid_field('capacity_below_sold',
          format('The capacity of %s cannot be lower than the %s tickets already sold.', v_ticket_name, v_existing.sold),
          'ticket_types.capacity', jsonb_build_object('index', v_index, 'name', v_ticket_name, 'sold', v_existing.sold));
      end if;
      update public.ticket_types t
      set name = v_ticket_name, price_minor = (v_ticket ->> 'price_minor')::bigint,
          capacity = (v_ticket ->> 'capacity')::integer, sort_order = v_index
      where t.id = v_existing.id;
    else
      insert into public.ticket_types (organization_id, event_id, name, price_minor, capacity, sort_order)
      values (p_organization_id, v_event_id, v_ticket_name, (v_ticket ->> 'price_minor')::bigint,
              (v_ticket ->> 'capacity')::integer, v_index);
    end if;
  end loop;
  return v_event_id;
end;
$$;

create or replace function public.save_promoter(
  p_organization_id uuid,
  p_promoter_id uuid,
  p_name text,
  p_promo_code text,
  p_email text,
  p_phone text,
  p_notes text,
  p_event_ids uuid[] default null,
  p_group_ids uuid[] default null,
  p_active_on_future_events boolean default null
)
returns uuid
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_promoter_id uuid := p_promoter_id;
  v_name text := btrim(coalesce(p_name, ''));
  v_code text := btrim(coalesce(p_promo_code, ''));
  v_email text := nullif(btrim(coalesce(p_email, '')), '');
  v_phone text := nullif(btrim(coalesce(p_phone, '')), '');
  v_notes text := nullif(btrim(coalesce(p_notes, '')), '');
begin
  perform private.require_member(p_organization_id);

  -- 1. Every field, before anything is written.
  if char_length(v_name) not between 1 and 120 then
    perform private.raise_invalid_field('invalid_name', 'The name must be 1 to 120 characters long.', 'name');
  end if;
  if v_code !~ private.promo_code_pattern() then
    perform private.raise_invalid_field('invalid_promo_code',
      'A promo code has 3 to 32 letters, digits, hyphens or underscores.', 'promo_code');
  end if;
  if v_email is not null and (char_length(v_email) > 254 or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+$') then
    perform private.raise_invalid_field('invalid_email', 'Enter an email address like name@example.com, or leave it empty.', 'email');
  end if;
  if char_length(v_phone) > 40 then
    perform private.raise_invalid_field('invalid_phone', 'The phone number can be at most 40 characters long.', 'phone');
  end if;
  if char_length(v_notes) > 2000 then
    perform private.raise_invalid_field('invalid_notes', 'Notes can be at most 2,000 characters long.', 'notes');
  end if;
  if cardinality(p_event_ids) > 1000 or exists (
    select 1 from unnest(p_event_ids) i
    where i is null or not exists (select 1 from public.events e where e.id = i and e.organization_id = p_organization_id)
  ) then
    perform private.raise_invalid_field('event_not_found', 'One of the chosen events no longer exists. Reload and try again.', 'event_ids');
  end if;
  if cardinality(p_group_ids) > 1000 or exists (
    select 1 from unnest(p_group_ids) i
    where i is null or not exists (select 1 from public.promoter_groups g where g.id = i and g.organization_id = p_organization_id)
  ) then
    perform private.raise_invalid_field('group_not_found', 'One of the chosen groups no longer exists. Reload and try again.', 'group_ids');
  end if;

  -- 2. The promoter (lock order level 2), then its links and groups.
  begin
    if v_promoter_id is null then
      insert into public.promoters (organization_id, name, promo_code, email, phone, notes, active_on_future_events)
      values (p_organization_id, v_name, v_code, v_email, v_phone, v_notes, coalesce(p_active_on_future_events, false))
      returning id into v_promoter_id;
    else
      update public.promoters p
      set name = v_name, promo_code = v_code, email = v_email, phone = v_phone, notes = v_notes,
          active_on_future_events = coalesce(p_active_on_future_events, p.active_on_future_events)
      where p.id = v_promoter_id and p.organization_id = p_organization_id;
      if not found then
        raise exception 'promoter_not_found' using errcode = 'P0001', hint = 'This promoter does not exist or was deleted.';
      end if;
    end if;
  exception when unique_violation then
    -- Two saves of the same new code at once: the unique index decided.
    raise exception 'promo_code_taken'
      using errcode = '23505', hint = 'Another promoter of this organization already uses this promo code.',
            detail = jsonb_build_object('field', 'promo_code')::text;
  end;

  if p_event_ids is not null then
    insert into public.event_promoters (organization_id, event_id, promoter_id, active)
    select p_organization_id, i, v_promoter_id, true from (select distinct unnest(p_event_ids) as i) ids
    on conflict (event_id, promoter_id) do update set active = true where not public.event_promoters.active;
    update public.event_promoters l set active = false
    where l.promoter_id = v_promoter_id and l.active and l.event_id <> all (p_event_ids);
  end if;
  if p_group_ids is not null then
    delete from public.promoter_group_members m
    where m.promoter_id = v_promoter_id and m.group_id <> all (p_group_ids);
    insert into public.promoter_group_members (organization_id, group_id, promoter_id)
    select p_organization_id, i, v_promoter_id from (select distinct unnest(p_group_ids) as i) ids
    on conflict (group_id, promoter_id) do nothing;
  end if;
  return v_promoter_id;
end;
$$;

create or replace function public.invite_member(p_organization_id uuid, p_email text, p_role text default 'member')
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_email text;
  v_token text := translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/=', '-_');
  v_invitation public.organization_invitations;
begin
  perform private.require_role(p_organization_id, array['owner', 'admin']);
  if p_role is null or p_role not in ('admin', 'member') then
    raise exception 'invalid_role'
      using errcode = 'P0001', hint = 'Invite as admin or member; an owner makes someone an owner once they have joined.';
  end if;
  v_email := lower(btrim(coalesce(p_email, '')));
  if char_length(v_email) > 254 or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' then
    raise exception 'invalid_email' using errcode = 'P0001', hint = 'Enter one email address, such as name@example.com.';
  end if;
  if exists (
    select 1 from public.organization_members m join auth.users u on u.id = m.user_id
    where m.organization_id = p_organization_id and lower(u.email) = v_email
  ) then
    raise exception 'already_member' using errcode = 'P0001', hint = 'This person already belongs to the organization.';
  end if;

  insert into public.organization_invitations as i (organization_id, email, role, token_hash, invited_by)
  values (p_organization_id, v_email, p_role::public.organization_role, private.invitation_token_hash(v_token), (select auth.uid()))
  on conflict (organization_id, email) where accepted_at is null and revoked_at is null do update
    set role = excluded.role, token_hash = excluded.token_hash, invited_by = excluded.invited_by,
        created_at = now(), expires_at = now() + interval '7 days'
  returning * into v_invitation;

  return jsonb_build_object(
    'id', v_invitation.id, 'token', v_token, 'email', v_invitation.email,
    'role', v_invitation.role, 'expires_at', v_invitation.expires_at
  );
end;
$$;

create or replace function public.invitation_preview(p_token text)
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_client bytea := private.client_key();
  v_preview jsonb;
begin
  if private.invitation_guessing_blocked(v_client) then
    return null;
  end if;
  if private.is_invitation_token(p_token) then
    select jsonb_build_object(
             'organization_name', o.name,
             'role', i.role,
             'email', i.email,
             'invited_by', coalesce(nullif(btrim(u.raw_user_meta_data ->> 'full_name'), ''), u.email),
             'expires_at', i.expires_at)
      into v_preview
    from public.organization_invitations i
    join public.organizations o on o.id = i.organization_id
    left join auth.users u on u.id = i.invited_by
    where i.token_hash = private.invitation_token_hash(p_token)
      and i.accepted_at is null and i.revoked_at is null and i.expires_at > now();
  end if;
  if v_preview is null then
    perform private.count_miss(v_client, 'invitation_miss');
  end if;
  return v_preview;
end;
$$;

create or replace function public.accept_invitation(p_token text)
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_client bytea;
  v_user_email text;
  v_confirmed boolean;
  v_invitation public.organization_invitations;
  v_inserted integer;
begin
  if v_user is null then
    perform private.raise_not_authorized();
  end if;
  v_client := private.client_key();
  if private.invitation_guessing_blocked(v_client) then
    raise exception 'too_many_attempts'
      using errcode = 'PT429', hint = 'Too many invitation links were tried from this connection; try again in a minute.';
  end if;
  if private.is_invitation_token(p_token) then
    -- The row lock makes accepting single-use: a second accept waits, then sees it used.
    select * into v_invitation from public.organization_invitations i
    where i.token_hash = private.invitation_token_hash(p_token)
    for update;
  end if;
  if v_invitation.id is null then
    -- Counted, so no error is raised (it would undo the count): null means "no such link".
    perform private.count_miss(v_client, 'invitation_miss');
    return null;
  end if;

  if v_invitation.revoked_at is not null then
    raise exception 'invitation_revoked'
      using errcode = 'P0001', hint = 'This invitation was revoked. Ask the organization for a new one.';
  end if;
  if v_invitation.accepted_at is not null then
    raise exception 'invitation_already_accepted'
      using errcode = 'P0001', hint = 'This invitation link was already used.';
  end if;
  if v_invitation.expires_at <= now() then
    raise exception 'invitation_expired'
      using errcode = 'P0001', hint = 'Invitation links are valid for 7 days. Ask the organization for a new one.';
  end if;
  select lower(u.email), u.email_confirmed_at is not null into v_user_email, v_confirmed
  from auth.users u where u.id = v_user;
  if v_user_email is distinct from v_invitation.email then
    raise exception 'invitation_email_mismatch'
      using errcode = 'P0001', hint = 'Sign in with the email address the invitation was sent to.';
  end if;
  if not v_confirmed then
    raise exception 'email_not_confirmed'
      using errcode = 'P0001', hint = 'Confirm your email address first, then open the invitation again.';
  end if;

  -- Already a member (for example through an earlier invitation): the role stays as it is.
  insert into public.organization_members (organization_id, user_id, role)
  values (v_invitation.organization_id, v_user, v_invitation.role)
  on conflict (organization_id, user_id) do nothing;
  get diagnostics v_inserted = row_count;
  update public.organization_invitations
  set accepted_at = now(), accepted_by = v_user
  where id = v_invitation.id;

  return jsonb_build_object(
    'organization_id', v_invitation.organization_id,
    'role', (select m.role from public.organization_members m where m.organization_id = v_invitation.organization_id and m.user_id = v_user),
    'already_member', v_inserted = 0
  );
end;
$$;

create or replace function public.organization_member_list(p_organization_id uuid)
returns table (user_id uuid, email text, role public.organization_role, joined_at timestamptz)
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform private.require_member(p_organization_id);
  return query
    select m.user_id, u.email::text, m.role, m.created_at
    from public.organization_members m
    join auth.users u on u.id = m.user_id
    where m.organization_id = p_organization_id
    order by case m.role when 'owner' then 0 when 'admin' then 1 else 2 end, lower(u.email);
end;
$$;

create or replace function public.list_orders(
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
language plpgsql stable security definer set search_path = '' set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_search text := nullif(btrim(left(p_search, 200)), '');
  v_pattern text := private.like_pattern(p_search);
  v_limit integer := least(greatest(coalesce(p_limit, 50), 1), 1000);
  v_after_created_at timestamptz;
begin
  perform private.require_member(p_organization_id);
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

create or replace function public.order_detail(p_order_id uuid)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_order public.orders;
  v_attribution public.attributions;
  v_reason text;
  v_result jsonb;
begin
  select * into v_order from public.orders o where o.id = p_order_id;
  if v_order.id is null or not private.is_member(v_order.organization_id) then
    raise exception 'order_not_found' using errcode = 'P0001', hint = 'This order does not exist.';
  end if;
  select * into v_attribution from public.attributions a where a.order_id = v_order.id;

  -- Why the order is credited to nobody, when that is known.
  v_reason := case
    when v_attribution.id is not null then null
    when v_order.attribution_outcome in ('attributed', 'referral_code') then 'promoter_deleted'
    when v_order.attribution_outcome = 'unknown_link' then 'promoter_deleted'
    else v_order.attribution_outcome
  end;

  select jsonb_build_object(
    'id', v_order.id,
    'organization_id', v_order.organization_id,
    'reference', v_order.reference,
    'status', v_order.status,
    'created_at', v_order.created_at,
    'refunded_at', v_order.refunded_at,
    'buyer_name', v_order.buyer_name,
    'buyer_email', v_order.buyer_email,
    'currency', v_order.currency,
    'total_minor', v_order.total_minor,
    'ticket_count', v_order.ticket_count,
    'event', (select jsonb_build_object('id', e.id, 'name', e.name, 'slug', e.slug) from public.events e where e.id = v_order.event_id),
    'items', coalesce((
      select jsonb_agg(jsonb_build_object('name', t.name, 'quantity', i.quantity, 'unit_price_minor', i.unit_price_minor)
                       order by t.sort_order, t.name, i.ticket_type_id)
      from public.order_items i join public.ticket_types t on t.id = i.ticket_type_id
      where i.order_id = v_order.id
    ), '[]'::jsonb),
    'attribution', case when v_attribution.id is null then null else (
      select jsonb_build_object(
        'promoter_id', p.id, 'promoter_name', p.name, 'promo_code', p.promo_code,
        'visit_id', v.id, 'visited_at', v.visited_at, 'event_id', v_attribution.event_id,
        'source', v_attribution.source, 'self_referral', v_attribution.self_referral,
        'counted', v_order.status = 'paid' and (not v_attribution.self_referral or private.self_referral_drop(v_order.organization_id) = 0)
      )
      from public.promoters p left join public.promoter_visits v on v.id = v_attribution.visit_id
      where p.id = v_attribution.promoter_id
    ) end,
    'unattributed_reason', v_reason,
    -- Every link this browser session opened in the organization up to the purchase,
    -- oldest first; the credited one is marked.
    'session_visits', coalesce((
      select jsonb_agg(jsonb_build_object(
        'visit_id', v.id, 'visited_at', v.visited_at, 'event_id', v.event_id, 'event_name', e.name,
        'promoter_id', p.id, 'promoter_name', p.name, 'promo_code', p.promo_code, 'source', v.source,
        'credited', v.id = v_attribution.visit_id,
        'sent_with_order', v.id = v_order.attribution_visit_id
      ) order by v.visited_at, v.id)
      from public.promoter_visits v
      join public.promoters p on p.id = v.promoter_id
      join public.events e on e.id = v.event_id
      where v_order.attribution_session_id is not null
        and v.session_id = v_order.attribution_session_id
        and v.organization_id = v_order.organization_id
        and v.visited_at <= v_order.created_at
    ), '[]'::jsonb),
    'can_refund', v_order.status = 'paid' and private.has_role(v_order.organization_id, array['owner', 'admin'])
  ) into v_result;
  return v_result;
end;
$$;
comment on function public.order_detail(uuid) is
  'An order of the caller''s organization (members) with its event, items, buyer, the attribution (promoter, promo code, source: link, qr or referral_code, and the visit and when it happened; visit_id and visited_at are null for a referral code; self_referral: the buyer''s email was the promoter''s; counted: whether the credit counts toward the promoter''s figures now, false once the order is refunded and for a self-referral while the organization leaves them out), the reason it is credited to nobody when known (no_link, other_event, promoter_inactive, visit_limit, expired, invalid_referral_code, promoter_deleted; null when credited or not recorded), the links the same browser session opened before buying (session_visits, each with its source, the credited one marked), and whether the caller may refund it. Errors: order_not_found.';

create or replace function private.authorize_portal_change(p_promoter_id uuid)
returns uuid
language plpgsql volatile set search_path = ''
as $$
declare
  v_organization_id uuid;
begin
  select p.organization_id into v_organization_id
  from public.promoters p
  where p.id = p_promoter_id
  for key share;
  perform private.require_member(v_organization_id);
  return v_organization_id;
end;
$$;

create or replace function public.promoter_portal_status(p_promoter_id uuid)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_status jsonb;
begin
  perform private.require_promoter_member(p_promoter_id);
  select jsonb_build_object('enabled', pp.enabled, 'rotated_at', pp.rotated_at) into v_status
  from private.promoter_portals pp where pp.promoter_id = p_promoter_id;
  return coalesce(v_status, jsonb_build_object('enabled', false, 'rotated_at', null));
end;
$$;

create or replace function public.set_portal_settings(p_organization_id uuid, p_show_revenue boolean, p_show_rank boolean)
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_settings jsonb;
begin
  perform private.require_role(p_organization_id, array['owner', 'admin']);
  update public.organizations o
  set portal_show_revenue = coalesce(p_show_revenue, o.portal_show_revenue),
      portal_show_rank = coalesce(p_show_rank, o.portal_show_rank)
  where o.id = p_organization_id
  returning jsonb_build_object('portal_show_revenue', o.portal_show_revenue, 'portal_show_rank', o.portal_show_rank)
  into v_settings;
  return v_settings;
end;
$$;

create or replace function public.portal_view(p_secret text)
returns jsonb
language plpgsql volatile security definer set search_path = ''
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
    perform private.count_miss(v_client, 'portal_miss');
    return null;
  end if;

  select * into v_promoter from public.promoters p where p.id = v_portal.promoter_id;
  select * into v_organization from public.organizations o where o.id = v_portal.organization_id;
  v_drop := private.self_referral_drop(v_organization.id);

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

create or replace function public.set_attribution_settings(
  p_organization_id uuid,
  p_attribution_window_days integer,
  p_referral_code_at_checkout boolean
)
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
begin
  perform private.require_role(p_organization_id, array['owner', 'admin']);
  if p_attribution_window_days is not null
     and p_attribution_window_days not between 1 and private.max_attribution_window_days() then
    raise exception 'invalid_attribution_window'
      using errcode = 'P0001',
            hint = format('Choose this browser session, or 1 to %s days.', private.max_attribution_window_days());
  end if;
  if p_referral_code_at_checkout is null then
    raise exception 'invalid_referral_code_setting'
      using errcode = 'P0001', hint = 'Say whether the checkout page asks for a referral code.';
  end if;
  update public.organizations o
  set attribution_window_days = p_attribution_window_days, referral_code_at_checkout = p_referral_code_at_checkout
  where o.id = p_organization_id;
  -- The trigger copies the organization's (now updated) values.
  update public.events e
  set attribution_window_days = p_attribution_window_days, referral_code_at_checkout = p_referral_code_at_checkout
  where e.organization_id = p_organization_id
    and (e.attribution_window_days is distinct from p_attribution_window_days
         or e.referral_code_at_checkout is distinct from p_referral_code_at_checkout);
  return jsonb_build_object('attribution_window_days', p_attribution_window_days,
                            'referral_code_at_checkout', p_referral_code_at_checkout);
end;
$$;

create or replace function public.track_promoter_visit(
  p_event_slug text,
  p_promo_code text,
  p_session_id uuid,
  p_source public.visit_source default 'link'
)
returns text
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_client bytea;
  v_event_id uuid;
  v_organization_id uuid;
  v_promoter_id uuid;
  v_allowance private.visit_allowances;
  v_visit_id uuid;
  v_token text;
begin
  -- Anything that cannot be a real link is ignored silently: the page never changes.
  if p_session_id is null
     or p_event_slug is null or char_length(p_event_slug) > 80
     or p_promo_code is null or char_length(p_promo_code) > 32 or p_promo_code !~ private.promo_code_pattern() then
    return null;
  end if;

  -- A client that keeps asking about codes that are not live links gets null for every
  -- code until the minute is over: the answer looks like the one for an unknown code.
  v_client := private.client_key();
  if v_client is not null
     and private.client_limit_reached(v_client, 'visit_miss', private.visit_misses_per_client_minute()) then
    return null;
  end if;

  -- The code may be one the promoter had before: printed links keep working.
  select e.id, e.organization_id, p.id into v_event_id, v_organization_id, v_promoter_id
  from public.events e
  join public.promoters p on p.id = private.promoter_for_code(e.organization_id, p_promo_code)
  join public.event_promoters ep on ep.promoter_id = p.id and ep.event_id = e.id and ep.active
  where e.slug = p_event_slug and e.status = 'published';
  if v_promoter_id is null then
    perform private.count_miss(v_client, 'visit_miss');
    return null;
  end if;

  -- The organization's own people opening a link are not visitors.
  if private.is_member(v_organization_id) then
    return null;
  end if;

  -- The same session again: its own token, whatever the bounds.
  select v.token into v_token
  from public.promoter_visits v
  where v.event_id = v_event_id and v.promoter_id = v_promoter_id and v.session_id = p_session_id;
  if v_token is not null then
    return v_token;
  end if;

  -- Level 1: this client's allowance for the link today. Beyond it, a new session of
  -- the same client shares the client's latest visit (so a buyer behind a shared
  -- address is still attributed) and the visit count does not move.
  if v_client is not null then
    perform private.prune_client_counters();
    insert into private.visit_allowances as a (event_id, promoter_id, client_key, day)
    values (v_event_id, v_promoter_id, v_client, (now() at time zone 'utc')::date)
    on conflict (event_id, promoter_id, client_key, day) do update set visits = a.visits
    returning * into v_allowance;
    if v_allowance.visits >= private.visits_per_client_link_day() then
      select v.token into v_token from public.promoter_visits v where v.id = v_allowance.last_visit_id;
      return v_token;
    end if;
  end if;

  -- Level 2: the key-share lock keeps a concurrent confirm_promoter_deletion() from
  -- removing the promoter before the insert below (which would fail its foreign key);
  -- a deletion already under way makes this wait and then find no live link.
  perform 1
  from public.promoters p
  join public.event_promoters ep on ep.promoter_id = p.id and ep.event_id = v_event_id and ep.active
  where p.id = v_promoter_id
  for key share of p;
  if not found then
    return null;
  end if;

  insert into public.promoter_visits (organization_id, event_id, promoter_id, session_id, token, source)
  values (v_organization_id, v_event_id, v_promoter_id, p_session_id, private.random_token(), coalesce(p_source, 'link'))
  on conflict (event_id, promoter_id, session_id) do nothing
  returning id, token into v_visit_id, v_token;

  if v_visit_id is null then
    -- The same session raced itself; the first call's visit stands.
    select v.token into v_token
    from public.promoter_visits v
    where v.event_id = v_event_id and v.promoter_id = v_promoter_id and v.session_id = p_session_id;
    return v_token;
  end if;

  if v_client is not null then
    update private.visit_allowances a
    set visits = a.visits + 1, last_visit_id = v_visit_id
    where a.event_id = v_event_id and a.promoter_id = v_promoter_id and a.client_key = v_client
      and a.day = v_allowance.day;
  end if;
  return v_token;
end;
$$;

create or replace function public.check_referral_code(p_event_slug text, p_referral_code text)
returns boolean
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_client bytea;
  v_code text := nullif(btrim(p_referral_code), '');
  v_found boolean;
begin
  v_client := private.client_key();
  if v_client is not null
     and private.client_limit_reached(v_client, 'visit_miss', private.visit_misses_per_client_minute()) then
    raise exception 'too_many_referral_code_attempts'
      using errcode = 'PT429', hint = 'Too many referral codes tried from this connection; try again in a minute.';
  end if;
  if p_event_slug is null or char_length(p_event_slug) > 80
     or v_code is null or char_length(v_code) > 32 or v_code !~ private.promo_code_pattern() then
    v_found := false;
  else
    select exists (
      select 1
      from public.events e
      join public.event_promoters ep on ep.event_id = e.id and ep.active
        and ep.promoter_id = private.promoter_for_code(e.organization_id, v_code)
      where e.slug = p_event_slug and e.status = 'published' and e.referral_code_at_checkout
    ) into v_found;
  end if;
  if not v_found then
    perform private.count_miss(v_client, 'visit_miss');
  end if;
  return v_found;
end;
$$;

create or replace function public.promoter_source_split(p_promoter_id uuid)
returns table (
  source public.attribution_source,
  visits bigint,
  orders bigint,
  tickets bigint,
  revenue_minor bigint
)
language plpgsql stable security definer set search_path = ''
as $$
#variable_conflict use_column
begin
  perform private.require_promoter_member(p_promoter_id);
  return query
  select s.source,
         coalesce((select count(*) from public.promoter_visits v
                   where v.promoter_id = p_promoter_id and v.source::text = s.source::text), 0)::bigint,
         coalesce(x.orders, 0)::bigint, coalesce(x.tickets, 0)::bigint, coalesce(x.revenue_minor, 0)::bigint
  from unnest(enum_range(null::public.attribution_source)) as s(source)
  left join (
    select a.source, count(*) as orders, sum(o.ticket_count) as tickets, sum(o.total_minor) as revenue_minor
    from public.attributions a
    join public.orders o on o.id = a.order_id and o.status = 'paid'
    where a.promoter_id = p_promoter_id
    group by a.source
  ) x on x.source = s.source
  order by s.source;
end;
$$;

create or replace function public.import_promoters(p_organization_id uuid, p_rows jsonb, p_dry_run boolean default false)
returns jsonb
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_count integer;
  v_row jsonb;
  v_index integer;
  v_entry jsonb;
  v_explicit text[] := '{}'::text[];
  v_used text[] := '{}'::text[];
  v_report jsonb := '[]'::jsonb;
  v_bad_rows integer := 0;
  v_new_groups text[];
begin
  perform private.require_member(p_organization_id);
  if p_rows is null or jsonb_typeof(p_rows) <> 'array' or jsonb_array_length(p_rows) = 0 then
    raise exception 'invalid_import_rows'
      using errcode = 'P0001', hint = 'The import needs a list of rows with at least one promoter.';
  end if;
  v_count := jsonb_array_length(p_rows);
  if v_count > private.max_import_rows() then
    raise exception 'import_too_large'
      using errcode = 'P0001', hint = format('One import takes at most %s promoters; this one has %s.', private.max_import_rows(), v_count),
            detail = jsonb_build_object('max', private.max_import_rows(), 'rows', v_count)::text;
  end if;

  -- 1. The explicit codes of the file, locked in text order before anyone's row is
  --    checked, so that whether a code is taken cannot change until this commits.
  select coalesce(array_agg(c order by c), '{}'::text[]) into v_explicit
  from (
    select distinct lower(btrim(r.value ->> 'promo_code')) as c
    from jsonb_array_elements(p_rows) r
    where jsonb_typeof(r.value) = 'object' and jsonb_typeof(r.value -> 'promo_code') = 'string'
      and btrim(r.value ->> 'promo_code') ~ private.promo_code_pattern()
  ) codes;
  if not p_dry_run then
    perform pg_advisory_xact_lock(private.promo_code_lock_key(p_organization_id, c)) from unnest(v_explicit) c order by c;
  end if;

  -- 2. Every row, every field; nothing is written yet.
  for v_row, v_index in select r.value, r.ordinality::integer from jsonb_array_elements(p_rows) with ordinality r loop
    v_entry := private.import_checked_row(p_organization_id, v_row, v_index, v_explicit, v_used, p_dry_run);
    if (v_entry ->> 'promo_code') ~ private.promo_code_pattern() then
      v_used := v_used || lower(v_entry ->> 'promo_code');
    end if;
    if jsonb_array_length(v_entry -> 'errors') > 0 then
      v_bad_rows := v_bad_rows + 1;
    end if;
    v_report := v_report || v_entry;
  end loop;

  select coalesce(array_agg(n order by lower(n)), '{}'::text[]) into v_new_groups
  from (
    select distinct on (lower(g)) g as n
    from jsonb_array_elements(v_report) r, jsonb_array_elements_text(r -> 'groups') g
    where not exists (select 1 from public.promoter_groups pg where pg.organization_id = p_organization_id and lower(pg.name) = lower(g))
    order by lower(g), g
  ) missing;

  if p_dry_run then
    return jsonb_build_object('rows', v_report, 'rows_with_errors', v_bad_rows, 'new_groups', to_jsonb(v_new_groups), 'imported', 0);
  end if;
  if v_bad_rows > 0 then
    raise exception 'import_refused'
      using errcode = 'P0001',
            hint = format('Nothing was imported: %s of %s rows have errors.', v_bad_rows, v_count),
            detail = jsonb_build_object('rows', (
              select jsonb_agg(jsonb_build_object('row', r -> 'row', 'errors', r -> 'errors') order by (r ->> 'row')::integer)
              from jsonb_array_elements(v_report) r where jsonb_array_length(r -> 'errors') > 0))::text;
  end if;

  -- 3. Writes: missing groups in name order, then each promoter with its groups.
  perform private.import_write_rows(p_organization_id, v_report, v_new_groups);

  return jsonb_build_object('rows', v_report, 'rows_with_errors', 0, 'new_groups', to_jsonb(v_new_groups), 'imported', v_count);
end;
$$;

create or replace function public.bulk_activate_promoters(p_organization_id uuid, p_event_id uuid, p_promoter_ids uuid[])
returns jsonb
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_wanted integer;
  v_locked uuid[];
  v_event_name text;
  v_already integer;
  v_activated integer;
begin
  perform private.require_member(p_organization_id);
  select count(distinct i) into v_wanted from unnest(p_promoter_ids) i where i is not null;
  if p_promoter_ids is null or v_wanted = 0 or cardinality(p_promoter_ids) > 1000
     or exists (select 1 from unnest(p_promoter_ids) i where i is null) then
    perform private.raise_invalid_field('invalid_promoter_ids', 'Choose 1 to 1,000 promoters.', 'promoter_ids');
  end if;

  -- Level 2: the promoters, in id order; one deleted meanwhile is not found.
  select coalesce(array_agg(l.id), '{}'::uuid[]) into v_locked
  from (
    select p.id from public.promoters p
    where p.organization_id = p_organization_id and p.id = any (p_promoter_ids)
    order by p.id
    for key share
  ) l;
  if cardinality(v_locked) <> v_wanted then
    perform private.raise_invalid_field('promoter_not_found',
      'One of the chosen promoters no longer exists. Reload and try again.', 'promoter_ids');
  end if;

  select e.name into v_event_name
  from public.events e
  where e.id = p_event_id and e.organization_id = p_organization_id
  for key share;
  if v_event_name is null then
    perform private.raise_invalid_field('event_not_found', 'This event does not exist or was deleted.', 'event_id');
  end if;

  select count(*) into v_already
  from public.event_promoters l
  where l.event_id = p_event_id and l.promoter_id = any (v_locked) and l.active;

  insert into public.event_promoters (organization_id, event_id, promoter_id, active)
  select p_organization_id, p_event_id, i, true from unnest(v_locked) i order by i
  on conflict (event_id, promoter_id) do update set active = true where not public.event_promoters.active;
  get diagnostics v_activated = row_count;

  return jsonb_build_object('activated', v_activated, 'already_active', v_already, 'event_name', v_event_name);
end;
$$;

create or replace function public.set_self_referral_setting(p_organization_id uuid, p_count_self_referrals boolean)
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_settings jsonb;
begin
  perform private.require_role(p_organization_id, array['owner', 'admin']);
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

-- The rollup triggers of visits and attributions name their transition table
-- changed_rows for insert and delete alike, so that one query serves both.
drop trigger promoter_visits_rollup_insert on public.promoter_visits;
drop trigger promoter_visits_rollup_delete on public.promoter_visits;
create trigger promoter_visits_rollup_insert after insert on public.promoter_visits
  referencing new table as changed_rows for each statement execute function private.rollup_visits();
create trigger promoter_visits_rollup_delete after delete on public.promoter_visits
  referencing old table as changed_rows for each statement execute function private.rollup_visits();
drop trigger attributions_rollup_insert on public.attributions;
drop trigger attributions_rollup_delete on public.attributions;
create trigger attributions_rollup_insert after insert on public.attributions
  referencing new table as changed_rows for each statement execute function private.rollup_attributions();
create trigger attributions_rollup_delete after delete on public.attributions
  referencing old table as changed_rows for each statement execute function private.rollup_attributions();

drop function private.count_invitation_miss(bytea);
