-- Orders for organizers, the attribution trail of an order, and promo codes that keep
-- working after they change.
--
-- * list_orders(): one organization's orders, newest first, keyset-paginated on
--   (created_at, id), with a search on reference, buyer name or email and filters on
--   event, promoter (or none), status and UTC days. Indexes below keep a page fast at a
--   million orders.
-- * order_detail(): an order with its items and its attribution trail: the promoter and
--   link that got the credit and when that visit happened, every link the same browser
--   session opened in the organization, and, for an unattributed order, why.
-- * checkout() now records on the order what the attribution token it came with was
--   (attribution_outcome, attribution_visit_id, attribution_session_id). It takes no
--   extra statement: the token's visit was already read; the read now also finds
--   visits of other events and of inactive links, to say why they did not count.
-- * Refunds of unattributed orders are broadcast too, so the event figures and the
--   remaining capacity on an open dashboard follow every refund.
-- * promoter_code_history: a promoter's former promo codes stay theirs. Links and QR
--   codes printed with an old code keep crediting them (track_promoter_visit() resolves
--   former codes), and no other promoter of the organization can take such a code.
--
-- Lock order (docs/decisions/008-lock-order.md) is unchanged: checkout() still
-- key-shares the token's promoter (level 2) before anything else and locks the visit
-- (level 3) only when it credits it. Renaming a promo code takes a transaction-scoped
-- advisory lock per code (old and new, in text order) before the promoter's row is
-- written, the way event slugs are reserved; nothing else takes those locks.

create extension if not exists pg_trgm with schema extensions;

-- What checkout() saw of the attribution token -------------------------------------------------
alter table public.orders
  add column attribution_outcome text
    check (attribution_outcome in ('no_link', 'unknown_link', 'other_event', 'promoter_inactive', 'visit_limit', 'attributed')),
  add column attribution_visit_id uuid,
  add column attribution_session_id uuid;
comment on column public.orders.attribution_outcome is
  'What checkout() made of the attribution token that came with the order: no_link (none), unknown_link (no such visit, e.g. its promoter was deleted), other_event (a link of another event), promoter_inactive (the link was deactivated), visit_limit (the visit had credited its maximum of orders), attributed. Null for orders placed before it was recorded.';
comment on column public.orders.attribution_visit_id is
  'The visit whose token came with the order, whether or not it credited it; no foreign key, since visits go away with their promoter and the order stays.';
comment on column public.orders.attribution_session_id is
  'The browser session of that visit: order_detail() lists the links this session opened.';

-- Keyset pagination newest first, per organization and per event, with a tie-breaker.
drop index public.orders_organization_id_created_at_idx;
create index orders_organization_id_created_at_idx on public.orders (organization_id, created_at desc, id desc);
drop index public.orders_event_id_idx;
create index orders_event_id_created_at_idx on public.orders (event_id, created_at desc, id desc);
-- Search by buyer name or email ("contains"); the reference has its unique index.
create index orders_buyer_search_idx on public.orders
  using gin ((buyer_name || ' ' || buyer_email) extensions.gin_trgm_ops);
-- The links one browser session opened.
create index promoter_visits_session_id_idx on public.promoter_visits (session_id);
-- An attributed promoter's orders, newest first.
create index attributions_promoter_id_order_id_idx on public.attributions (promoter_id, order_id);
drop index public.attributions_promoter_id_idx;

-- Former promo codes ---------------------------------------------------------------------------------
create table public.promoter_code_history (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  promoter_id uuid not null references public.promoters (id) on delete cascade,
  promo_code text not null check (promo_code ~ '^[A-Za-z0-9_-]{3,32}$'),
  retired_at timestamptz not null default now()
);
comment on table public.promoter_code_history is
  'Promo codes promoters gave up. Each stays an alias of its promoter: links with it keep crediting them, and no other promoter of the organization may take it. Kept by triggers on promoters; read-only through the API; removed with the promoter.';
comment on column public.promoter_code_history.id is 'Row id.';
comment on column public.promoter_code_history.organization_id is 'The promoter''s organization; a code is unique (ignoring case) among its current and former codes.';
comment on column public.promoter_code_history.promoter_id is 'The promoter the former code still stands for.';
comment on column public.promoter_code_history.promo_code is 'The former code, as it was written.';
comment on column public.promoter_code_history.retired_at is 'When the promoter changed away from it.';
create unique index promoter_code_history_code_key on public.promoter_code_history (organization_id, lower(promo_code));
create index promoter_code_history_promoter_id_idx on public.promoter_code_history (promoter_id);
alter table public.promoter_code_history enable row level security;

