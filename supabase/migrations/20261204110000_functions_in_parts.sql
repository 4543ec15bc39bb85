-- checkout() and import_promoters() in parts: each public function reads as the list of
-- its steps, and each step is a private function short enough to read at once (no
-- function over 150 lines). Behaviour, signatures, errors, comments and grants of the
-- two public functions are unchanged (`create or replace` keeps their comments and
-- privileges); the baseline definitions in 20261202110000_attribution_window.sql and
-- 20261202120000_bulk_promoters.sql are what this file replaces.
--
-- checkout() (security definer) calls its parts as their owner, so the parts are
-- security invoker and executable by nobody else. Its steps keep their order, and so
-- the lock order (docs/decisions/008-lock-order.md, amended by 020): 1 the client's
-- throttle rows; 2 the promoter of the token or of the referral code (key share);
-- 3 the token's visit (for update); 5 and 6 the order (which key-shares the event), its
-- items, attribution and rollups; 7 the ticket types, in id order, last. Why a ticket
-- type cannot be sold (ticket_type_not_found, sold_out, price_changed) is written once,
-- in checkout_refuse_ticket_type(), for the read of step 6 and the update of step 9.
--
-- import_promoters() is security invoker, run by a signed-in member: its parts run as
-- that member too (row-level security, column grants and the promoters' triggers decide
-- as before), so, like import_error(), they are executable by authenticated.

-- checkout: its parts ---------------------------------------------------------------------------

-- Step 1 of checkout(): every argument checked before any row is touched, length
-- checks first so a huge string is refused without further work.
create function private.checkout_validate(
  p_idempotency_key uuid,
  p_buyer_name text,
  p_buyer_email text,
  p_items jsonb,
  out buyer_name text,
  out buyer_email text,
  out ticket_type_ids uuid[],
  out quantities integer[],
  out ticket_count integer,
  out lines jsonb
)
returns record
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_item jsonb;
  v_quantity numeric;
