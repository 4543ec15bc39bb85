-- The promoter portal: a private link per promoter that shows their own results, with
-- no account.
--
-- Each promoter may have one portal secret: 32 random bytes written as 43 base64url
-- characters, returned once by rotate_promoter_portal() and stored only as its SHA-256
-- (private.promoter_portals). Rotating replaces the secret (the old link stops working
-- in the same transaction); disable_promoter_portal() turns the link off. Any member of
-- the promoter's organization may do both, as they may edit the promoter.
--
-- portal_view(secret) is the only way in: security definer, open to anon, keyed by the
-- secret's hash. It answers null alike for a wrong, rotated or turned-off secret, and
-- counts such misses per client address (private.client_rate_counters, bucket
-- portal_miss, as invitation_preview() does); beyond
-- private.portal_misses_per_client_minute() misses a minute it answers null to every
-- secret until the minute is over. It returns the promoter's name, the organization's
-- name and, per published event the promoter is active on (at most
-- private.portal_max_events()), the tracking link, tickets, revenue (unless the
-- organization hides it), visits, conversion, a daily series of the last
-- private.portal_series_days() days and, when the organization shows it, the
-- promoter's rank among the event's promoters. Nothing about other promoters or
-- buyers.
--
-- Live: each portal has its own realtime topic portal:<topic key>, the key being 128
-- random bits drawn with the secret (so it is neither the secret nor its stored hash)
-- and given only to portal_view() callers. anon and authenticated may receive
-- broadcasts on the topic of an enabled portal only (a policy on realtime.messages). A
-- trigger on new attributions (and on refunds of attributed orders) sends "changed"
-- with the event id — no buyer data, no figures — to the promoter's enabled portal;
-- the portal refetches portal_view(). Rotating or turning off a portal also sends
-- "changed" to its old topic, so an open portal learns at once that its link is gone.
-- See docs/decisions/016-promoter-portal.md.

-- Organization settings ------------------------------------------------------------------
alter table public.organizations
  add column portal_show_revenue boolean not null default true,
  add column portal_show_rank boolean not null default false;
comment on column public.organizations.portal_show_revenue is
  'Whether promoter portals show the revenue of the promoter''s sales (tickets are always shown). Changed through set_portal_settings() (owners and admins).';
comment on column public.organizations.portal_show_rank is
  'Whether promoter portals show the promoter''s rank among the event''s promoters by tickets. Changed through set_portal_settings() (owners and admins).';

-- Bounds ---------------------------------------------------------------------------------------
create function private.portal_misses_per_client_minute()
returns integer
language sql immutable set search_path = ''
as $$
  select 10
$$;
comment on function private.portal_misses_per_client_minute() is
  'portal_view() calls with a secret that is not a live portal one client address may make per minute; beyond it every call answers null.';

create function private.portal_max_events()
returns integer
language sql immutable set search_path = ''
as $$
  select 50
$$;
comment on function private.portal_max_events() is
  'The most events one portal_view() answer lists (the latest by start).';

create function private.portal_series_days()
returns integer
language sql immutable set search_path = ''
as $$
  select 90
$$;
comment on function private.portal_series_days() is
  'The days (up to today, UTC) the daily sales series of a portal_view() answer covers.';

revoke all on function private.portal_misses_per_client_minute(), private.portal_max_events(), private.portal_series_days()
  from public, anon, authenticated, service_role;

-- promoter_portals ---------------------------------------------------------------------------
create table private.promoter_portals (
  promoter_id uuid primary key references public.promoters (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  secret_hash bytea not null unique check (octet_length(secret_hash) = 32),
  topic_key text not null unique check (topic_key ~ '^[0-9a-f]{32}$'),
  enabled boolean not null default true,
  rotated_at timestamptz not null default now(),
  disabled_at timestamptz,
  check (enabled = (disabled_at is null))
);
comment on table private.promoter_portals is
  'Each promoter''s portal link: the SHA-256 of its secret (the secret itself is never stored), its realtime topic key and whether it is on. Written by rotate_promoter_portal() and disable_promoter_portal(); read by portal_view() and promoter_portal_status().';
comment on column private.promoter_portals.promoter_id is 'The promoter whose results the portal shows; the portal goes with the promoter.';
comment on column private.promoter_portals.organization_id is 'The promoter''s organization.';
comment on column private.promoter_portals.secret_hash is 'SHA-256 of the secret in the link /p/<secret>; the secret is returned once by rotate_promoter_portal().';
comment on column private.promoter_portals.topic_key is '32 hex digits (128 random bits), drawn with each secret: the portal''s realtime topic is portal:<topic_key>.';
comment on column private.promoter_portals.enabled is 'Whether the link works; false after disable_promoter_portal() until the next rotation.';
comment on column private.promoter_portals.rotated_at is 'When the current secret was drawn.';
comment on column private.promoter_portals.disabled_at is 'When the link was turned off; null while it works.';
create index promoter_portals_organization_id_idx on private.promoter_portals (organization_id);
alter table private.promoter_portals enable row level security;

-- No policies and no grants: only the security-definer functions below touch it.
revoke all on private.promoter_portals from public, anon, authenticated, service_role;

-- Helpers ------------------------------------------------------------------------------------------
create function private.portal_secret_hash(p_secret text)
returns bytea
language sql immutable set search_path = ''
as $$
  select extensions.digest(p_secret, 'sha256')
$$;
comment on function private.portal_secret_hash(text) is 'The stored form of a portal secret: its SHA-256.';

create function private.is_portal_secret(p_secret text)
returns boolean
language sql immutable set search_path = ''
as $$
  select p_secret is not null and char_length(p_secret) = 43 and p_secret ~ '^[A-Za-z0-9_-]{43}$'
$$;
comment on function private.is_portal_secret(text) is 'Whether p_secret has the form of a portal secret (43 base64url characters, 256 bits).';

create function private.portal_topic(p_topic_key text)
returns text
language sql immutable set search_path = ''
as $$
  select 'portal:' || p_topic_key
$$;
comment on function private.portal_topic(text) is 'The realtime topic of a portal: portal:<topic key>.';

revoke all on function private.portal_secret_hash(text), private.is_portal_secret(text), private.portal_topic(text)
  from public, anon, authenticated, service_role;

-- The promoter of the caller's organization, key-share locked (lock order level 2,
-- docs/decisions/008-lock-order.md), or not_authorized.
create function private.authorize_portal_change(p_promoter_id uuid)
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
comment on function private.authorize_portal_change(uuid) is
  'Key-share locks the promoter and returns its organization when the caller is a member of it; raises not_authorized otherwise (also for a promoter that does not exist).';
