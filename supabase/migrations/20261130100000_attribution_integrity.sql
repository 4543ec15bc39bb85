-- Attribution integrity under attack and under load: one lock order for the functions
-- that write sales and visits, per-client bounds on what an anonymous caller can move,
-- and a bound on the orders one visit can credit.
--
-- Global lock order (docs/decisions/008-lock-order.md). Every transaction that writes
-- sales, visits or promoters takes its row locks in this order and never goes back to
-- an earlier level:
--
--   1. the caller's own throttle rows (private.client_rate_counters,
--      private.visit_allowances) — keyed by the client address, never locked by anyone
--      else's transaction;
--   2. the deletion request, then the promoter row (public.promoters): key share in
--      checkout(), refund_order() and track_promoter_visit(), for update in
--      confirm_promoter_deletion(), so the deletion and everything that credits the
--      promoter take turns here, before either holds anything the other needs;
--   3. the visit row of an attribution token (checkout(): for update, to count the
--      orders it credited; the deletion deletes visits);
--   4. the order being refunded (refund_order());
--   5. ticket types, in id order;
--   6. new order rows, then the rollup rows: private.event_stats shards in
--      (event_id, shard) order, then private.promoter_daily_stats, then
--      private.promoter_totals (the triggers of 20261124150500_performance.sql).
--
-- Before this migration checkout() locked an event_stats shard (by inserting the order)
-- and only then key-shared the promoter, while the deletion locked the promoter and
-- then the shards: the two deadlocked (40P01, HTTP 500) under load.
--
-- Client bounds. The database learns the caller's address from the gateway header
-- PostgREST copies into request.headers (private.client_address()) and keeps only a
-- keyed hash of it (private.client_key()), in counters that are pruned as they expire:
--   * a client address counts at most private.visits_per_client_link_day() visits per
--     tracking link and UTC day; further new sessions from it share its latest visit;
--   * a client address places at most private.checkouts_per_client_minute() new orders
--     per minute (too_many_checkouts, HTTP 429); a retry with the same idempotency key
--     returns the first order and does not count;
--   * a client address gets at most private.visit_misses_per_client_minute() answers
--     for codes that are not live links per minute; after that every code answers
--     null, exactly like an unknown one, until the minute is over;
--   * one visit token credits at most private.attributed_orders_per_visit() orders;
--     later orders with it sell normally but are not attributed.
-- Calls from a database session without request headers (the seed, maintenance jobs,
-- tests of the functions themselves) come from no client and are not throttled.

-- The client address --------------------------------------------------------------------------

create function private.client_address()
returns inet
language plpgsql
stable
set search_path = ''
as $$
declare
  v_raw text := nullif(current_setting('request.headers', true), '');
  v_headers jsonb;
  v_value text;
  v_parts text[];
begin
  if v_raw is null then
    return null;
  end if;
  v_headers := v_raw::jsonb;
  -- The platform's edge puts the address of the connection it accepted here and
  -- overwrites whatever the client sent; x-forwarded-for is only a fallback, and then
  -- only its last entry, the one appended by the proxy in front of PostgREST (entries
  -- before it are whatever the client chose to send).
  v_value := btrim(v_headers ->> 'cf-connecting-ip');
  if v_value is null or v_value = '' then
    v_parts := regexp_split_to_array(coalesce(v_headers ->> 'x-forwarded-for', ''), ',');
    v_value := btrim(v_parts[cardinality(v_parts)]);
  end if;
  if v_value is null or char_length(v_value) > 45 or v_value !~ '^[0-9A-Fa-f:.]+$' then
    return null;
  end if;
  -- An IPv4 client written as IPv4-mapped IPv6 is that IPv4 client, not one of a /64.
  v_value := regexp_replace(v_value, '^::ffff:([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)$', '\1', 'i');
  begin
    return v_value::inet;
  exception when invalid_text_representation then
    return null;
  end;
end;
$$;
comment on function private.client_address() is
  'The address of the client that made the current API request: the gateway''s cf-connecting-ip header, else the last x-forwarded-for entry; null outside an API request or when the headers carry no valid address.';
revoke all on function private.client_address() from public;

create table private.client_key_secret (
  singleton boolean primary key default true check (singleton),
  secret bytea not null default extensions.gen_random_bytes(32),
  created_at timestamptz not null default now()
);
comment on table private.client_key_secret is
  'The one secret that keys private.client_key(): client addresses are stored only as keyed hashes, never in the clear.';
comment on column private.client_key_secret.singleton is 'Always true: the table holds one row.';
comment on column private.client_key_secret.secret is '32 random bytes, the key of private.client_key().';
comment on column private.client_key_secret.created_at is 'When the secret was drawn.';
insert into private.client_key_secret default values;
alter table private.client_key_secret enable row level security;
-- No policies: only the owner of the functions below reads it.
revoke all on private.client_key_secret from public, anon, authenticated, service_role;

