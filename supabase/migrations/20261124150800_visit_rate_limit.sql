-- A bound on anonymous visit tracking.
--
-- track_promoter_visit() is open to anyone, and a fresh random session id cannot be told
-- apart from a new visitor: without a bound, a script could inflate a promoter's visits
-- (and so lower their conversion rate) and grow promoter_visits without limit. Each
-- tracking link (event + promoter) now records at most visit_rate_limit_per_minute() new
-- sessions per minute. Calls beyond that store nothing and receive the token of the
-- link's latest visit, so a real attendee arriving during a flood is still attributed to
-- the right promoter; the same session still gets its own token back as before.

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

create or replace function public.track_promoter_visit(p_event_slug text, p_promo_code text, p_session_id uuid)
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