begin
  if p_idempotency_key is null then
    raise exception 'invalid_idempotency_key'
      using errcode = 'P0001', hint = 'Every checkout needs an idempotency key (a uuid chosen by the client).';
  end if;
  if p_buyer_name is null or char_length(p_buyer_name) > 1000 then
    raise exception 'invalid_buyer_name' using errcode = 'P0001', hint = 'Please enter a name of 1 to 200 characters.';
  end if;
  buyer_name := btrim(regexp_replace(p_buyer_name, '[[:space:]]+', ' ', 'g'));
  if char_length(buyer_name) not between 1 and 200 then
    raise exception 'invalid_buyer_name' using errcode = 'P0001', hint = 'Please enter a name of 1 to 200 characters.';
  end if;
  if p_buyer_email is null or char_length(p_buyer_email) > 1000 then
    raise exception 'invalid_buyer_email' using errcode = 'P0001', hint = 'Please enter a valid email address.';
  end if;
  buyer_email := btrim(p_buyer_email);
  if char_length(buyer_email) > 254
     or buyer_email !~ '^[^@[:space:][:cntrl:]]{1,64}@[^@[:space:][:cntrl:].]+(\.[^@[:space:][:cntrl:].]+)+$' then
    raise exception 'invalid_buyer_email' using errcode = 'P0001', hint = 'Please enter a valid email address.';
  end if;

  if p_items is null or jsonb_typeof(p_items) <> 'array'
     or jsonb_array_length(p_items) not between 1 and 20 then
    raise exception 'invalid_items'
      using errcode = 'P0001', hint = 'Choose at least one ticket (at most 20 different ticket types per order).';
  end if;
  ticket_type_ids := array[]::uuid[];
  quantities := array[]::integer[];
  ticket_count := 0;
  for v_item in select i.value from jsonb_array_elements(p_items) i loop
    if jsonb_typeof(v_item) <> 'object'
       or jsonb_typeof(v_item -> 'ticket_type_id') is distinct from 'string'
       or (v_item ->> 'ticket_type_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      raise exception 'invalid_items'
        using errcode = 'P0001', hint = 'Each order line needs a ticket type and a quantity.';
    end if;
    if jsonb_typeof(v_item -> 'quantity') is distinct from 'number' then
      raise exception 'invalid_quantity'
        using errcode = 'P0001', hint = format('Choose between 1 and %s tickets of each type, and at most %s per order.', private.max_tickets_per_type(), private.max_tickets_per_order());
    end if;
    v_quantity := (v_item ->> 'quantity')::numeric;
    if v_quantity <> trunc(v_quantity) or v_quantity < 1 or v_quantity > private.max_tickets_per_type() then
      raise exception 'invalid_quantity'
        using errcode = 'P0001', hint = format('Choose between 1 and %s tickets of each type, and at most %s per order.', private.max_tickets_per_type(), private.max_tickets_per_order()),
              detail = format('ticket_type_id=%s', v_item ->> 'ticket_type_id');
    end if;
    if ((v_item ->> 'ticket_type_id')::uuid) = any (ticket_type_ids) then
      raise exception 'invalid_items'
        using errcode = 'P0001', hint = 'Each ticket type may appear only once in an order.',
              detail = format('ticket_type_id=%s', v_item ->> 'ticket_type_id');
    end if;
    ticket_type_ids := ticket_type_ids || (v_item ->> 'ticket_type_id')::uuid;
    quantities := quantities || v_quantity::integer;
    ticket_count := ticket_count + v_quantity::integer;
  end loop;
  if ticket_count > private.max_tickets_per_order() then
    raise exception 'invalid_quantity'
      using errcode = 'P0001', hint = format('Choose between 1 and %s tickets of each type, and at most %s per order.', private.max_tickets_per_type(), private.max_tickets_per_order());
  end if;
  -- The request as replay_order() compares it with an existing order: lines by ticket type.
  select jsonb_agg(jsonb_build_object('ticket_type_id', l.id, 'quantity', l.quantity) order by l.id)
    into lines
  from unnest(ticket_type_ids, quantities) as l(id, quantity);
end;
$$;
comment on function private.checkout_validate(uuid, text, text, jsonb) is
  'Step 1 of checkout(): checks the idempotency key, buyer and items and returns them normalized (buyer_name with spaces collapsed, buyer_email trimmed, ticket_type_ids and quantities in request order, ticket_count, lines sorted by ticket type for replay_order()). Errors: invalid_idempotency_key, invalid_buyer_name, invalid_buyer_email, invalid_items, invalid_quantity.';
revoke all on function private.checkout_validate(uuid, text, text, jsonb) from public, anon, authenticated, service_role;

-- A replay is not a new order: the call counted against the client's allowance is given
-- back (its counter row is already locked by this transaction, level 1).
create function private.checkout_replay(
  p_client bytea, p_idempotency_key uuid, p_event_id uuid, p_lines jsonb, p_buyer_name text, p_buyer_email text
)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_replay jsonb;
begin
  v_replay := private.replay_order(p_idempotency_key, p_event_id, p_lines, p_buyer_name, p_buyer_email);
  if v_replay is not null and p_client is not null then
    update private.client_rate_counters c set hits = c.hits - 1
    where c.client_key = p_client and c.bucket = 'checkout' and c.window_start = date_trunc('minute', now());
  end if;
  return v_replay;
end;
$$;
comment on function private.checkout_replay(bytea, uuid, uuid, jsonb, text, text) is
  'For checkout() after it counted the call of client p_client (null: no client): the order of the idempotency key as replay_order() answers it, and then the call uncounted.';
revoke all on function private.checkout_replay(bytea, uuid, uuid, jsonb, text, text) from public, anon, authenticated, service_role;

-- Step 4b of checkout(), still level 1: a referral code typed at checkout is looked up
-- without a lock. A code that matches no active promoter of the event counts as a miss in
-- the same per-client bucket as links that are not live (the order commits, so the miss
-- stays counted), and a client past that bound has its codes ignored. The order itself
-- is never refused for its code: the page asks check_referral_code() first, so the buyer
-- can correct it.
create function private.checkout_referral_promoter(p_event public.events, p_client bytea, p_code text)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_promoter_id uuid;
begin
  if char_length(p_code) <= 32 and p_code ~ private.promo_code_pattern()
     and (p_client is null
          or not private.client_limit_reached(p_client, 'visit_miss', private.visit_misses_per_client_minute())) then
    select p.id into v_promoter_id
    from public.promoters p
    join public.event_promoters ep on ep.promoter_id = p.id and ep.event_id = p_event.id and ep.active
    where p.id = private.promoter_for_code(p_event.organization_id, p_code);
    if v_promoter_id is null and p_client is not null then
      perform private.count_client_call(p_client, 'visit_miss');
    end if;
  end if;
  return v_promoter_id;
end;
$$;
comment on function private.checkout_referral_promoter(public.events, bytea, text) is
  'Step 4b of checkout(): the promoter active on the event whose current or former promo code is p_code, or null (a miss, counted for client p_client; also null once the client is past its bound on misses). Takes no lock.';
revoke all on function private.checkout_referral_promoter(public.events, bytea, text) from public, anon, authenticated, service_role;

-- Steps 5 and 5b of checkout(), levels 2 and 3. The promoter of the attribution token's
-- visit is key-shared (a deletion either finishes first or waits for this order), then,
-- if the visit can credit this order, the visit itself is locked for update (concurrent
-- orders with one token count its credits one at a time). Both come before any ticket
-- type, order or rollup row. The same read tells why a token does not count (a link of
-- another event, a deactivated link); the buyer never notices either way. A referral
-- code credits the order when its token does not; its promoter is key-shared like a
-- token's (key-share locks do not conflict with each other; a deletion of this promoter
-- finishes first or waits for this order).
create function private.checkout_resolve_credit(
  p_event public.events,
  p_attribution_token text,
  p_code text,
  p_code_promoter_id uuid,
  out outcome text,
  out token_visit_id uuid,
  out token_session_id uuid,
  out credited_visit_id uuid,
  out credited_promoter_id uuid,
  out source public.attribution_source
)
returns record
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_seen_promoter_id uuid;
  v_seen_event_id uuid;
  v_seen_active boolean;
  v_seen_visited_at timestamptz;
  v_seen_source public.visit_source;
