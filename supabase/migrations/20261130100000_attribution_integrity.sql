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
--   (Amended for the hot on-sale: the event row, then new orders and rollups, then the
--   ticket types last; see the lock order before checkout() in
--   20261202110000_attribution_window.sql.)
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
language plpgsql stable set search_path = ''
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
language plpgsql stable set search_path = ''
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
language sql immutable set search_path = ''
as $$
  select 3
$$;
comment on function private.visits_per_client_link_day() is
  'Visits one client address can add to one tracking link (event + promoter) per UTC day.';

create function private.visit_misses_per_client_minute()
returns integer
language sql immutable set search_path = ''
as $$
  select 20
$$;
comment on function private.visit_misses_per_client_minute() is
  'track_promoter_visit() calls for codes that are not live links one client address may make per minute; beyond it every call answers null.';

create function private.checkouts_per_client_minute()
returns integer
language sql immutable set search_path = ''
as $$
  select 10
$$;
comment on function private.checkouts_per_client_minute() is
  'New orders one client address may place per minute (idempotent retries do not count); beyond it checkout() raises too_many_checkouts (HTTP 429).';

create function private.attributed_orders_per_visit()
returns integer
language sql immutable set search_path = ''
as $$
  select 3
$$;
comment on function private.attributed_orders_per_visit() is
  'Orders one visit token can credit to its promoter; later orders with the token still sell but are not attributed.';

revoke all on function private.visits_per_client_link_day(), private.visit_misses_per_client_minute(),
  private.checkouts_per_client_minute(), private.attributed_orders_per_visit() from public;

-- Counters -----------------------------------------------------------------------------------------

create table private.client_rate_counters (
  client_key bytea not null,
  bucket text not null check (bucket in ('checkout', 'visit_miss', 'invitation_miss', 'portal_miss')),
  window_start timestamptz not null,
  hits integer not null default 0 check (hits >= 0),
  primary key (client_key, bucket, window_start)
);
comment on table private.client_rate_counters is
  'Per client address (keyed hash), kind of call and minute: how many calls counted. Rows older than 10 minutes are pruned by the functions that write them.';
comment on column private.client_rate_counters.client_key is 'private.client_key() of the caller: a keyed hash, not the address.';
comment on column private.client_rate_counters.bucket is
  'checkout: new orders placed; visit_miss: track_promoter_visit() calls that found no live link; invitation_miss: invitation_preview() and accept_invitation() calls with a token that is not a live invitation; portal_miss: portal_view() calls with a secret that is not a live portal.';
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
language plpgsql volatile set search_path = ''
as $$
begin
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
end;
$$;
comment on function private.prune_client_counters() is
  'Deletes up to 100 expired rows of client_rate_counters (older than 10 minutes) and of visit_allowances (earlier UTC days), without waiting for locks.';
revoke all on function private.prune_client_counters() from public;

-- Whether the client has used up a per-minute allowance (no lock: a read).
create function private.client_limit_reached(p_client_key bytea, p_bucket text, p_limit integer)
returns boolean
language sql stable set search_path = ''
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
language plpgsql volatile set search_path = ''
as $$
declare
  v_hits integer;
begin
  insert into private.client_rate_counters as c (client_key, bucket, window_start, hits)
  values (p_client_key, p_bucket, date_trunc('minute', now()), 1)
  on conflict (client_key, bucket, window_start) do update set hits = c.hits + 1
  returning c.hits into v_hits;
  return v_hits;
end;
$$;
comment on function private.count_client_call(bytea, text) is
  'Adds one call of this kind for the client in the current minute and returns the minute''s count; locks the counter row.';
revoke all on function private.count_client_call(bytea, text) from public;

-- Counts a miss (a link, code, token or secret that is not a live one): the counts that
-- private.client_limit_reached() compares with each kind's misses a minute.
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