create function private.client_key()
returns bytea
language plpgsql
stable
set search_path = ''
as $$
declare
  v_address inet;
  v_client text;
begin
  if nullif(current_setting('request.headers', true), '') is null then
    return null;
  end if;
  v_address := private.client_address();
  -- An IPv6 client usually holds a whole /64; counting its addresses one by one would
  -- let it rotate through them. Requests without a usable address share one key.
  v_client := case
    when v_address is null then 'unknown'
    when family(v_address) = 6 then host(network(set_masklen(v_address, 64))) || '/64'
    else host(v_address)
  end;
  -- Core sha256() over secret || client: without the secret, a stored key cannot be
  -- matched to an address by trying them all.
  return substring(sha256((select s.secret from private.client_key_secret s) || convert_to(v_client, 'UTF8')) from 1 for 16);
end;
$$;
comment on function private.client_key() is
  'A 16-byte keyed hash (SHA-256 of a secret and the address) of the current API caller''s address (its /64 for IPv6), for per-client counters; null outside an API request (no request.headers).';
revoke all on function private.client_key() from public;

-- Bounds -------------------------------------------------------------------------------------------

create function private.visits_per_client_link_day()
returns integer
language sql
immutable
set search_path = ''
as $$
  select 3
$$;
comment on function private.visits_per_client_link_day() is
  'Visits one client address can add to one tracking link (event + promoter) per UTC day.';

create function private.visit_misses_per_client_minute()
returns integer
language sql
immutable
set search_path = ''
as $$
  select 20
$$;
comment on function private.visit_misses_per_client_minute() is
  'track_promoter_visit() calls for codes that are not live links one client address may make per minute; beyond it every call answers null.';

create function private.checkouts_per_client_minute()
returns integer
language sql
immutable
set search_path = ''
as $$
  select 10
$$;
comment on function private.checkouts_per_client_minute() is
  'New orders one client address may place per minute (idempotent retries do not count); beyond it checkout() raises too_many_checkouts (HTTP 429).';

create function private.attributed_orders_per_visit()
returns integer
language sql
immutable
set search_path = ''
as $$
  select 3
$$;
comment on function private.attributed_orders_per_visit() is
  'Orders one visit token can credit to its promoter; later orders with the token still sell but are not attributed.';

revoke all on function private.visits_per_client_link_day(), private.visit_misses_per_client_minute(),
  private.checkouts_per_client_minute(), private.attributed_orders_per_visit() from public;

-- The old per-link rate gave way to the per-client bound above.
drop function private.visit_rate_limit_per_minute();

-- Counters -----------------------------------------------------------------------------------------

create table private.client_rate_counters (
  client_key bytea not null,
  bucket text not null check (bucket in ('checkout', 'visit_miss')),
  window_start timestamptz not null,
  hits integer not null default 0 check (hits >= 0),
  primary key (client_key, bucket, window_start)
);
comment on table private.client_rate_counters is
  'Per client address (keyed hash), kind of call and minute: how many calls counted. Rows older than 10 minutes are pruned by the functions that write them.';
comment on column private.client_rate_counters.client_key is 'private.client_key() of the caller: a keyed hash, not the address.';
comment on column private.client_rate_counters.bucket is 'checkout: new orders placed; visit_miss: track_promoter_visit() calls that found no live link.';
comment on column private.client_rate_counters.window_start is 'The minute counted (date_trunc(''minute'', now())).';
comment on column private.client_rate_counters.hits is 'Calls counted in that minute.';
create index client_rate_counters_window_start_idx on private.client_rate_counters (window_start);
alter table private.client_rate_counters enable row level security;
revoke all on private.client_rate_counters from public, anon, authenticated, service_role;

create table private.visit_allowances (
  event_id uuid not null,
  promoter_id uuid not null,
  client_key bytea not null,
  day date not null,
  visits integer not null default 0 check (visits >= 0),
  last_visit_id uuid,
  primary key (event_id, promoter_id, client_key, day)
);
comment on table private.visit_allowances is
  'Per tracking link, client address (keyed hash) and UTC day: the visits that client added, and its latest one. Rows of earlier days are pruned by track_promoter_visit().';
