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
-- * checkout() (20261202110000_attribution_window.sql) records on the order what the
--   attribution token it came with was (attribution_outcome, attribution_visit_id,
--   attribution_session_id). It takes no
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
    check (attribution_outcome in ('no_link', 'unknown_link', 'other_event', 'promoter_inactive', 'visit_limit', 'expired',
                                   'attributed', 'referral_code', 'invalid_referral_code')),
  add column attribution_visit_id uuid,
  add column attribution_session_id uuid;
comment on column public.orders.attribution_outcome is
  'What checkout() made of the attribution token or referral code that came with the order: no_link (none), unknown_link (no such visit, e.g. its promoter was deleted), other_event (a link of another event), promoter_inactive (the link was deactivated), visit_limit (the visit had credited its maximum of orders), expired (the visit was older than the attribution window), attributed (the link credited it), referral_code (the code credited it), invalid_referral_code (the code matched no active promoter of the event). Null for orders placed before it was recorded.';
comment on column public.orders.attribution_visit_id is
  'The visit whose token came with the order, whether or not it credited it; no foreign key, since visits go away with their promoter and the order stays.';
comment on column public.orders.attribution_session_id is
  'The browser session of that visit: order_detail() lists the links this session opened.';

-- Keyset pagination newest first, per organization and per event, with a tie-breaker.
create index orders_organization_id_created_at_idx on public.orders (organization_id, created_at desc, id desc);
create index orders_event_id_created_at_idx on public.orders (event_id, created_at desc, id desc);

-- Search by buyer name or email ("contains"); the reference has its unique index.
create index orders_buyer_search_idx on public.orders
  using gin ((buyer_name || ' ' || buyer_email) extensions.gin_trgm_ops);

-- The links one browser session opened.
create index promoter_visits_session_id_idx on public.promoter_visits (session_id);

-- An attributed promoter's orders, newest first.
create index attributions_promoter_id_order_id_idx on public.attributions (promoter_id, order_id);

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

-- security definer: it reads and writes promoter_code_history, which the API cannot write.
create function private.reserve_promo_code()
returns trigger
language plpgsql security definer set search_path = ''
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
language sql stable set search_path = ''
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
comment on function public.list_orders(uuid, text, uuid, uuid, boolean, public.order_status, date, date, uuid, integer, boolean) is
  'One page of the organization''s orders, newest first (members). Keyset pagination: pass the id of the last row of the previous page as p_after_id. Filters: p_search (the exact reference, or part of the buyer''s name or email), event, promoter, p_unattributed (orders credited to nobody), status, UTC days p_from to p_to (inclusive), p_self_referral (true: only self-referrals; false: none). p_limit 1 to 1000 (default 50). self_referral says whether the buyer was the credited promoter (counted or not, the order stays listed). Errors: not_authorized, invalid_date_range, invalid_cursor. Nullable: refunded_at, promoter_id, promoter_name, promo_code.';
revoke all on function public.list_orders(uuid, text, uuid, uuid, boolean, public.order_status, date, date, uuid, integer, boolean)
  from public, anon, authenticated, service_role;
grant execute on function public.list_orders(uuid, text, uuid, uuid, boolean, public.order_status, date, date, uuid, integer, boolean)
  to authenticated, service_role;

-- order_detail ---------------------------------------------------------------------------------------
-- security definer: it reads visits and links across the organization for one order,
-- after checking that the caller is a member of the order's organization.
create function public.order_detail(p_order_id uuid)
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
revoke all on function public.order_detail(uuid) from public, anon, authenticated, service_role;
grant execute on function public.order_detail(uuid) to authenticated, service_role;
