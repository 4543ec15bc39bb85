-- Hot on-sale: the ticket-type row lock taken last, and one helper per rollup.
--
-- When a popular event goes on sale, every buyer of one ticket type updates the same
-- ticket_types row. Its row lock is the queue that guarantees no overselling, and a
-- checkout held it from its availability check through the order, its items, the
-- attribution, the rollup triggers and the realtime message until commit: tens of
-- statements per buyer, one buyer at a time. Now:
--
-- * checkout() reads prices and availability without locking, writes the order, its
--   items and its attribution first, and takes the ticket types last, each with one
--   conditional update (`sold = sold + n where sold + n <= capacity and the price is
--   the one charged`). The hot row is held for that one statement and the commit. A
--   refusal there (sold out meanwhile, price changed) raises and rolls back everything
--   the checkout wrote. Availability is still checked first, unlocked, so a sold-out
--   ticket type refuses buyers before any write.
-- * refund_order() takes its ticket types last as well, after the order's update and
--   the rollups it changes.
-- * Lock order (docs/decisions/008-lock-order.md, amended by 020): ticket types move
--   from level 5 to the end, after the new order and the rollups. Nothing else locks
--   ticket types together with rollups (save_event() locks ticket types only).
-- * The rollup arithmetic the triggers of 20261124150500_performance.sql repeated five
--   times is one helper per rollup family: private.add_to_promoter_rollups() (daily
--   rows, then the promoter totals, each in key order) and private.add_to_event_stats()
--   (event_stats shards in (event_id, shard) order). The triggers only say what
--   changed; private.rebuild_rollups() stays the one from-scratch definition.

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