comment on column private.visit_allowances.event_id is 'The link''s event.';
comment on column private.visit_allowances.promoter_id is 'The link''s promoter (no foreign key: rows expire with their day).';
comment on column private.visit_allowances.client_key is 'private.client_key() of the visitor: a keyed hash, not the address.';
comment on column private.visit_allowances.day is 'The UTC day counted.';
comment on column private.visit_allowances.visits is 'Visits this client added to the link that day (at most private.visits_per_client_link_day()).';
comment on column private.visit_allowances.last_visit_id is 'Its latest counted visit, whose token further new sessions of the client share.';
create index visit_allowances_day_idx on private.visit_allowances (day);
alter table private.visit_allowances enable row level security;
revoke all on private.visit_allowances from public, anon, authenticated, service_role;

-- Expired counters go a few at a time, skipping rows another transaction holds, so
-- pruning never waits and never takes part in the lock order.
create function private.prune_client_counters()
returns void
language sql
volatile
set search_path = ''
as $$
  delete from private.client_rate_counters c
  where c.ctid = any (array(
    select x.ctid from private.client_rate_counters x
    where x.window_start < now() - interval '10 minutes'
    limit 100
    for update skip locked
  ));
  delete from private.visit_allowances a
  where a.ctid = any (array(
    select x.ctid from private.visit_allowances x
    where x.day < (now() at time zone 'utc')::date
    limit 100
    for update skip locked
  ));
$$;
comment on function private.prune_client_counters() is
  'Deletes up to 100 expired rows of client_rate_counters (older than 10 minutes) and of visit_allowances (earlier UTC days), without waiting for locks.';
revoke all on function private.prune_client_counters() from public;

-- Whether the client has used up a per-minute allowance (no lock: a read).
create function private.client_limit_reached(p_client_key bytea, p_bucket text, p_limit integer)
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce((
    select c.hits >= p_limit from private.client_rate_counters c
    where c.client_key = p_client_key and c.bucket = p_bucket and c.window_start = date_trunc('minute', now())
  ), false)
$$;
comment on function private.client_limit_reached(bytea, text, integer) is
  'Whether the client already made p_limit counted calls of this kind in the current minute.';
revoke all on function private.client_limit_reached(bytea, text, integer) from public;

-- Counts one call and returns the count so far this minute; the row stays locked to
-- the end of the transaction (level 1 of the lock order).
create function private.count_client_call(p_client_key bytea, p_bucket text)
returns integer
language sql
volatile
set search_path = ''
as $$
  insert into private.client_rate_counters as c (client_key, bucket, window_start, hits)
  values (p_client_key, p_bucket, date_trunc('minute', now()), 1)
  on conflict (client_key, bucket, window_start) do update set hits = c.hits + 1
  returning c.hits
$$;
comment on function private.count_client_call(bytea, text) is
  'Adds one call of this kind for the client in the current minute and returns the minute''s count; locks the counter row.';
revoke all on function private.count_client_call(bytea, text) from public;

-- track_promoter_visit -------------------------------------------------------------------------------
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

  select e.id, e.organization_id, p.id into v_event_id, v_organization_id, v_promoter_id
  from public.events e
  join public.promoters p on p.organization_id = e.organization_id and lower(p.promo_code) = lower(p_promo_code)
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
  'Records that a browser session opened a promoter''s tracking link and returns its attribution token; the same session gets the same token again. One client address adds at most private.visits_per_client_link_day() visits per link and UTC day (further sessions share its latest visit''s token), members of the organization add none (null), and a client asking about more than private.visit_misses_per_client_minute() codes that are not live links per minute gets null for every code until the minute ends. Returns null, never an error, for unknown, inactive or deleted codes and for unknown or unpublished events. Nullable: result.';

-- checkout -------------------------------------------------------------------------------------------
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
  v_visit_id uuid;
  v_visit_promoter_id uuid;
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

  -- 5. Levels 2 and 3: the promoter of the attribution token (key share, so a deletion
  --    either finishes first or waits for this order), then its visit (for update, so
  --    concurrent orders with one token count its credits one at a time). Both come
  --    before any ticket type, order or rollup row. An invalid token is ignored: the
  --    buyer never notices.
  if p_attribution_token is not null and char_length(p_attribution_token) <= 64 then
    select v.id, v.promoter_id into v_visit_id, v_visit_promoter_id
    from public.promoter_visits v
    join public.event_promoters ep on ep.event_id = v.event_id and ep.promoter_id = v.promoter_id and ep.active
    join public.promoters p on p.id = v.promoter_id
    where v.token = p_attribution_token and v.event_id = v_event.id
    for key share of p;
    if v_visit_id is not null then
      perform 1 from public.promoter_visits v where v.id = v_visit_id for update;
      if not found or (select count(*) from public.attributions a where a.visit_id = v_visit_id)
                      >= private.attributed_orders_per_visit() then
        v_visit_id := null;
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

  -- 7. Level 6: write the order (its rollup trigger locks an event_stats shard). A
  --    concurrent twin that got there first wins the unique key.
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

  -- 8. Attribute the order to the visit found in step 5, still locked.
  if v_visit_id is not null then
    insert into public.attributions (organization_id, order_id, promoter_id, event_id, visit_id)
    values (v_event.organization_id, v_order_id, v_visit_promoter_id, v_event.id, v_visit_id);
  end if;

  return private.order_json(v_order_id);
