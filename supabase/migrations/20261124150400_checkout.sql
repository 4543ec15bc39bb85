-- The attendee entry points and refunds: track_promoter_visit(), checkout(),
-- refund_order().
--
-- track_promoter_visit() and checkout() are security definer because attendees are
-- anonymous and have no access to the tables; they validate every argument before
-- writing anything. refund_order() is security definer because orders and ticket
-- counts are not writable through the API; it checks the caller's role itself.

-- A random token that cannot be guessed: 24 bytes, base64url without padding.
create function private.random_token()
returns text
language sql
volatile
set search_path = ''
as $$
  select translate(encode(extensions.gen_random_bytes(24), 'base64'), '+/=', '-_')
$$;
comment on function private.random_token() is 'A random 192-bit token in base64url (32 characters).';

-- Order references avoid look-alike characters (0/O, 1/I/L).
create function private.random_order_reference()
returns text
language sql
volatile
set search_path = ''
as $$
  select 'PL-' || string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', (get_byte(b.bytes, i) % 31) + 1, 1), '' order by i)
  from (select extensions.gen_random_bytes(8) as bytes) b, generate_series(0, 7) as i
$$;
comment on function private.random_order_reference() is 'A random order reference such as PL-7K2M9QXA.';
revoke all on function private.random_token(), private.random_order_reference() from public;

-- track_promoter_visit ----------------------------------------------------------------------
-- Open to anyone, and a fresh random session id cannot be told apart from a new visitor:
-- without a bound, a script could inflate a promoter's visits (and so lower their
-- conversion rate) and grow promoter_visits without limit. Each tracking link (event +
-- promoter) therefore records at most visit_rate_limit_per_minute() new sessions per
-- minute. Calls beyond that store nothing and receive the token of the link's latest
-- visit, so a real attendee arriving during a flood is still attributed to the right
-- promoter; the same session always gets its own token back.
create function private.visit_rate_limit_per_minute()
returns integer
language sql
immutable
set search_path = ''
as $$
  select 600
$$;
comment on function private.visit_rate_limit_per_minute() is
  'New browser sessions one tracking link (event + promoter) records per minute at most; calls beyond it share the latest visit''s token.';
revoke all on function private.visit_rate_limit_per_minute() from public;