create policy "members can read former promo codes" on public.promoter_code_history for select to authenticated
  using (organization_id in (select private.member_organization_ids()));

revoke all on public.promoter_code_history from public, anon, authenticated, service_role;
grant select on public.promoter_code_history to authenticated;
grant select, insert, update, delete on public.promoter_code_history to service_role;

-- One transaction-scoped lock per (organization, code) serializes everyone who takes or
-- gives up that code.
create function private.lock_promo_code(p_organization_id uuid, p_promo_code text)
returns void
language sql
volatile
set search_path = ''
as $$
  select pg_advisory_xact_lock(hashtextextended('public.promoters.promo_code:' || p_organization_id::text || ':' || lower(p_promo_code), 0))
$$;
comment on function private.lock_promo_code(uuid, text) is 'Serializes transactions taking or giving up one promo code of an organization (advisory, until commit).';
revoke all on function private.lock_promo_code(uuid, text) from public, anon, authenticated, service_role;

-- security definer: it reads and writes promoter_code_history, which the API cannot write.
create function private.reserve_promo_code()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.promo_code = old.promo_code and new.organization_id = old.organization_id then
    return new;
  end if;
  if new.promo_code is null or new.promo_code !~ '^[A-Za-z0-9_-]{3,32}$' then
    -- validate_promoter() names the problem.
    return new;
  end if;
  if tg_op = 'UPDATE' and lower(new.promo_code) <> lower(old.promo_code) then
    perform private.lock_promo_code(new.organization_id, least(lower(old.promo_code), lower(new.promo_code)));
    perform private.lock_promo_code(new.organization_id, greatest(lower(old.promo_code), lower(new.promo_code)));
  else
    perform private.lock_promo_code(new.organization_id, new.promo_code);
  end if;

  if exists (
    select 1 from public.promoter_code_history h
    where h.organization_id = new.organization_id and lower(h.promo_code) = lower(new.promo_code)
      and h.promoter_id <> new.id
  ) then
    raise exception 'promo_code_taken'
      using errcode = '23505', hint = 'Another promoter of this organization used this promo code before; their old links still use it.';
  end if;

  if tg_op = 'UPDATE' and lower(new.promo_code) <> lower(old.promo_code) then
    -- Taking one's own former code back makes it current again.
    delete from public.promoter_code_history h
    where h.organization_id = new.organization_id and lower(h.promo_code) = lower(new.promo_code);
    insert into public.promoter_code_history (organization_id, promoter_id, promo_code)
    values (old.organization_id, old.id, old.promo_code)
    on conflict (organization_id, lower(promo_code)) do update
      set promoter_id = excluded.promoter_id, promo_code = excluded.promo_code, retired_at = now();
  end if;
  return new;
end;
$$;
comment on function private.reserve_promo_code() is
  'Refuses a promo code another promoter of the organization used before (promo_code_taken, 23505); on a change keeps the old code in promoter_code_history for the promoter.';
revoke all on function private.reserve_promo_code() from public, anon, authenticated, service_role;
-- Named to run before promoters_validate (triggers fire in name order), so the code's
-- lock is held when validate_promoter() looks at the current codes.
create trigger promoters_reserve_code before insert or update of promo_code, organization_id on public.promoters
  for each row execute function private.reserve_promo_code();

-- The promoter a code stands for: the current code first, else a former one.
create function private.promoter_for_code(p_organization_id uuid, p_promo_code text)
returns uuid
language sql
stable
set search_path = ''
as $$
  select coalesce(
    (select p.id from public.promoters p
     where p.organization_id = p_organization_id and lower(p.promo_code) = lower(p_promo_code)),
    (select h.promoter_id from public.promoter_code_history h
     where h.organization_id = p_organization_id and lower(h.promo_code) = lower(p_promo_code))
  )
$$;
comment on function private.promoter_for_code(uuid, text) is
  'The promoter of the organization whose current or former promo code this is (ignoring case), or null.';
revoke all on function private.promoter_for_code(uuid, text) from public, anon, authenticated, service_role;

create or replace function public.is_promo_code_available(p_organization_id uuid, p_promo_code text)
returns boolean
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
  if p_promo_code is null or p_promo_code !~ '^[A-Za-z0-9_-]{3,32}$' then
    raise exception 'invalid_promo_code'
      using errcode = 'P0001', hint = 'A promo code has 3 to 32 letters, digits, hyphens or underscores.';
  end if;
  return not exists (
    select 1 from public.promoters p
    where p.organization_id = p_organization_id and lower(p.promo_code) = lower(p_promo_code)
  ) and not exists (
    select 1 from public.promoter_code_history h
    where h.organization_id = p_organization_id and lower(h.promo_code) = lower(p_promo_code)
  );