end;
$$;
comment on function public.checkout(text, jsonb, text, text, uuid, text) is
  'Buys tickets atomically: validates the request, locks the ticket types, never sells beyond capacity, writes the order and its items, and attributes it when the attribution token belongs to an active promoter of this event and has credited fewer than private.attributed_orders_per_visit() orders (later orders sell, unattributed). Idempotent per p_idempotency_key; one client address places at most private.checkouts_per_client_minute() new orders per minute. Errors: invalid_idempotency_key, invalid_buyer_name, invalid_buyer_email, invalid_items, invalid_quantity, event_not_found, event_not_on_sale, too_many_checkouts (HTTP 429), ticket_type_not_found, sold_out, idempotency_key_reused.';

-- refund_order ---------------------------------------------------------------------------------------
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

  -- Level 4: the order itself, then (level 5) its ticket types in id order.
  select * into v_order from public.orders o where o.id = p_order_id for update;
  if v_order.status = 'refunded' then
    raise exception 'order_already_refunded' using errcode = 'P0001', hint = 'This order has already been refunded.';
  end if;

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

-- confirm_promoter_deletion ------------------------------------------------------------------------
create or replace function public.confirm_promoter_deletion(p_promoter_id uuid, p_token text, p_promo_code text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_organization_id uuid := private.authorize_promoter_deletion(p_promoter_id);
  v_request private.promoter_deletion_requests;
  v_promo_code text;
  v_attributions bigint;
  v_visits bigint;
  v_links bigint;
  v_memberships bigint;
begin
  -- Level 2: the request, then the promoter.
  select * into v_request from private.promoter_deletion_requests r where r.promoter_id = p_promoter_id for update;
  if v_request.promoter_id is null or p_token is null or char_length(p_token) > 64
     or extensions.digest(p_token, 'sha256') <> v_request.token_hash then
    raise exception 'deletion_not_requested'
      using errcode = 'P0001', hint = 'Start the deletion again: the confirmation does not match a pending request.';
  end if;
  if v_request.expires_at < now() then
    raise exception 'deletion_expired'
      using errcode = 'P0001', hint = 'The deletion request expired after 10 minutes; start again.';
  end if;
  select p.promo_code into v_promo_code from public.promoters p where p.id = p_promoter_id for update;
  if p_promo_code is null or char_length(p_promo_code) > 32 or lower(btrim(p_promo_code)) <> lower(v_promo_code) then
    raise exception 'deletion_code_mismatch'
      using errcode = 'P0001', hint = 'Type the promoter''s promo code exactly to confirm the deletion.';
  end if;

  -- Level 6: the event_stats shards the attributions count in, in (event_id, shard)
  -- order, before the statements below update them in whatever order their plans
  -- produce (two deletions at once would otherwise cross).
  perform 1 from private.event_stats s
  where (s.event_id, s.shard) in (
    select o.event_id, private.event_stats_shard(o.id)
    from public.attributions a
    join public.orders o on o.id = a.order_id
    where a.promoter_id = p_promoter_id
  )
  order by s.event_id, s.shard
  for update;

  -- Attributions first, while the promoter still exists, so the realtime message can
  -- name them; orders and order items are not touched.
  delete from public.attributions a where a.promoter_id = p_promoter_id;
  get diagnostics v_attributions = row_count;
  delete from public.promoter_visits v where v.promoter_id = p_promoter_id;
  get diagnostics v_visits = row_count;
  delete from public.event_promoters ep where ep.promoter_id = p_promoter_id;
  get diagnostics v_links = row_count;
  delete from public.promoter_group_members gm where gm.promoter_id = p_promoter_id;
  get diagnostics v_memberships = row_count;
  delete from private.promoter_daily_stats s where s.promoter_id = p_promoter_id;
  delete from public.promoters p where p.id = p_promoter_id and p.organization_id = v_organization_id;

  return jsonb_build_object(
    'deleted_visits', v_visits,
    'deleted_attributions', v_attributions,
    'deleted_links', v_links,
    'deleted_memberships', v_memberships
  );
end;
$$;
comment on function public.confirm_promoter_deletion(uuid, text, text) is
  'Second confirmation (owners and admins): with the token from request_promoter_deletion() and the promo code typed again, permanently deletes the promoter, their links, visits, attributions and group memberships. Orders are kept, unattributed. Errors: not_authorized, deletion_not_requested, deletion_expired, deletion_code_mismatch.';