begin
  outcome := 'no_link';
  if p_attribution_token is not null then
    outcome := 'unknown_link';
    if char_length(p_attribution_token) <= 64 then
      select v.id, v.promoter_id, v.event_id, v.session_id, coalesce(ep.active, false), v.visited_at, v.source
        into token_visit_id, v_seen_promoter_id, v_seen_event_id, token_session_id, v_seen_active,
             v_seen_visited_at, v_seen_source
      from public.promoter_visits v
      join public.promoters p on p.id = v.promoter_id
      left join public.event_promoters ep on ep.event_id = v.event_id and ep.promoter_id = v.promoter_id
      where v.token = p_attribution_token and v.organization_id = p_event.organization_id
      for key share of p;
      if token_visit_id is not null then
        if v_seen_event_id <> p_event.id then
          outcome := 'other_event';
        elsif not v_seen_active then
          outcome := 'promoter_inactive';
        elsif p_event.attribution_window_days is not null
              and v_seen_visited_at < now() - make_interval(days => p_event.attribution_window_days) then
          -- Older than the organization's attribution window: credits nobody.
          outcome := 'expired';
        else
          perform 1 from public.promoter_visits v where v.id = token_visit_id for update;
          if not found then
            outcome := 'unknown_link';
          elsif (select count(*) from public.attributions a where a.visit_id = token_visit_id)
                >= private.attributed_orders_per_visit() then
            outcome := 'visit_limit';
          else
            outcome := 'attributed';
            credited_visit_id := token_visit_id;
            credited_promoter_id := v_seen_promoter_id;
            source := v_seen_source::text::public.attribution_source;
          end if;
        end if;
      end if;
    end if;
  end if;

  if p_code is not null and credited_promoter_id is null then
    outcome := 'invalid_referral_code';
    if p_code_promoter_id is not null then
      perform 1
      from public.promoters p
      join public.event_promoters ep on ep.promoter_id = p.id and ep.event_id = p_event.id and ep.active
      where p.id = p_code_promoter_id
      for key share of p;
      if found then
        outcome := 'referral_code';
        credited_promoter_id := p_code_promoter_id;
        source := 'referral_code';
      end if;
    end if;
  end if;