-- checkout: the ticket types last ---------------------------------------------------------------------
create or replace function public.checkout(
  p_event_slug text,
  p_items jsonb,
  p_buyer_name text,
  p_buyer_email text,
  p_idempotency_key uuid,
  p_attribution_token text default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_name text;
  v_email text;
  v_item jsonb;
  v_ids uuid[] := array[]::uuid[];
  v_quantities integer[] := array[]::integer[];
  v_quantity numeric;
  v_total_quantity integer := 0;
  v_lines jsonb;
  v_event public.events;
  v_ticket record;
  v_prices bigint[] := array[]::bigint[];
  v_index integer;
  v_total bigint := 0;
  v_order_id uuid;
  v_replay jsonb;
  v_client bytea;
  v_calls integer;
  v_seen_visit_id uuid;
  v_seen_promoter_id uuid;
  v_seen_event_id uuid;
  v_seen_session_id uuid;
  v_seen_active boolean;
  v_visit_id uuid;
  v_outcome text := 'no_link';
begin
  -- 1. Validate every argument before touching any row. Length checks come first so a
  --    huge string is refused without further work.
  if p_idempotency_key is null then
    raise exception 'invalid_idempotency_key'
      using errcode = 'P0001', hint = 'Every checkout needs an idempotency key (a uuid chosen by the client).';
  end if;
  if p_buyer_name is null or char_length(p_buyer_name) > 1000 then
    raise exception 'invalid_buyer_name' using errcode = 'P0001', hint = 'Please enter a name of 1 to 200 characters.';
  end if;
  v_name := btrim(regexp_replace(p_buyer_name, '[[:space:]]+', ' ', 'g'));
  if char_length(v_name) not between 1 and 200 then
    raise exception 'invalid_buyer_name' using errcode = 'P0001', hint = 'Please enter a name of 1 to 200 characters.';
  end if;
  if p_buyer_email is null or char_length(p_buyer_email) > 1000 then
    raise exception 'invalid_buyer_email' using errcode = 'P0001', hint = 'Please enter a valid email address.';
  end if;
  v_email := btrim(p_buyer_email);
  if char_length(v_email) > 254
     or v_email !~ '^[^@[:space:][:cntrl:]]{1,64}@[^@[:space:][:cntrl:].]+(\.[^@[:space:][:cntrl:].]+)+$' then
    raise exception 'invalid_buyer_email' using errcode = 'P0001', hint = 'Please enter a valid email address.';
  end if;

  if p_items is null or jsonb_typeof(p_items) <> 'array'
     or jsonb_array_length(p_items) not between 1 and 20 then
    raise exception 'invalid_items'
      using errcode = 'P0001', hint = 'Choose at least one ticket (at most 20 different ticket types per order).';
  end if;
  for v_item in select value from jsonb_array_elements(p_items) loop
    if jsonb_typeof(v_item) <> 'object'
       or jsonb_typeof(v_item -> 'ticket_type_id') is distinct from 'string'
       or (v_item ->> 'ticket_type_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      raise exception 'invalid_items'
        using errcode = 'P0001', hint = 'Each order line needs a ticket type and a quantity.';
    end if;
    if jsonb_typeof(v_item -> 'quantity') is distinct from 'number' then
      raise exception 'invalid_quantity'
        using errcode = 'P0001', hint = 'Choose between 1 and 50 tickets of each type, and at most 100 per order.';
    end if;
    v_quantity := (v_item ->> 'quantity')::numeric;
    if v_quantity <> trunc(v_quantity) or v_quantity < 1 or v_quantity > 50 then
      raise exception 'invalid_quantity'
        using errcode = 'P0001', hint = 'Choose between 1 and 50 tickets of each type, and at most 100 per order.',
              detail = format('ticket_type_id=%s', v_item ->> 'ticket_type_id');
    end if;
    if ((v_item ->> 'ticket_type_id')::uuid) = any (v_ids) then
      raise exception 'invalid_items'
        using errcode = 'P0001', hint = 'Each ticket type may appear only once in an order.',
              detail = format('ticket_type_id=%s', v_item ->> 'ticket_type_id');
    end if;
    v_ids := v_ids || (v_item ->> 'ticket_type_id')::uuid;
    v_quantities := v_quantities || v_quantity::integer;
    v_total_quantity := v_total_quantity + v_quantity::integer;
  end loop;
  if v_total_quantity > 100 then
    raise exception 'invalid_quantity'
      using errcode = 'P0001', hint = 'Choose between 1 and 50 tickets of each type, and at most 100 per order.';
  end if;
  select jsonb_agg(jsonb_build_object('ticket_type_id', l.id, 'quantity', l.quantity) order by l.id)
    into v_lines
  from unnest(v_ids, v_quantities) as l(id, quantity);

  -- 2. The event must exist, be published and not be over.
  if p_event_slug is not null and char_length(p_event_slug) <= 80 then
    select * into v_event from public.events e where e.slug = p_event_slug and e.status <> 'draft';
  end if;
  if v_event.id is null then
    raise exception 'event_not_found' using errcode = 'P0001', hint = 'This event does not exist or is not on sale.';
  end if;

  -- 3. A retry with the same key returns the order it created.
  v_replay := private.replay_order(p_idempotency_key, v_event.id, v_lines, v_name, v_email);
  if v_replay is not null then
    return v_replay;
  end if;

  if v_event.status <> 'published' or coalesce(v_event.ends_at, v_event.starts_at) < now() then
    raise exception 'event_not_on_sale' using errcode = 'P0001', hint = 'Tickets for this event are no longer on sale.';
  end if;

  -- 4. Level 1: the client's checkout allowance. The counter row lock also lines up this
  --    client's concurrent checkouts, so a twin with the same key that committed while
  --    this one waited is seen below and answered without counting.
  v_client := private.client_key();
  if v_client is not null then
    perform private.prune_client_counters();
    v_calls := private.count_client_call(v_client, 'checkout');
    v_replay := private.replay_order(p_idempotency_key, v_event.id, v_lines, v_name, v_email);
    if v_replay is not null then
      update private.client_rate_counters c set hits = c.hits - 1
      where c.client_key = v_client and c.bucket = 'checkout' and c.window_start = date_trunc('minute', now());
      return v_replay;
    end if;
    if v_calls > private.checkouts_per_client_minute() then
      raise exception 'too_many_checkouts'
        using errcode = 'PT429',
              hint = format('At most %s orders per minute from one connection; try again in a minute.', private.checkouts_per_client_minute());
    end if;
  end if;

  -- 5. Levels 2 and 3: the promoter of the attribution token's visit (key share, so a
  --    deletion either finishes first or waits for this order), then, if the visit can
  --    credit this order, the visit itself (for update, so concurrent orders with one
  --    token count its credits one at a time). Both come before any ticket type, order
  --    or rollup row. The same read tells why a token does not count (a link of another
  --    event, a deactivated link); the buyer never notices either way.
  if p_attribution_token is not null then
    v_outcome := 'unknown_link';
    if char_length(p_attribution_token) <= 64 then
      select v.id, v.promoter_id, v.event_id, v.session_id, coalesce(ep.active, false)
        into v_seen_visit_id, v_seen_promoter_id, v_seen_event_id, v_seen_session_id, v_seen_active
      from public.promoter_visits v
      join public.promoters p on p.id = v.promoter_id
      left join public.event_promoters ep on ep.event_id = v.event_id and ep.promoter_id = v.promoter_id
      where v.token = p_attribution_token and v.organization_id = v_event.organization_id
      for key share of p;
      if v_seen_visit_id is not null then
        if v_seen_event_id <> v_event.id then
          v_outcome := 'other_event';
        elsif not v_seen_active then
          v_outcome := 'promoter_inactive';
        else
          perform 1 from public.promoter_visits v where v.id = v_seen_visit_id for update;
          if not found then
            v_outcome := 'unknown_link';
          elsif (select count(*) from public.attributions a where a.visit_id = v_seen_visit_id)
                >= private.attributed_orders_per_visit() then
            v_outcome := 'visit_limit';
          else
            v_outcome := 'attributed';
            v_visit_id := v_seen_visit_id;
          end if;
        end if;
      end if;
    end if;
  end if;

  -- 6. Prices and availability, read without locking: a ticket type that is not this
  --    event's, or already sold out, is refused before anything is written. Step 9
  --    checks both again under the row lock.
  for i in 1 .. cardinality(v_ids) loop
    select t.id, t.name, t.capacity, t.sold, t.price_minor into v_ticket
    from public.ticket_types t where t.id = v_ids[i] and t.event_id = v_event.id;
    if v_ticket.id is null then
      raise exception 'ticket_type_not_found'
        using errcode = 'P0001', hint = 'One of the chosen ticket types is not available for this event.';
    end if;
    if v_ticket.sold + v_quantities[i] > v_ticket.capacity then
      raise exception 'sold_out'
        using errcode = 'P0001',
              hint = format('Not enough tickets left for %s: %s available.', v_ticket.name, greatest(v_ticket.capacity - v_ticket.sold, 0)),
              detail = json_build_object('ticket_type_id', v_ticket.id, 'name', v_ticket.name,
                                         'available', greatest(v_ticket.capacity - v_ticket.sold, 0))::text;
    end if;
    v_prices := v_prices || v_ticket.price_minor;
    v_total := v_total + v_ticket.price_minor * v_quantities[i];
  end loop;

  -- 7. Level 6: write the order (its rollup trigger locks an event_stats shard), with
  --    what step 5 found. A concurrent twin that got there first wins the unique key.
  loop
    begin
      insert into public.orders (organization_id, event_id, reference, buyer_name, buyer_email, currency,
                                 total_minor, ticket_count, status, idempotency_key,
                                 attribution_outcome, attribution_visit_id, attribution_session_id)
      values (v_event.organization_id, v_event.id, private.random_order_reference(), v_name, v_email,
              v_event.currency, v_total, v_total_quantity, 'paid', p_idempotency_key,
              v_outcome, v_seen_visit_id, v_seen_session_id)
      on conflict (idempotency_key) do nothing
      returning id into v_order_id;
      exit;
    exception when unique_violation then
      -- Only the reference can collide here (1 in 31^8); draw another one.
      null;
    end;
  end loop;
  if v_order_id is null then
    v_replay := private.replay_order(p_idempotency_key, v_event.id, v_lines, v_name, v_email);
    if v_replay is not null then
      if v_client is not null then
        update private.client_rate_counters c set hits = c.hits - 1
        where c.client_key = v_client and c.bucket = 'checkout' and c.window_start = date_trunc('minute', now());
      end if;
      return v_replay;
    end if;
    raise exception 'idempotency_key_reused'
      using errcode = 'P0001', hint = 'This idempotency key was already used for a different order; use a new key for a new order.';
  end if;

  insert into public.order_items (organization_id, order_id, ticket_type_id, quantity, unit_price_minor)
  select v_event.organization_id, v_order_id, l.id, l.quantity, l.price_minor
  from unnest(v_ids, v_quantities, v_prices) as l(id, quantity, price_minor);

  -- 8. Attribute the order to the visit found in step 5, still locked (the rollups
  --    and the realtime message come with it).
  if v_visit_id is not null then
    insert into public.attributions (organization_id, order_id, promoter_id, event_id, visit_id)
    values (v_event.organization_id, v_order_id, v_seen_promoter_id, v_event.id, v_visit_id);
  end if;

  -- 9. Level 7, last: the ticket types in id order, each with one conditional update,
  --    so a hot ticket type's row is held for that statement and the commit only. A
  --    refusal rolls back everything above.
  for v_index in select u.ordinality::integer from unnest(v_ids) with ordinality u(id, ordinality) order by u.id loop
    update public.ticket_types t
    set sold = t.sold + v_quantities[v_index]
    where t.id = v_ids[v_index] and t.event_id = v_event.id
      and t.sold + v_quantities[v_index] <= t.capacity and t.price_minor = v_prices[v_index];
    if not found then
      select t.id, t.name, t.capacity, t.sold, t.price_minor into v_ticket
      from public.ticket_types t where t.id = v_ids[v_index] and t.event_id = v_event.id;
      if v_ticket.id is null then
        raise exception 'ticket_type_not_found'
          using errcode = 'P0001', hint = 'One of the chosen ticket types is not available for this event.';
      elsif v_ticket.sold + v_quantities[v_index] > v_ticket.capacity then
        raise exception 'sold_out'
          using errcode = 'P0001',
                hint = format('Not enough tickets left for %s: %s available.', v_ticket.name, greatest(v_ticket.capacity - v_ticket.sold, 0)),
                detail = json_build_object('ticket_type_id', v_ticket.id, 'name', v_ticket.name,
                                           'available', greatest(v_ticket.capacity - v_ticket.sold, 0))::text;
      end if;
      raise exception 'price_changed'
        using errcode = 'P0001',
              hint = format('The price of %s changed while the order was placed; nothing was charged.', v_ticket.name),
              detail = json_build_object('ticket_type_id', v_ticket.id, 'name', v_ticket.name)::text;
    end if;
  end loop;

  return private.order_json(v_order_id);

end;
$$;
comment on function public.checkout(text, jsonb, text, text, uuid, text) is
  'Buys tickets atomically: validates the request, writes the order and its items, attributes it when the attribution token belongs to an active promoter of this event and has credited fewer than private.attributed_orders_per_visit() orders (later orders sell, unattributed), then takes the ticket types last and never sells beyond capacity nor at a price other than the one charged; the order records what became of the token (attribution_outcome). Idempotent per p_idempotency_key; one client address places at most private.checkouts_per_client_minute() new orders per minute. Errors: invalid_idempotency_key, invalid_buyer_name, invalid_buyer_email, invalid_items, invalid_quantity, event_not_found, event_not_on_sale, too_many_checkouts (HTTP 429), ticket_type_not_found, sold_out, idempotency_key_reused, price_changed.';

-- refund_order: ticket types last, as in checkout() ---------------------------------------------------
create or replace function public.refund_order(p_order_id uuid)
returns public.orders
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_order public.orders;
begin
  select * into v_order from public.orders o where o.id = p_order_id;
  if v_order.id is null or not private.is_member(v_order.organization_id) then
    raise exception 'order_not_found' using errcode = 'P0001', hint = 'This order does not exist.';
  end if;
  if not private.has_role(v_order.organization_id, array['owner', 'admin']) then
    perform private.raise_not_authorized();
  end if;

  -- Level 2: the attributed promoter cannot be deleted halfway through, since its
  -- rollups change below. An attribution is only ever written with its order, so the
  -- one read here is the one the refund will see (or it is gone with its promoter).
  perform 1 from public.promoters p
  where p.id in (select a.promoter_id from public.attributions a where a.order_id = v_order.id)
  order by p.id
  for key share;

  -- Level 4: the order itself.
  select * into v_order from public.orders o where o.id = p_order_id for update;
  if v_order.status = 'refunded' then
    raise exception 'order_already_refunded' using errcode = 'P0001', hint = 'This order has already been refunded.';
  end if;

  -- Level 6: its status (the rollup triggers lock the shard, daily rows and totals).
  update public.orders o
  set status = 'refunded', refunded_at = now()
  where o.id = v_order.id
  returning * into v_order;

  -- Level 7, last: its ticket types in id order, one statement.
  update public.ticket_types t
  set sold = t.sold - x.quantity
  from (
    select i.ticket_type_id, i.quantity from public.order_items i
    join public.ticket_types tt on tt.id = i.ticket_type_id
    where i.order_id = v_order.id
    order by i.ticket_type_id
    for update of tt
  ) x
  where t.id = x.ticket_type_id;
  return v_order;
end;
$$;
comment on function public.refund_order(uuid) is
  'Refunds a paid order (owners and admins): the order stops counting in every figure and its tickets go back on sale. Errors: order_not_found, not_authorized, order_already_refunded.';

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
