-- Deleting a promoter with two confirmations, enforced here rather than in the UI.
--
-- request_promoter_deletion() hands out a one-time token valid for 10 minutes (only its
-- hash is stored); confirm_promoter_deletion() needs that token and the promo code
-- typed again, then removes the promoter with its links, visits, attributions, group
-- memberships and rollups. Orders and order items stay: the sale happened, it is just
-- no longer attributed. Any member manages promoters, but deletion is for owners and
-- admins only.

create table private.promoter_deletion_requests (
  promoter_id uuid primary key references public.promoters (id) on delete cascade,
  organization_id uuid not null,
  token_hash bytea not null,
  requested_by uuid not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
comment on table private.promoter_deletion_requests is
  'Pending promoter deletions: the sha-256 of the confirmation token and when it expires (10 minutes after the request).';
revoke all on private.promoter_deletion_requests from public, anon, authenticated, service_role;

-- The promoter's organization, once the caller is known to be an owner or admin of it.
create function private.authorize_promoter_deletion(p_promoter_id uuid)
returns uuid
language plpgsql stable set search_path = ''
as $$
declare
  v_organization_id uuid;
begin
  v_organization_id := private.require_promoter_member(p_promoter_id);
  perform private.require_role(v_organization_id, array['owner', 'admin']);
  return v_organization_id;
end;
$$;
comment on function private.authorize_promoter_deletion(uuid) is
  'Raises not_authorized unless the promoter exists and the caller is an owner or admin of its organization; returns the organization.';
revoke all on function private.authorize_promoter_deletion(uuid) from public;

-- security definer: promoters and their history are not deletable through the API.
create function public.request_promoter_deletion(p_promoter_id uuid)
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_organization_id uuid := private.authorize_promoter_deletion(p_promoter_id);
  v_token text := private.random_token();
  v_expires_at timestamptz := now() + interval '10 minutes';
begin
  insert into private.promoter_deletion_requests (promoter_id, organization_id, token_hash, requested_by, expires_at)
  values (p_promoter_id, v_organization_id, extensions.digest(v_token, 'sha256'), (select auth.uid()), v_expires_at)
  on conflict (promoter_id) do update
    set token_hash = excluded.token_hash, requested_by = excluded.requested_by,
        expires_at = excluded.expires_at, created_at = now();
  return jsonb_build_object('token', v_token, 'expires_at', v_expires_at);
end;
$$;
comment on function public.request_promoter_deletion(uuid) is
  'First confirmation of a promoter deletion (owners and admins): returns a token valid for 10 minutes for confirm_promoter_deletion(). A new request replaces the previous token. Errors: not_authorized.';
revoke all on function public.request_promoter_deletion(uuid) from public, anon, authenticated, service_role;
grant execute on function public.request_promoter_deletion(uuid) to authenticated;

-- confirm_promoter_deletion ------------------------------------------------------------------------
create function public.confirm_promoter_deletion(p_promoter_id uuid, p_token text, p_promo_code text)
returns jsonb
language plpgsql volatile security definer set search_path = ''
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
revoke all on function public.confirm_promoter_deletion(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.confirm_promoter_deletion(uuid, text, text) to authenticated;