revoke all on function private.authorize_portal_change(uuid) from public, anon, authenticated, service_role;

-- Tells an open portal to look again (its figures changed, or its link went).
create function private.notify_portal(p_topic_key text, p_event_id uuid)
returns void
language sql volatile set search_path = ''
as $$
  select realtime.send(jsonb_build_object('kind', 'changed', 'event_id', p_event_id), 'portal', private.portal_topic(p_topic_key), true)
$$;
comment on function private.notify_portal(text, uuid) is
  'Sends the content-free "portal" broadcast {kind: changed, event_id} to a portal''s topic; event_id null when the link itself changed.';
revoke all on function private.notify_portal(text, uuid) from public, anon, authenticated, service_role;

-- rotate_promoter_portal -------------------------------------------------------------------
-- security definer: nobody may read or write the portal table directly.
create function public.rotate_promoter_portal(p_promoter_id uuid)
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_organization_id uuid := private.authorize_portal_change(p_promoter_id);
  v_secret text := translate(rtrim(encode(extensions.gen_random_bytes(32), 'base64'), '='), '+/', '-_');
  v_old_topic_key text;
  v_rotated_at timestamptz;
begin
  select pp.topic_key into v_old_topic_key from private.promoter_portals pp where pp.promoter_id = p_promoter_id for update;
  insert into private.promoter_portals as pp (promoter_id, organization_id, secret_hash, topic_key)
  values (p_promoter_id, v_organization_id, private.portal_secret_hash(v_secret), encode(extensions.gen_random_bytes(16), 'hex'))
  on conflict (promoter_id) do update
    set secret_hash = excluded.secret_hash, topic_key = excluded.topic_key, enabled = true,
        rotated_at = now(), disabled_at = null
  returning pp.rotated_at into v_rotated_at;
  if v_old_topic_key is not null then
    perform private.notify_portal(v_old_topic_key, null);
  end if;
  return jsonb_build_object('secret', v_secret, 'enabled', true, 'rotated_at', v_rotated_at);
end;
$$;
comment on function public.rotate_promoter_portal(uuid) is
  'Members of the promoter''s organization draw a new portal secret: returns {secret, enabled, rotated_at} once (only its hash is kept) and turns the portal on; the previous secret stops working at once. Errors: not_authorized.';
revoke all on function public.rotate_promoter_portal(uuid) from public, anon, authenticated, service_role;
grant execute on function public.rotate_promoter_portal(uuid) to authenticated;

-- disable_promoter_portal ------------------------------------------------------------------
create function public.disable_promoter_portal(p_promoter_id uuid)
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_portal private.promoter_portals;
begin
  perform private.authorize_portal_change(p_promoter_id);
  update private.promoter_portals pp
  set enabled = false, disabled_at = coalesce(pp.disabled_at, now())
  where pp.promoter_id = p_promoter_id
  returning * into v_portal;
  if v_portal.promoter_id is not null then
    perform private.notify_portal(v_portal.topic_key, null);
  end if;
  return jsonb_build_object('enabled', false, 'rotated_at', v_portal.rotated_at);
end;
$$;
comment on function public.disable_promoter_portal(uuid) is
  'Members of the promoter''s organization turn the portal link off (until the next rotation, which draws a new secret); harmless when it is off or was never made. Returns {enabled: false, rotated_at}. Errors: not_authorized.';
revoke all on function public.disable_promoter_portal(uuid) from public, anon, authenticated, service_role;
grant execute on function public.disable_promoter_portal(uuid) to authenticated;

