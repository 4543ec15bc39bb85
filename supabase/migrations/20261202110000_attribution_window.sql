-- Attribution window, referral codes at checkout, and QR versus link.
--
-- * organizations.attribution_window_days: null means "this browser session" (the rule
--   so far: the token lives in a session cookie and checkout accepts it whatever its
--   age); 1 to private.max_attribution_window_days() days means the page keeps the token
--   that long and checkout credits a visit only while it is younger than that.
-- * organizations.referral_code_at_checkout: the checkout page asks "Referred by (code)";
--   a promo code of a promoter active on the event credits an order its link token does
--   not credit. Off by default.
-- * Both are copied onto every event of the organization (kept by a trigger and by
--   set_attribution_settings()), so the public event read tells the attendee page which
--   rule applies without reading the organization, and checkout finds them in the event
--   row it reads anyway.
-- * promoter_visits.source (link or qr) and attributions.source (link, qr or
--   referral_code): a QR code carries its link with src=qr; an order inherits its
--   visit's source. promoter_source_split() gives a promoter's figures per source.
-- * checkout() and track_promoter_visit() are defined here, with the arguments these
--   need (p_referral_code, p_source); their limits and patterns come from the contract
--   functions.
--
-- Lock order (docs/decisions/008-lock-order.md) is unchanged: the referral code is
-- looked up without locks while checkout holds only its own throttle rows (level 1),
-- where a miss is counted; its promoter is key-shared at level 2, after the token's
-- promoter, before any visit, ticket type, order or rollup row. set_attribution_settings()
-- writes the organization and then its events, rows no sale locks.

-- Contract -------------------------------------------------------------------------------------------
create function private.max_attribution_window_days()
returns integer
language sql immutable set search_path = ''
as $$
  select 90
$$;
comment on function private.max_attribution_window_days() is
  'The longest attribution window an organization may choose, in days (the shortest is 1). @contract maxAttributionWindowDays';
revoke all on function private.max_attribution_window_days() from public, anon, authenticated, service_role;
grant execute on function private.max_attribution_window_days() to authenticated, service_role;

-- Settings -------------------------------------------------------------------------------------------
alter table public.organizations
  add column attribution_window_days integer
    constraint organizations_attribution_window_days_check
    check (attribution_window_days between 1 and private.max_attribution_window_days()),
  add column referral_code_at_checkout boolean not null default false;
comment on column public.organizations.attribution_window_days is
  'How long a tracking link visit can credit a purchase: null for "this browser session", else 1 to 90 days from the visit. Changed through set_attribution_settings().';
comment on column public.organizations.referral_code_at_checkout is
  'Whether the checkout page asks for a referral code (a promoter''s promo code) that credits an order no link credits. Changed through set_attribution_settings().';

alter table public.events
  add column attribution_window_days integer
    constraint events_attribution_window_days_check
    check (attribution_window_days between 1 and private.max_attribution_window_days()),
  add column referral_code_at_checkout boolean not null default false;
comment on column public.events.attribution_window_days is
  'The organization''s attribution window (null: this browser session; else days), copied here for the public event read and checkout.';
comment on column public.events.referral_code_at_checkout is
  'Whether the organization takes referral codes at checkout, copied here for the public event read and checkout.';

-- Every organization starts with the defaults (null, false), which the new event columns have too.