end;
$$;
comment on function public.is_promo_code_available(uuid, text) is
  'Whether no promoter of the organization uses or used this promo code (ignoring case). Errors: not_authorized, invalid_promo_code.';

-- track_promoter_visit: former codes lead to their promoter ------------------------------------------
create or replace function public.track_promoter_visit(p_event_slug text, p_promo_code text, p_session_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
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
     or p_promo_code is null or char_length(p_promo_code) > 32 or p_promo_code !~ '^[A-Za-z0-9_-]{3,32}$' then
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
    if v_client is not null then
      perform private.prune_client_counters();
      perform private.count_client_call(v_client, 'visit_miss');
    end if;
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

  insert into public.promoter_visits (organization_id, event_id, promoter_id, session_id, token)
  values (v_organization_id, v_event_id, v_promoter_id, p_session_id, private.random_token())
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
comment on function public.track_promoter_visit(text, text, uuid) is
  'Records that a browser session opened a promoter''s tracking link and returns its attribution token; the same session gets the same token again. A former promo code of the promoter works like the current one. One client address adds at most private.visits_per_client_link_day() visits per link and UTC day (further sessions share its latest visit''s token), members of the organization add none (null), and a client asking about more than private.visit_misses_per_client_minute() codes that are not live links per minute gets null for every code until the minute ends. Returns null, never an error, for unknown, inactive or deleted codes and for unknown or unpublished events. Nullable: result.';

-- checkout: records what became of the attribution token ----------------------------------------------
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
  v_locked integer := 0;
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

  -- 6. Level 5: lock the ticket types in id order (so concurrent orders cannot
  --    deadlock), then check availability against the locked, current counts.
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
    if v_client is not null then
      update private.client_rate_counters c set hits = c.hits - 1
      where c.client_key = v_client and c.bucket = 'checkout' and c.window_start = date_trunc('minute', now());
    end if;
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

  -- 8. Attribute the order to the visit found in step 5, still locked.
  if v_visit_id is not null then
    insert into public.attributions (organization_id, order_id, promoter_id, event_id, visit_id)
    values (v_event.organization_id, v_order_id, v_seen_promoter_id, v_event.id, v_visit_id);
  end if;

  return private.order_json(v_order_id);
end;
$$;
comment on function public.checkout(text, jsonb, text, text, uuid, text) is
  'Buys tickets atomically: validates the request, locks the ticket types, never sells beyond capacity, writes the order and its items, and attributes it when the attribution token belongs to an active promoter of this event and has credited fewer than private.attributed_orders_per_visit() orders (later orders sell, unattributed); the order records what became of the token (attribution_outcome). Idempotent per p_idempotency_key; one client address places at most private.checkouts_per_client_minute() new orders per minute. Errors: invalid_idempotency_key, invalid_buyer_name, invalid_buyer_email, invalid_items, invalid_quantity, event_not_found, event_not_on_sale, too_many_checkouts (HTTP 429), ticket_type_not_found, sold_out, idempotency_key_reused.';

-- Orders already placed: the attributed ones are known.
update public.orders o set attribution_outcome = 'attributed', attribution_visit_id = a.visit_id,
  attribution_session_id = v.session_id
from public.attributions a
join public.promoter_visits v on v.id = a.visit_id
where a.order_id = o.id and o.attribution_outcome is null;

-- list_orders --------------------------------------------------------------------------------------
-- security definer: one membership check, then plain index walks (row-level security
-- on orders, attributions, promoters and events would add a membership test per row
-- and per join). plan_cache_mode = force_custom_plan: each call is planned for its own
-- filters, so unused ones cost nothing.
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
  p_limit integer default 50
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
  promo_code text
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
         a.promoter_id, p.name, p.promo_code
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
    and (v_search is null
         or o.reference = upper(v_search)
         or (o.buyer_name || ' ' || o.buyer_email) ilike v_pattern)
    and (p_after_id is null or (o.created_at, o.id) < (v_after_created_at, p_after_id))
  order by o.created_at desc, o.id desc
  limit v_limit;
end;
$$;
comment on function public.list_orders(uuid, text, uuid, uuid, boolean, public.order_status, date, date, uuid, integer) is
  'One page of the organization''s orders, newest first (members). Keyset pagination: pass the id of the last row of the previous page as p_after_id. Filters: p_search (the exact reference, or part of the buyer''s name or email), event, promoter, p_unattributed (orders credited to nobody), status, UTC days p_from to p_to (inclusive). p_limit 1 to 1000 (default 50). Errors: not_authorized, invalid_date_range, invalid_cursor. Nullable: refunded_at, promoter_id, promoter_name, promo_code.';
revoke all on function public.list_orders(uuid, text, uuid, uuid, boolean, public.order_status, date, date, uuid, integer)
  from public, anon, authenticated, service_role;
grant execute on function public.list_orders(uuid, text, uuid, uuid, boolean, public.order_status, date, date, uuid, integer)
  to authenticated, service_role;

-- order_detail ---------------------------------------------------------------------------------------
-- security definer: it reads visits and links across the organization for one order,
-- after checking that the caller is a member of the order's organization.
create function public.order_detail(p_order_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
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
    when v_order.attribution_outcome = 'attributed' then 'promoter_deleted'
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
        'visit_id', v.id, 'visited_at', v.visited_at, 'event_id', v.event_id
      )
      from public.promoters p join public.promoter_visits v on v.id = v_attribution.visit_id
      where p.id = v_attribution.promoter_id
    ) end,
    'unattributed_reason', v_reason,
    -- Every link this browser session opened in the organization up to the purchase,
    -- oldest first; the credited one is marked.
    'session_visits', coalesce((
      select jsonb_agg(jsonb_build_object(
        'visit_id', v.id, 'visited_at', v.visited_at, 'event_id', v.event_id, 'event_name', e.name,
        'promoter_id', p.id, 'promoter_name', p.name, 'promo_code', p.promo_code,
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
  'An order of the caller''s organization (members) with its event, items, buyer, the attribution (promoter, promo code, visit and when it happened), the reason it is credited to nobody when known (no_link, other_event, promoter_inactive, visit_limit, promoter_deleted; null when credited or not recorded), the links the same browser session opened before buying (session_visits, the credited one marked), and whether the caller may refund it. Errors: order_not_found.';
revoke all on function public.order_detail(uuid) from public, anon, authenticated, service_role;
grant execute on function public.order_detail(uuid) to authenticated, service_role;

-- Refunds: broadcast every one ------------------------------------------------------------------------
-- Same messages as before, built by private.attribution_message(); a refund of an order credited to nobody is sent too (with a
-- null promoter), so the event totals and remaining tickets on open dashboards follow.
create or replace function private.broadcast_attribution_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'attributions' and tg_op = 'INSERT' then
    perform realtime.send(
      private.attribution_message('sale', a.promoter_id, p.name, a.event_id, a.order_id, o.ticket_count, o.total_minor, o.currency),
      'attribution', private.organization_topic(t.organization_id, t.topic_key), true)
    from new_rows a
    join public.orders o on o.id = a.order_id
    join private.organization_topics t on t.organization_id = a.organization_id
    left join public.promoters p on p.id = a.promoter_id;
  elsif tg_table_name = 'attributions' and tg_op = 'DELETE' then
    -- One message per promoter and event, however many attributions went.
    perform realtime.send(
      private.attribution_message('removed', d.promoter_id, p.name, d.event_id, null, d.tickets::integer, d.revenue_minor::bigint, d.currency),
      'attribution', private.organization_topic(t.organization_id, t.topic_key), true)
    from (
      select a.organization_id, a.promoter_id, a.event_id, min(o.currency) as currency,
             coalesce(sum(o.ticket_count) filter (where o.status = 'paid'), 0) as tickets,
             coalesce(sum(o.total_minor) filter (where o.status = 'paid'), 0) as revenue_minor
      from old_rows a
      join public.orders o on o.id = a.order_id
      group by 1, 2, 3
    ) d
    join private.organization_topics t on t.organization_id = d.organization_id
    left join public.promoters p on p.id = d.promoter_id;
  elsif tg_table_name = 'orders' then
    perform realtime.send(
      private.attribution_message('refund', a.promoter_id, p.name, n.event_id, n.id, n.ticket_count, n.total_minor, n.currency),
      'attribution', private.organization_topic(t.organization_id, t.topic_key), true)
    from new_rows n
    join old_rows o on o.id = n.id
    join private.organization_topics t on t.organization_id = n.organization_id
    left join public.attributions a on a.order_id = n.id
    left join public.promoters p on p.id = a.promoter_id
    where o.status = 'paid' and n.status = 'refunded';
  end if;
  return null;
end;
$$;
comment on function private.broadcast_attribution_changes() is
  'Sends an "attribution" broadcast to the organization''s current topic org:<id>:<key> for new or removed attributions and for every refund (promoter_id null when the order was credited to nobody).';