-- promoter_portal_status -------------------------------------------------------------------
create function public.promoter_portal_status(p_promoter_id uuid)
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
comment on function public.promoter_portal_status(uuid) is
  'For the promoter''s panel (members): {enabled, rotated_at} of the portal link, rotated_at null when none was ever made. The secret cannot be read back. Errors: not_authorized.';
revoke all on function public.promoter_portal_status(uuid) from public, anon, authenticated, service_role;
grant execute on function public.promoter_portal_status(uuid) to authenticated;

-- set_portal_settings ---------------------------------------------------------------------
create function public.set_portal_settings(p_organization_id uuid, p_show_revenue boolean, p_show_rank boolean)
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
comment on function public.set_portal_settings(uuid, boolean, boolean) is
  'Owners and admins choose what promoter portals show: revenue and rank (null leaves a setting unchanged). Returns {portal_show_revenue, portal_show_rank}. Errors: not_authorized. Nullable: p_show_revenue, p_show_rank.';
revoke all on function public.set_portal_settings(uuid, boolean, boolean) from public, anon, authenticated, service_role;
grant execute on function public.set_portal_settings(uuid, boolean, boolean) to authenticated;

-- portal_view ---------------------------------------------------------------------------------
-- security definer: the portal's visitor holds the secret and nothing else.
create function public.portal_view(p_secret text)
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
comment on function public.portal_view(text) is
  'The promoter portal (anyone holding the link): {promoter_name, organization_name, promo_code, show_revenue, show_rank, series_from, series_to, live_topic, events: [{event_id, event_name, event_slug, starts_at, ends_at, currency, link_path, tickets, orders, revenue_minor (null when hidden), visits, conversion (orders per visit, null without visits), rank and promoters (null unless shown), series: [{day, tickets, visits, revenue_minor}] of the last private.portal_series_days() days}]} for the published events the promoter is active on (at most private.portal_max_events()), or null for any secret that is not a live portal (wrong, rotated or turned off alike). Sales figures leave out self-referrals when the organization does not count them. Wrong secrets are counted per client address; beyond private.portal_misses_per_client_minute() a minute every call answers null. Nullable: result.';
revoke all on function public.portal_view(text) from public, anon, authenticated, service_role;
grant execute on function public.portal_view(text) to anon, authenticated;

-- Live ------------------------------------------------------------------------------------------
-- security definer: called from the realtime.messages policy as anon, who cannot read
-- the portal table.
create function private.can_join_portal_topic(p_topic text)
returns boolean
language plpgsql stable security definer set search_path = ''
as $$
begin
  if p_topic is null or p_topic !~ '^portal:[0-9a-f]{32}$' then
    return false;
  end if;
  return exists (
    select 1 from private.promoter_portals pp
    where pp.topic_key = substr(p_topic, 8) and pp.enabled
  );
end;
$$;
comment on function private.can_join_portal_topic(text) is
  'Whether a realtime topic is portal:<topic key> of an enabled portal: anyone who read the topic from portal_view() may receive its broadcasts.';
revoke all on function private.can_join_portal_topic(text) from public, anon, authenticated, service_role;
grant execute on function private.can_join_portal_topic(text) to anon, authenticated;

create policy "portal visitors receive their portal's broadcasts"
  on realtime.messages for select to anon
  using (realtime.messages.extension = 'broadcast' and private.can_join_portal_topic((select realtime.topic())));
create policy "signed-in portal visitors receive their portal's broadcasts"
  on realtime.messages for select to authenticated
  using (realtime.messages.extension = 'broadcast' and private.can_join_portal_topic((select realtime.topic())));

-- security definer: checkouts and refunds run as API roles that may neither read the
-- portal table nor write realtime.messages.
create function private.broadcast_portal_changes()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_table_name = 'attributions' then
    perform private.notify_portal(pp.topic_key, c.event_id)
    from (select distinct a.promoter_id, a.event_id from new_rows a) c
    join private.promoter_portals pp on pp.promoter_id = c.promoter_id and pp.enabled;
  else
    perform private.notify_portal(pp.topic_key, c.event_id)
    from (
      select distinct a.promoter_id, n.event_id
      from new_rows n
      join old_rows o on o.id = n.id
      join public.attributions a on a.order_id = n.id
      where o.status = 'paid' and n.status = 'refunded'
    ) c
    join private.promoter_portals pp on pp.promoter_id = c.promoter_id and pp.enabled;
  end if;
  return null;
end;
$$;
comment on function private.broadcast_portal_changes() is
  'Sends "changed" with the event id to the enabled portal of each promoter credited with a new sale or whose attributed order was refunded.';
revoke all on function private.broadcast_portal_changes() from public, anon, authenticated, service_role;

create trigger attributions_broadcast_portal after insert on public.attributions
  referencing new table as new_rows for each statement execute function private.broadcast_portal_changes();
create trigger orders_broadcast_portal_refund after update on public.orders
  referencing old table as old_rows new table as new_rows for each statement execute function private.broadcast_portal_changes();