-- security definer: it reads the organization, which the inserting role may not see
-- (service_role, or a function inserting on an owner's behalf).
create function private.copy_attribution_settings()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  select o.attribution_window_days, o.referral_code_at_checkout
    into new.attribution_window_days, new.referral_code_at_checkout
  from public.organizations o where o.id = new.organization_id;
  new.referral_code_at_checkout := coalesce(new.referral_code_at_checkout, false);
  return new;
end;
$$;
comment on function private.copy_attribution_settings() is
  'Gives an event its organization''s attribution window and referral-code setting, whatever the insert or update said.';
revoke all on function private.copy_attribution_settings() from public, anon, authenticated, service_role;
create trigger events_copy_attribution_settings
  before insert or update of organization_id, attribution_window_days, referral_code_at_checkout on public.events
  for each row execute function private.copy_attribution_settings();

create function public.set_attribution_settings(
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
comment on function public.set_attribution_settings(uuid, integer, boolean) is
  'Sets the organization''s attribution window (null: this browser session; else 1 to private.max_attribution_window_days() days) and whether checkout asks for a referral code (owners and admins), and returns them as saved ({attribution_window_days, referral_code_at_checkout}). Applies to every event of the organization at once, including visits already recorded. Errors: not_authorized, invalid_attribution_window, invalid_referral_code_setting. Nullable: p_attribution_window_days.';
revoke all on function public.set_attribution_settings(uuid, integer, boolean) from public, anon, authenticated, service_role;
grant execute on function public.set_attribution_settings(uuid, integer, boolean) to authenticated, service_role;

-- Sources --------------------------------------------------------------------------------------------
create type public.visit_source as enum ('link', 'qr');
comment on type public.visit_source is 'How a tracking link was opened: typed or tapped (link) or scanned from its QR code (qr).';
create type public.attribution_source as enum ('link', 'qr', 'referral_code');
comment on type public.attribution_source is 'What credited an order: a tracking link visit (link or qr, the visit''s source) or a referral code typed at checkout.';

alter table public.promoter_visits add column source public.visit_source not null default 'link';
comment on column public.promoter_visits.source is 'How the link was opened: link, or qr when it came from the promoter''s QR code.';

alter table public.attributions
  add column source public.attribution_source not null default 'link',
  add constraint attributions_visit_source_check check ((visit_id is null) = (source = 'referral_code'));
comment on column public.attributions.source is 'What credited the order: the visit''s source (link or qr), or referral_code (then visit_id is null).';

-- A promoter's figures per source.
create index attributions_promoter_id_source_idx on public.attributions (promoter_id, source);

create function public.track_promoter_visit(
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
comment on function public.track_promoter_visit(text, text, uuid, public.visit_source) is
  'Records that a browser session opened a promoter''s tracking link (p_source: link, or qr for the link a QR code carries) and returns its attribution token; the same session gets the same token again. A former promo code of the promoter works like the current one. One client address adds at most private.visits_per_client_link_day() visits per link and UTC day (further sessions share its latest visit''s token), members of the organization add none (null), and a client asking about more than private.visit_misses_per_client_minute() codes that are not live links per minute gets null for every code until the minute ends. Returns null, never an error, for unknown, inactive or deleted codes and for unknown or unpublished events. Nullable: result.';

-- checkout ----------------------------------------------------------------------------------------------
-- Hot on-sale: the ticket-type row lock is taken last. When a popular event goes on sale,
-- every buyer of one ticket type updates the same ticket_types row; its row lock is the
-- queue that guarantees no overselling, so it is held as briefly as possible:
--
-- * checkout() reads the ticket types without a lock (a sold-out type still refuses the
--   buyer before anything is written; the prices read are the ones charged), writes the
--   order, its items and its attribution, builds its answer, and takes the ticket types
--   last, in id order, each with one conditional update
--   (`sold = sold + n where sold + n <= capacity and price_minor = <charged>`). The hot
--   row is held for that statement and the commit only. A refusal there (sold_out, or
--   price_changed when the organizer changed the price meanwhile) rolls back everything
--   the checkout wrote.
-- * save_event() (20261201120000_atomic_saves.sql) updates the event row before it locks
--   the event's ticket types: a new order key-shares its event (foreign key) before it
--   takes its ticket types, so the other order (ticket types, then the event) deadlocks
--   with checkouts under way when the slug, a unique column, changes.
-- * refund_order() (20261124150400_checkout.sql) updates the order (and so its rollups)
--   first and takes its ticket types last, `for no key update`: a checkout's order items
--   key-share their ticket types before the checkout takes its rollup rows, and
--   `for update` conflicts with that share, which deadlocks a refund with a checkout
--   waiting for the same rollups.
--
-- Lock order (docs/decisions/008-lock-order.md): 1 throttle rows; 2 deletion request,
-- promoter; 3 visit; 4 the order being refunded; 5 the event row; 6 new orders and their
-- items, then the rollups (event_stats shards, promoter_daily_stats, promoter_totals);
-- 7 ticket types, in id order, last.
--
-- checkout() reads as the list of its steps; each step is a private function short
-- enough to read at once. checkout() (security definer) calls them as their owner, so
-- they are security invoker and executable by nobody else; the steps keep the lock
-- order above. Why a ticket type cannot be sold (ticket_type_not_found, sold_out,
-- price_changed) is written once, in checkout_refuse_ticket_type(), for the read of
-- step 6 and the update of step 9.

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
language plpgsql immutable set search_path = ''
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
language plpgsql volatile set search_path = ''
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
language plpgsql volatile set search_path = ''
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
language plpgsql volatile set search_path = ''
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
language plpgsql stable set search_path = ''
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
language plpgsql stable set search_path = ''
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
language plpgsql volatile set search_path = ''
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
language plpgsql volatile set search_path = ''
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
create function public.checkout(
  p_event_slug text,
  p_items jsonb,
  p_buyer_name text,
  p_buyer_email text,
  p_idempotency_key uuid,
  p_attribution_token text default null,
  p_referral_code text default null
)
returns jsonb
language plpgsql volatile security definer set search_path = ''
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
comment on function public.checkout(text, jsonb, text, text, uuid, text, text) is
  'Buys tickets atomically: validates the request, writes the order and its items, and attributes it when the attribution token belongs to an active promoter of this event, is within the organization''s attribution window (any age in session mode) and has credited fewer than private.attributed_orders_per_visit() orders (later orders sell, unattributed); otherwise, when the organization takes referral codes, p_referral_code (a current or former promo code of a promoter active on the event) credits it. A code that matches nobody never refuses the order: it sells unattributed (attribution_outcome invalid_referral_code) and counts against the client''s bound on codes that are not live. The order records what became of the token or code (attribution_outcome). Idempotent per p_idempotency_key; one client address places at most private.checkouts_per_client_minute() new orders per minute. It takes the ticket types last, each with one conditional update, and never sells beyond capacity nor at a price other than the one read at the start (price_changed: nothing is charged). Errors: invalid_idempotency_key, invalid_buyer_name, invalid_buyer_email, invalid_items, invalid_quantity, event_not_found, event_not_on_sale, too_many_checkouts (HTTP 429), ticket_type_not_found, sold_out, idempotency_key_reused, price_changed.';
revoke all on function public.checkout(text, jsonb, text, text, uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.checkout(text, jsonb, text, text, uuid, text, text) to anon, authenticated, service_role;

revoke all on function public.track_promoter_visit(text, text, uuid, public.visit_source) from public, anon, authenticated, service_role;
grant execute on function public.track_promoter_visit(text, text, uuid, public.visit_source) to anon, authenticated, service_role;

-- check_referral_code: the checkout page's question before it buys --------------------------------------
-- security definer: anonymous buyers cannot read promoters. It answers only yes or no,
-- and counts every no in the bucket of links that are not live, so guessing codes is
-- bounded like guessing links.
create function public.check_referral_code(p_event_slug text, p_referral_code text)
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
comment on function public.check_referral_code(text, text) is
  'Whether p_referral_code is the current or former promo code (ignoring case and surrounding spaces) of a promoter active on this published event, and the event''s organization takes referral codes at checkout. Each "no" counts against the client''s bound of private.visit_misses_per_client_minute() codes that are not live per minute; past it, the call is refused. Errors: too_many_referral_code_attempts (HTTP 429).';
revoke all on function public.check_referral_code(text, text) from public, anon, authenticated, service_role;
grant execute on function public.check_referral_code(text, text) to anon, authenticated, service_role;

-- promoter_source_split ---------------------------------------------------------------------------------
-- security definer: one membership check, then index walks over the promoter's visits
-- and attributions.
create function public.promoter_source_split(p_promoter_id uuid)
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
comment on function public.promoter_source_split(uuid) is
  'A promoter''s visits and paid attributed orders, tickets and revenue (minor units) per source: link, qr, referral_code (which has no visits), over all events (members). Errors: not_authorized.';
revoke all on function public.promoter_source_split(uuid) from public, anon, authenticated, service_role;
grant execute on function public.promoter_source_split(uuid) to authenticated, service_role;