create function public.track_promoter_visit(p_event_slug text, p_promo_code text, p_session_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_event_id uuid;
  v_organization_id uuid;
  v_promoter_id uuid;
  v_token text;
begin
  -- Anything that cannot be a real link is ignored silently: the page never changes.
  if p_session_id is null
     or p_event_slug is null or char_length(p_event_slug) > 80
     or p_promo_code is null or char_length(p_promo_code) > 32 or p_promo_code !~ '^[A-Za-z0-9_-]{3,32}$' then
    return null;
  end if;

  select e.id, e.organization_id into v_event_id, v_organization_id
  from public.events e
  where e.slug = p_event_slug and e.status = 'published';
  if v_event_id is null then
    return null;
  end if;

  -- The key-share lock keeps a concurrent confirm_promoter_deletion() from removing the
  -- promoter between this lookup and the insert below (which would fail its foreign
  -- key); a deletion already under way makes this wait and then find no promoter.
  select p.id into v_promoter_id
  from public.promoters p
  join public.event_promoters ep on ep.promoter_id = p.id and ep.event_id = v_event_id and ep.active
  where p.organization_id = v_organization_id and lower(p.promo_code) = lower(p_promo_code)
  for key share of p;
  if v_promoter_id is null then
    return null;
  end if;

  -- The same session again: its own token, whatever the rate.
  select v.token into v_token
  from public.promoter_visits v
  where v.event_id = v_event_id and v.promoter_id = v_promoter_id and v.session_id = p_session_id;
  if v_token is not null then
    return v_token;
  end if;

  -- Count and insert one at a time per link, so concurrent callers cannot overshoot
  -- the cap together; the lock ends with the transaction.
  perform pg_advisory_xact_lock(hashtextextended(v_event_id::text || v_promoter_id::text, 0));
  if (
    select count(*) from public.promoter_visits v
    where v.promoter_id = v_promoter_id and v.event_id = v_event_id and v.visited_at > now() - interval '1 minute'
  ) >= private.visit_rate_limit_per_minute() then
    select v.token into v_token
    from public.promoter_visits v
    where v.promoter_id = v_promoter_id and v.event_id = v_event_id
    order by v.visited_at desc
    limit 1;
    return v_token;
  end if;

  insert into public.promoter_visits (organization_id, event_id, promoter_id, session_id, token)
  values (v_organization_id, v_event_id, v_promoter_id, p_session_id, private.random_token())
  on conflict (event_id, promoter_id, session_id) do nothing
  returning token into v_token;

  if v_token is null then
    select v.token into v_token
    from public.promoter_visits v
    where v.event_id = v_event_id and v.promoter_id = v_promoter_id and v.session_id = p_session_id;
  end if;
  return v_token;
end;
$$;
comment on function public.track_promoter_visit(text, text, uuid) is
  'Records that a browser session opened a promoter''s tracking link and returns its attribution token; the same session gets the same token again. At most private.visit_rate_limit_per_minute() new sessions per link and minute are recorded; beyond that the latest visit''s token is returned. Returns null, never an error, for unknown, inactive or deleted codes and for unknown or unpublished events. Nullable: result.';
revoke all on function public.track_promoter_visit(text, text, uuid) from public;
grant execute on function public.track_promoter_visit(text, text, uuid) to anon, authenticated, service_role;

-- checkout ------------------------------------------------------------------------------------
-- The order as checkout() returns it.
create function private.order_json(p_order_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object(
    'order_id', o.id,
    'reference', o.reference,
    'status', o.status,
    'currency', o.currency,
    'total_minor', o.total_minor,
    'ticket_count', o.ticket_count,
    'created_at', o.created_at,
    'items', coalesce((
      select jsonb_agg(jsonb_build_object(
        'ticket_type_id', i.ticket_type_id,
        'name', t.name,
        'quantity', i.quantity,
        'unit_price_minor', i.unit_price_minor
      ) order by t.sort_order, t.name, i.ticket_type_id)
      from public.order_items i
      join public.ticket_types t on t.id = i.ticket_type_id
      where i.order_id = o.id
    ), '[]'::jsonb)
  )
  from public.orders o
  where o.id = p_order_id
$$;
comment on function private.order_json(uuid) is 'The JSON shape checkout() returns for an order.';
revoke all on function private.order_json(uuid) from public;

-- An idempotent retry returns the first order, but only if it asks for the same thing.
create function private.replay_order(
  p_idempotency_key uuid, p_event_id uuid, p_lines jsonb, p_buyer_name text, p_buyer_email text
)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_order public.orders;
  v_same boolean;
begin
  select * into v_order from public.orders o where o.idempotency_key = p_idempotency_key;
  if v_order.id is null then
    return null;
  end if;
  select v_order.event_id = p_event_id
     and v_order.buyer_name = p_buyer_name
     and v_order.buyer_email = p_buyer_email
     and (select coalesce(jsonb_agg(jsonb_build_object('ticket_type_id', i.ticket_type_id, 'quantity', i.quantity)
                                   order by i.ticket_type_id), '[]'::jsonb)
          from public.order_items i where i.order_id = v_order.id) = p_lines
    into v_same;
  if not v_same then
    raise exception 'idempotency_key_reused'
      using errcode = 'P0001',
            hint = 'This idempotency key was already used for a different order; use a new key for a new order.';
  end if;
  return private.order_json(v_order.id);
end;
$$;
comment on function private.replay_order(uuid, uuid, jsonb, text, text) is
  'For checkout(): the existing order of an idempotency key if it matches the request, null when there is none; raises idempotency_key_reused otherwise.';
revoke all on function private.replay_order(uuid, uuid, jsonb, text, text) from public;

create function public.checkout(
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
  v_ids uuid[] := '{}';
  v_quantities integer[] := '{}';
  v_quantity numeric;
  v_total_quantity integer := 0;
  v_lines jsonb;
  v_event public.events;
  v_ticket record;
  v_locked integer := 0;
  v_total bigint := 0;
  v_order_id uuid;
  v_replay jsonb;
  v_visit record;
  i integer;
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

  -- 4. Lock the ticket types in id order (so concurrent orders cannot deadlock), then
  --    check availability against the locked, current counts.
  for v_ticket in
    select t.id, t.name, t.capacity, t.sold, t.price_minor
    from public.ticket_types t
    where t.event_id = v_event.id and t.id = any (v_ids)
    order by t.id
    for update
  loop
    v_locked := v_locked + 1;
  end loop;
  if v_locked <> cardinality(v_ids) then
    raise exception 'ticket_type_not_found'
      using errcode = 'P0001', hint = 'One of the chosen ticket types is not available for this event.';
  end if;

  -- A concurrent request with the same key may have committed while we waited.
  v_replay := private.replay_order(p_idempotency_key, v_event.id, v_lines, v_name, v_email);
  if v_replay is not null then
    return v_replay;
  end if;

  for i in 1 .. cardinality(v_ids) loop
    select t.id, t.name, t.capacity, t.sold, t.price_minor into v_ticket
    from public.ticket_types t where t.id = v_ids[i];
    if v_ticket.sold + v_quantities[i] > v_ticket.capacity then
      raise exception 'sold_out'
        using errcode = 'P0001',
              hint = format('Not enough tickets left for %s: %s available.', v_ticket.name, greatest(v_ticket.capacity - v_ticket.sold, 0)),
              detail = json_build_object('ticket_type_id', v_ticket.id, 'name', v_ticket.name,
                                         'available', greatest(v_ticket.capacity - v_ticket.sold, 0))::text;
    end if;
    v_total := v_total + v_ticket.price_minor * v_quantities[i];
  end loop;

  -- 5. Write the order. A concurrent twin that got there first wins the unique key.
  loop
    begin
      insert into public.orders (organization_id, event_id, reference, buyer_name, buyer_email, currency,
                                 total_minor, ticket_count, status, idempotency_key)
      values (v_event.organization_id, v_event.id, private.random_order_reference(), v_name, v_email,
              v_event.currency, v_total, v_total_quantity, 'paid', p_idempotency_key)
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
      return v_replay;
    end if;
    raise exception 'idempotency_key_reused'
      using errcode = 'P0001', hint = 'This idempotency key was already used for a different order; use a new key for a new order.';
  end if;

  insert into public.order_items (organization_id, order_id, ticket_type_id, quantity, unit_price_minor)
  select v_event.organization_id, v_order_id, t.id, l.quantity, t.price_minor
  from unnest(v_ids, v_quantities) as l(id, quantity)
  join public.ticket_types t on t.id = l.id;

  update public.ticket_types t
  set sold = t.sold + l.quantity
  from unnest(v_ids, v_quantities) as l(id, quantity)
  where t.id = l.id;

  -- 6. Attribute the order when the token is a visit of this event by a promoter who is
  --    still active on it. An invalid token is ignored: the buyer never notices.
  if p_attribution_token is not null and char_length(p_attribution_token) <= 64 then
    -- The key-share lock on the promoter orders this against a concurrent deletion:
    -- either the deletion waits and then removes this attribution too, or it went
    -- first and the order stays unattributed (instead of failing a foreign key).
    select v.id, v.promoter_id into v_visit
    from public.promoter_visits v
    join public.event_promoters ep on ep.event_id = v.event_id and ep.promoter_id = v.promoter_id and ep.active
    join public.promoters p on p.id = v.promoter_id
    where v.token = p_attribution_token and v.event_id = v_event.id
    for key share of p;
    if v_visit.id is not null then
      insert into public.attributions (organization_id, order_id, promoter_id, event_id, visit_id)
      values (v_event.organization_id, v_order_id, v_visit.promoter_id, v_event.id, v_visit.id);
    end if;
  end if;

  return private.order_json(v_order_id);
end;
$$;
comment on function public.checkout(text, jsonb, text, text, uuid, text) is
  'Buys tickets atomically: validates the request, locks the ticket types, never sells beyond capacity, writes the order and its items, and attributes it when the attribution token belongs to an active promoter of this event. Idempotent per p_idempotency_key. Errors: invalid_idempotency_key, invalid_buyer_name, invalid_buyer_email, invalid_items, invalid_quantity, event_not_found, event_not_on_sale, ticket_type_not_found, sold_out, idempotency_key_reused.';
revoke all on function public.checkout(text, jsonb, text, text, uuid, text) from public;
grant execute on function public.checkout(text, jsonb, text, text, uuid, text) to anon, authenticated, service_role;

-- refund_order ----------------------------------------------------------------------------------
create function public.refund_order(p_order_id uuid)
returns public.orders
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_order public.orders;
begin
  select * into v_order from public.orders o where o.id = p_order_id for update;
  if v_order.id is null or not private.is_member(v_order.organization_id) then
    raise exception 'order_not_found' using errcode = 'P0001', hint = 'This order does not exist.';
  end if;
  if not private.has_role(v_order.organization_id, array['owner', 'admin']) then
    perform private.raise_not_authorized();
  end if;
  if v_order.status = 'refunded' then
    raise exception 'order_already_refunded' using errcode = 'P0001', hint = 'This order has already been refunded.';
  end if;

  -- The attributed promoter cannot be deleted halfway through: its rollups change below.
  perform 1 from public.promoters p
  where p.id in (select a.promoter_id from public.attributions a where a.order_id = v_order.id)
  for key share;

  -- Refunded tickets go back on sale; lock in id order like checkout() does.
  perform 1 from public.ticket_types t
  where t.id in (select i.ticket_type_id from public.order_items i where i.order_id = v_order.id)
  order by t.id
  for update;
  update public.ticket_types t
  set sold = t.sold - i.quantity
  from public.order_items i
  where i.order_id = v_order.id and t.id = i.ticket_type_id;

  update public.orders o
  set status = 'refunded', refunded_at = now()
  where o.id = v_order.id
  returning * into v_order;
  return v_order;
end;
$$;
comment on function public.refund_order(uuid) is
  'Refunds a paid order (owners and admins): the order stops counting in every figure and its tickets go back on sale. Errors: order_not_found, not_authorized, order_already_refunded.';
revoke all on function public.refund_order(uuid) from public, anon;
grant execute on function public.refund_order(uuid) to authenticated;