end;
$$;
comment on function private.checkout_resolve_credit(public.events, text, text, uuid) is
  'Steps 5 and 5b of checkout(): what the attribution token and then the referral code (p_code, in play when the event takes codes; p_code_promoter_id its promoter from checkout_referral_promoter()) do for this order: outcome (the order''s attribution_outcome), the visit and session the token named, and the visit and promoter credited with the source. Leaves the credited promoter key-shared and the credited visit locked.';
revoke all on function private.checkout_resolve_credit(public.events, text, text, uuid) from public, anon, authenticated, service_role;

-- Why a ticket type cannot be sold, for step 6 (the read) and step 9 (the conditional
-- update) of checkout(). Always raises. Stable, not immutable: a call with constant
-- arguments (step 6's ticket_type_not_found) would otherwise be evaluated, and raise,
-- when its statement is planned.
create function private.checkout_refuse_ticket_type(p_ticket public.ticket_types, p_quantity integer)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_ticket.id is null then
    raise exception 'ticket_type_not_found'
      using errcode = 'P0001', hint = 'One of the chosen ticket types is not available for this event.';
  elsif p_ticket.sold + p_quantity > p_ticket.capacity then
    raise exception 'sold_out'
      using errcode = 'P0001',
            hint = format('Not enough tickets left for %s: %s available.', p_ticket.name, greatest(p_ticket.capacity - p_ticket.sold, 0)),
            detail = json_build_object('ticket_type_id', p_ticket.id, 'name', p_ticket.name,
                                       'available', greatest(p_ticket.capacity - p_ticket.sold, 0))::text;
  end if;
  raise exception 'price_changed'
    using errcode = 'P0001',
          hint = format('The price of %s changed while the order was placed; nothing was charged.', p_ticket.name),
          detail = json_build_object('ticket_type_id', p_ticket.id, 'name', p_ticket.name)::text;
end;
$$;
comment on function private.checkout_refuse_ticket_type(public.ticket_types, integer) is
  'Raises why checkout() cannot sell p_quantity tickets of p_ticket as read: ticket_type_not_found when the row is null, sold_out when too few are left (detail {ticket_type_id, name, available}), else price_changed (detail {ticket_type_id, name}).';
revoke all on function private.checkout_refuse_ticket_type(public.ticket_types, integer) from public, anon, authenticated, service_role;

-- Step 6 of checkout(): the ticket types, read without a lock. A type that is sold out
-- refuses the buyer before anything is written, and the prices read here are the ones
-- charged. Step 9 takes the rows last and checks capacity and price again under their lock.
create function private.checkout_price_lines(
  p_event_id uuid,
  p_ticket_type_ids uuid[],
  p_quantities integer[],
  out prices bigint[],
  out total bigint
)
returns record
language plpgsql
stable
set search_path = ''
as $$
declare
  v_found integer;
  v_ticket public.ticket_types;
begin
  select count(*)::integer into v_found
  from public.ticket_types t
  where t.event_id = p_event_id and t.id = any (p_ticket_type_ids);
  if v_found <> cardinality(p_ticket_type_ids) then
    perform private.checkout_refuse_ticket_type(null, 0);
  end if;

  prices := array[]::bigint[];
  total := 0;
  for i in 1 .. cardinality(p_ticket_type_ids) loop
    select t.* into v_ticket from public.ticket_types t where t.id = p_ticket_type_ids[i];
    if v_ticket.sold + p_quantities[i] > v_ticket.capacity then
      perform private.checkout_refuse_ticket_type(v_ticket, p_quantities[i]);
    end if;
    prices := prices || v_ticket.price_minor;
    total := total + v_ticket.price_minor * p_quantities[i];
  end loop;
end;
$$;
comment on function private.checkout_price_lines(uuid, uuid[], integer[]) is
  'Step 6 of checkout(): the unit price of each line (in request order) and the order total, read without a lock. Errors: ticket_type_not_found, sold_out.';
revoke all on function private.checkout_price_lines(uuid, uuid[], integer[]) from public, anon, authenticated, service_role;

-- Step 7 of checkout(), level 6: the order row (its foreign key key-shares the event row,
-- level 5; its rollup trigger locks an event_stats shard). A concurrent twin that got
-- there first wins the unique key: then this returns null and writes nothing.
create function private.checkout_insert_order(
  p_event public.events,
  p_idempotency_key uuid,
  p_buyer_name text,
  p_buyer_email text,
  p_total_minor bigint,
  p_ticket_count integer,
  p_outcome text,
  p_token_visit_id uuid,
  p_token_session_id uuid
)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_order_id uuid;
begin
  loop
    begin
      insert into public.orders (organization_id, event_id, reference, buyer_name, buyer_email, currency,
                                 total_minor, ticket_count, status, idempotency_key,
                                 attribution_outcome, attribution_visit_id, attribution_session_id)
      values (p_event.organization_id, p_event.id, private.random_order_reference(), p_buyer_name, p_buyer_email,
              p_event.currency, p_total_minor, p_ticket_count, 'paid', p_idempotency_key,
              p_outcome, p_token_visit_id, p_token_session_id)
      on conflict (idempotency_key) do nothing
      returning id into v_order_id;
      exit;
    exception when unique_violation then
      -- Only the reference can collide here (1 in 31^8); draw another one.
      null;
    end;
  end loop;
  return v_order_id;
end;
$$;
comment on function private.checkout_insert_order(public.events, uuid, text, text, bigint, integer, text, uuid, uuid) is
  'Step 7 of checkout(): inserts the paid order with a fresh reference and what became of the token or code; null when an order with this idempotency key already exists.';
revoke all on function private.checkout_insert_order(public.events, uuid, text, text, bigint, integer, text, uuid, uuid) from public, anon, authenticated, service_role;

-- Step 9 of checkout(), level 7, last: the ticket types in id order, each with one
-- conditional update, so a hot ticket type's row is held for that statement and the
-- commit only. A refusal here (sold out meanwhile, or the price changed since step 6)
-- rolls back everything the checkout wrote.
create function private.checkout_take_ticket_types(
  p_event_id uuid, p_ticket_type_ids uuid[], p_quantities integer[], p_prices bigint[]
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_index integer;
  v_ticket public.ticket_types;
begin
  for v_index in
    select u.ordinality::integer from unnest(p_ticket_type_ids) with ordinality as u(id, ordinality) order by u.id
  loop
    update public.ticket_types t
    set sold = t.sold + p_quantities[v_index]
    where t.id = p_ticket_type_ids[v_index] and t.event_id = p_event_id
      and t.sold + p_quantities[v_index] <= t.capacity and t.price_minor = p_prices[v_index];
    if not found then
      select t.* into v_ticket from public.ticket_types t where t.id = p_ticket_type_ids[v_index] and t.event_id = p_event_id;
      perform private.checkout_refuse_ticket_type(v_ticket, p_quantities[v_index]);
    end if;
  end loop;
end;
$$;
comment on function private.checkout_take_ticket_types(uuid, uuid[], integer[], bigint[]) is
  'Step 9 of checkout(): adds each line''s quantity to its ticket type''s sold count, in id order, only within capacity and at the price charged. Errors: ticket_type_not_found, sold_out, price_changed.';
revoke all on function private.checkout_take_ticket_types(uuid, uuid[], integer[], bigint[]) from public, anon, authenticated, service_role;

-- checkout: the steps ---------------------------------------------------------------------------
create or replace function public.checkout(
  p_event_slug text,
  p_items jsonb,
  p_buyer_name text,
  p_buyer_email text,
  p_idempotency_key uuid,
  p_attribution_token text default null,
  p_referral_code text default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_request record;
  v_event public.events;
  v_replay jsonb;
  v_client bytea;
  v_calls integer;
  v_code text;
  v_code_promoter_id uuid;
  v_credit record;
  v_priced record;
  v_order_id uuid;
  v_result jsonb;
begin
  -- 1. Validate every argument before touching any row.
  v_request := private.checkout_validate(p_idempotency_key, p_buyer_name, p_buyer_email, p_items);

  -- 2. The event must exist, be published and not be over.
  if p_event_slug is not null and char_length(p_event_slug) <= 80 then
    select * into v_event from public.events e where e.slug = p_event_slug and e.status <> 'draft';
  end if;
  if v_event.id is null then
    raise exception 'event_not_found' using errcode = 'P0001', hint = 'This event does not exist or is not on sale.';
  end if;

  -- 3. A retry with the same key returns the order it created.
  v_replay := private.replay_order(p_idempotency_key, v_event.id, v_request.lines, v_request.buyer_name, v_request.buyer_email);
  if v_replay is not null then
    return v_replay;
  end if;

  if v_event.status <> 'published' or coalesce(v_event.ends_at, v_event.starts_at) < now() then
    raise exception 'event_not_on_sale' using errcode = 'P0001', hint = 'Tickets for this event are no longer on sale.';
  end if;

  -- 4. Level 1: the client's checkout allowance. The counter row lock also lines up this
  --    client's concurrent checkouts, so a twin with the same key that committed while
  --    this one waited is seen here and answered without counting.
  v_client := private.client_key();
  if v_client is not null then
    perform private.prune_client_counters();
    v_calls := private.count_client_call(v_client, 'checkout');
    v_replay := private.checkout_replay(v_client, p_idempotency_key, v_event.id, v_request.lines,
                                        v_request.buyer_name, v_request.buyer_email);
    if v_replay is not null then
      return v_replay;
    end if;
    if v_calls > private.checkouts_per_client_minute() then
      raise exception 'too_many_checkouts'
        using errcode = 'PT429',
              hint = format('At most %s orders per minute from one connection; try again in a minute.', private.checkouts_per_client_minute());
    end if;
  end if;

  -- 4b. Still level 1: a referral code, when the organization takes them.
  if v_event.referral_code_at_checkout then
    v_code := nullif(btrim(p_referral_code), '');
  end if;
  if v_code is not null then
    v_code_promoter_id := private.checkout_referral_promoter(v_event, v_client, v_code);
  end if;

  -- 5. Levels 2 and 3: the promoter and visit of the token, or the referral code's promoter.
  v_credit := private.checkout_resolve_credit(v_event, p_attribution_token, v_code, v_code_promoter_id);

  -- 6. The ticket types, read without a lock: sold out refuses before anything is written.
  v_priced := private.checkout_price_lines(v_event.id, v_request.ticket_type_ids, v_request.quantities);

  -- 7. Level 6: the order, its items and its attribution, with what step 5 found.
  v_order_id := private.checkout_insert_order(v_event, p_idempotency_key, v_request.buyer_name, v_request.buyer_email,
                                              v_priced.total, v_request.ticket_count, v_credit.outcome,
                                              v_credit.token_visit_id, v_credit.token_session_id);
  if v_order_id is null then
    v_replay := private.checkout_replay(v_client, p_idempotency_key, v_event.id, v_request.lines,
                                        v_request.buyer_name, v_request.buyer_email);
    if v_replay is not null then
      return v_replay;
    end if;
    raise exception 'idempotency_key_reused'
      using errcode = 'P0001', hint = 'This idempotency key was already used for a different order; use a new key for a new order.';
  end if;

  -- The items at the prices read in step 6 (their foreign key key-shares the ticket
  -- types, which conflicts with no lock a sale or a refund takes on them).
  insert into public.order_items (organization_id, order_id, ticket_type_id, quantity, unit_price_minor)
  select v_event.organization_id, v_order_id, l.id, l.quantity, l.price_minor
  from unnest(v_request.ticket_type_ids, v_request.quantities, v_priced.prices) as l(id, quantity, price_minor);

  -- 8. Attribute the order to the visit found in step 5, still locked, or to the
  --    promoter of the referral code.
  if v_credit.credited_promoter_id is not null then
    insert into public.attributions (organization_id, order_id, promoter_id, event_id, visit_id, source)
    values (v_event.organization_id, v_order_id, v_credit.credited_promoter_id, v_event.id,
            v_credit.credited_visit_id, v_credit.source);
  end if;

  v_result := private.order_json(v_order_id);

  -- 9. Level 7, last: the ticket types in id order; a refusal here rolls back all of the above.
  perform private.checkout_take_ticket_types(v_event.id, v_request.ticket_type_ids, v_request.quantities, v_priced.prices);

  return v_result;
end;
$$;

-- import_promoters: its parts ----------------------------------------------------------------------

-- A row's groups, one spelling per group (ignoring case); an existing group keeps its own.
create function private.import_group_names(p_organization_id uuid, p_groups jsonb)
returns text[]
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_names text[];
begin
  if jsonb_typeof(p_groups) <> 'array' or jsonb_array_length(p_groups) > 20
     or exists (select 1 from jsonb_array_elements(p_groups) g where jsonb_typeof(g) <> 'string'
                or char_length(btrim(g #>> '{}')) not between 1 and 60) then
    return null;
  end if;
  select coalesce(array_agg(n order by lower(n)), '{}'::text[]) into v_names
  from (
    select distinct on (lower(btrim(g #>> '{}'))) coalesce(pg.name, btrim(g #>> '{}')) as n
    from jsonb_array_elements(p_groups) g
    left join public.promoter_groups pg
      on pg.organization_id = p_organization_id and lower(pg.name) = lower(btrim(g #>> '{}'))
    order by lower(btrim(g #>> '{}'))
  ) named;
  return v_names;
end;
$$;
comment on function private.import_group_names(uuid, jsonb) is
  'For import_promoters(): the group names of one row (a JSON array of 1 to 60 character names, at most 20), sorted, one per group ignoring case, an existing group''s own spelling; null when the list is not valid.';
revoke all on function private.import_group_names(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.import_group_names(uuid, jsonb) to authenticated;

-- A blank code: the name's letters and digits (accents dropped), at most 12, with a
-- number added until free. Outside a dry run a candidate is only tried-locked: another
-- import holding it moves this one on to the next number, never into a wait.
create function private.import_generated_code(
  p_organization_id uuid, p_name text, p_explicit text[], p_used text[], p_dry_run boolean
)
returns text
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_base text;
  v_suffix integer := 1;
  v_candidate text;
begin
  v_base := left(upper(regexp_replace(
    translate(p_name, 'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿ',
                      'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyy'),
    '[^A-Za-z0-9]+', '', 'g')), 12);
  if char_length(v_base) < 3 then
    v_base := 'PROMOTER';
  end if;
  loop
    v_candidate := case when v_suffix = 1 then v_base else v_base || v_suffix::text end;
    if lower(v_candidate) <> all (p_used) and lower(v_candidate) <> all (p_explicit)
       and (p_dry_run or pg_try_advisory_xact_lock(private.promo_code_lock_key(p_organization_id, v_candidate)))
       and not private.is_promo_code_used(p_organization_id, v_candidate) then
      exit;
    end if;
    v_suffix := v_suffix + 1;
  end loop;
  return v_candidate;
end;
$$;
comment on function private.import_generated_code(uuid, text, text[], text[], boolean) is
  'For import_promoters(): a free promo code made from a promoter''s name, not among p_used (codes of earlier rows, lower case) nor p_explicit (the file''s explicit codes, lower case), and, outside a dry run, advisory-locked for this transaction.';
revoke all on function private.import_generated_code(uuid, text, text[], text[], boolean) from public, anon, authenticated, service_role;
grant execute on function private.import_generated_code(uuid, text, text[], text[], boolean) to authenticated;

-- Step 2 of import_promoters(): one row, every field; nothing is written.
create function private.import_checked_row(
  p_organization_id uuid, p_row jsonb, p_index integer, p_explicit text[], p_used text[], p_dry_run boolean
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row jsonb := p_row;
  v_errors jsonb := '[]'::jsonb;
  v_generated boolean := false;
  v_name text;
  v_code text;
  v_email text;
  v_phone text;
  v_groups text[] := '{}'::text[];
begin
  if jsonb_typeof(v_row) <> 'object' then
    v_row := '{}'::jsonb;
    v_errors := v_errors || private.import_error('row', 'invalid_import_rows', 'This row could not be read.');
  end if;
  v_name := btrim(coalesce(v_row ->> 'name', ''));
  v_code := btrim(coalesce(v_row ->> 'promo_code', ''));
  v_email := nullif(btrim(coalesce(v_row ->> 'email', '')), '');
  v_phone := nullif(btrim(coalesce(v_row ->> 'phone', '')), '');

  if char_length(v_name) not between 1 and 120 then
    v_errors := v_errors || private.import_error('name', 'invalid_name', 'The name must be 1 to 120 characters long.');
  end if;
  if v_email is not null and (char_length(v_email) > 254 or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+$') then
    v_errors := v_errors || private.import_error('email', 'invalid_email', 'Enter an email address like name@example.com, or leave it empty.');
  end if;
  if char_length(v_phone) > 40 then
    v_errors := v_errors || private.import_error('phone', 'invalid_phone', 'The phone number can be at most 40 characters long.');
  end if;
  if v_row ? 'groups' and jsonb_typeof(v_row -> 'groups') <> 'null' then
    v_groups := private.import_group_names(p_organization_id, v_row -> 'groups');
    if v_groups is null then
      v_groups := '{}'::text[];
      v_errors := v_errors || private.import_error('groups', 'invalid_group', 'A promoter has at most 20 groups, each named with 1 to 60 characters.');
    end if;
  end if;

  if v_code = '' then
    v_generated := true;
    v_code := private.import_generated_code(p_organization_id, v_name, p_explicit, p_used, p_dry_run);
  elsif v_code !~ private.promo_code_pattern() then
    v_errors := v_errors || private.import_error('promo_code', 'invalid_promo_code',
      'A promo code has 3 to 32 letters, digits, hyphens or underscores.');
  elsif lower(v_code) = any (p_used) then
    v_errors := v_errors || private.import_error('promo_code', 'promo_code_duplicate',
      'Another row of this file has the same promo code.');
  elsif private.is_promo_code_used(p_organization_id, v_code) then
    v_errors := v_errors || private.import_error('promo_code', 'promo_code_taken',
      'Another promoter of this organization already uses (or used) this promo code.');
  end if;

  return jsonb_build_object(
    'row', p_index, 'name', v_name, 'promo_code', v_code, 'generated', v_generated,
    'email', v_email, 'phone', v_phone, 'groups', to_jsonb(v_groups), 'errors', v_errors);
end;
$$;
comment on function private.import_checked_row(uuid, jsonb, integer, text[], text[], boolean) is
  'For import_promoters(): the report entry of row p_index ({"row", "name", "promo_code", "generated", "email", "phone", "groups", "errors"}), its code generated when blank; p_used holds the codes of earlier rows and p_explicit every explicit code of the file (lower case).';
revoke all on function private.import_checked_row(uuid, jsonb, integer, text[], text[], boolean) from public, anon, authenticated, service_role;
grant execute on function private.import_checked_row(uuid, jsonb, integer, text[], text[], boolean) to authenticated;

-- Step 3 of import_promoters(): missing groups in name order (two imports creating the
-- same groups take them in one order), then each promoter with its groups.
create function private.import_write_rows(p_organization_id uuid, p_report jsonb, p_new_groups text[])
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_entry jsonb;
  v_promoter_id uuid;
begin
  insert into public.promoter_groups (organization_id, name)
  select p_organization_id, n from unnest(p_new_groups) n order by lower(n)
  on conflict (organization_id, lower(name)) do nothing;

  for v_entry in select r from jsonb_array_elements(p_report) r loop
    insert into public.promoters (organization_id, name, promo_code, email, phone)
    values (p_organization_id, v_entry ->> 'name', v_entry ->> 'promo_code', v_entry ->> 'email', v_entry ->> 'phone')
    returning id into v_promoter_id;
    insert into public.promoter_group_members (organization_id, group_id, promoter_id)
    select p_organization_id, g.id, v_promoter_id
    from public.promoter_groups g
    where g.organization_id = p_organization_id
      and lower(g.name) in (select lower(x) from jsonb_array_elements_text(v_entry -> 'groups') x)
    on conflict (group_id, promoter_id) do nothing;
  end loop;
end;
$$;
comment on function private.import_write_rows(uuid, jsonb, text[]) is
  'For import_promoters(): creates the groups p_new_groups and a promoter, with its group memberships, for each entry of a report without errors.';
revoke all on function private.import_write_rows(uuid, jsonb, text[]) from public, anon, authenticated, service_role;
grant execute on function private.import_write_rows(uuid, jsonb, text[]) to authenticated;

-- import_promoters: the steps -----------------------------------------------------------------------
create or replace function public.import_promoters(p_organization_id uuid, p_rows jsonb, p_dry_run boolean default false)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
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
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
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
