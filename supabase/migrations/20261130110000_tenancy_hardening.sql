-- Tenancy hardening: authorization before disclosure, owners governed by owners only,
-- membership by consent only, and former event slugs reserved for their organization.
--
-- 1. A write into an organization is authorized before anything else looks at it.
--    Before-insert triggers ran ahead of the row-level security check, so a signed-in
--    user inserting into someone else's organization was told promo_code_taken for an
--    existing code (enumerating every code) or given the other organization's currency
--    in the invalid_currency hint. A first trigger on every organization-scoped table
--    now refuses with not_authorized (42501) before any other trigger runs; the answer
--    is the same whatever exists in that organization. Promo codes stay unique per
--    organization: a link names its event (/events/<slug>?promoter=<code>), the event
--    names the organization, so resolution never needs global codes.
-- 2. Only owners change or remove owners, and the last-owner rule holds under
--    concurrency (the organization row is locked while it is checked).
-- 3. Nobody becomes a member without accepting: the direct insert path is gone
--    (create_organization() still makes the creator the owner). Every member may leave.
-- 4. A slug an event gave up (renamed or deleted) stays reserved for its organization in
--    event_slug_history, so another organization cannot take over printed links; the
--    attendee page follows resolve_event_slug() from a former slug to the current one.

-- 1. Authorization before disclosure ---------------------------------------------------
-- security invoker on purpose: current_user is then the role of the statement — an API
-- role for a request's own write, the function owner inside a security definer
-- function (which authorizes its caller itself). Updates and deletes need no such
-- trigger: their USING policies filter rows before any trigger fires, and
-- organization_id is not updatable through the API.
create function private.authorize_organization_write()
returns trigger
language plpgsql security invoker set search_path = ''
as $$
begin
  if current_user = 'anon'
     or (current_user = 'authenticated' and (new.organization_id is null or not private.is_member(new.organization_id))) then
    raise exception 'not_authorized'
      using errcode = '42501', hint = 'You do not have permission to do this in this organization.';
  end if;
  return new;
end;
$$;
comment on function private.authorize_organization_write() is
  'Refuses (not_authorized, 42501) an API insert into an organization the caller is not a member of, before any other trigger can reveal something about that organization.';
revoke all on function private.authorize_organization_write() from public;

-- Triggers fire in name order: "<table>_authorize_insert" sorts before every other
-- before-insert trigger of these tables (check_organization, set_currency, slug, validate).
create trigger events_authorize_insert before insert on public.events
  for each row execute function private.authorize_organization_write();
create trigger ticket_types_authorize_insert before insert on public.ticket_types
  for each row execute function private.authorize_organization_write();
create trigger promoters_authorize_insert before insert on public.promoters
  for each row execute function private.authorize_organization_write();
create trigger event_promoters_authorize_insert before insert on public.event_promoters
  for each row execute function private.authorize_organization_write();
create trigger promoter_groups_authorize_insert before insert on public.promoter_groups
  for each row execute function private.authorize_organization_write();
create trigger promoter_group_members_authorize_insert before insert on public.promoter_group_members
  for each row execute function private.authorize_organization_write();

-- 2. and 3. Owners governed by owners, membership by consent: no insert policy (and no
-- insert grant, 20261124150000_organizations.sql); the last-owner rule is
-- private.keep_one_owner() in that file.
create policy "owners change any role, admins change the roles of non-owners"
  on public.organization_members for update to authenticated
  using (
    organization_id in (select private.member_organization_ids(array['owner']))
    or (role <> 'owner' and organization_id in (select private.member_organization_ids(array['admin'])))
  )
  with check (
    organization_id in (select private.member_organization_ids(array['owner']))
    or (role <> 'owner' and organization_id in (select private.member_organization_ids(array['admin'])))
  );
create policy "members leave, owners remove anyone, admins remove non-owners"
  on public.organization_members for delete to authenticated
  using (
    user_id = (select auth.uid())
    or organization_id in (select private.member_organization_ids(array['owner']))
    or (role <> 'owner' and organization_id in (select private.member_organization_ids(array['admin'])))
  );

-- 4. Former event slugs ---------------------------------------------------------------------
create table public.event_slug_history (
  slug text primary key check (char_length(slug) between 3 and 80 and slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  event_id uuid references public.events (id) on delete set null,
  retired_at timestamptz not null default now()
);
comment on table public.event_slug_history is
  'Slugs events gave up (renamed or deleted), reserved for their organization so that printed links never open another organization''s event. Kept by triggers on events; read-only through the API.';
comment on column public.event_slug_history.slug is 'The former slug; no current slug of any event equals it.';
comment on column public.event_slug_history.organization_id is 'The organization the slug stays reserved for; only its events may take it again.';
comment on column public.event_slug_history.event_id is 'The event that had the slug, where /events/<slug> now leads; null once that event is deleted.';
comment on column public.event_slug_history.retired_at is 'When the event gave the slug up.';
create index event_slug_history_organization_id_idx on public.event_slug_history (organization_id);
create index event_slug_history_event_id_idx on public.event_slug_history (event_id);
alter table public.event_slug_history enable row level security;

create policy "members can read their organizations' former slugs"
  on public.event_slug_history for select to authenticated
  using (organization_id in (select private.member_organization_ids()));

revoke all on public.event_slug_history from anon, authenticated, service_role;
grant select on public.event_slug_history to authenticated;
grant select, insert, update, delete on public.event_slug_history to service_role;

-- One transaction-scoped lock per slug serializes everyone who claims or gives up that
-- slug, so an organization cannot take a slug in the moment another one renames away
-- from it (the events unique index alone would let it through).
create function private.lock_event_slug(p_slug text)
returns void
language sql volatile set search_path = ''
as $$
  select pg_advisory_xact_lock(hashtextextended('public.events.slug:' || p_slug, 0))
$$;
comment on function private.lock_event_slug(text) is 'Serializes transactions claiming or retiring one event slug (advisory, until commit).';
revoke all on function private.lock_event_slug(text) from public;

-- security definer: it must see every organization's current and former slugs.
create function private.reserve_event_slug()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_reserved_for uuid;
begin
  if tg_op = 'UPDATE' and new.slug = old.slug then
    return new;
  end if;
  -- Both slugs of a rename, in a fixed order so that two renames cannot deadlock.
  if tg_op = 'UPDATE' then
    perform private.lock_event_slug(least(old.slug, new.slug));
    perform private.lock_event_slug(greatest(old.slug, new.slug));
  else
    perform private.lock_event_slug(new.slug);
  end if;

  if exists (select 1 from public.events e where e.slug = new.slug and e.id <> new.id) then
    raise exception 'slug_taken'
      using errcode = '23505', hint = 'Another event already uses this web address (slug).';
  end if;
  select h.organization_id into v_reserved_for from public.event_slug_history h where h.slug = new.slug;
  if v_reserved_for is not null and v_reserved_for <> new.organization_id then
    raise exception 'slug_taken'
      using errcode = '23505', hint = 'Another event already uses this web address (slug).';
  end if;
  -- The organization takes its own former slug back: it is current again.
  delete from public.event_slug_history h where h.slug = new.slug;

  if tg_op = 'UPDATE' then
    insert into public.event_slug_history (slug, organization_id, event_id)
    values (old.slug, old.organization_id, old.id)
    on conflict (slug) do update
      set organization_id = excluded.organization_id, event_id = excluded.event_id, retired_at = now();
  end if;
  return new;
end;
$$;
comment on function private.reserve_event_slug() is
  'Refuses a slug another event uses or another organization gave up (slug_taken, 23505); on a rename keeps the old slug in event_slug_history for the organization.';
revoke all on function private.reserve_event_slug() from public;
create trigger events_reserve_slug before insert or update of slug on public.events
  for each row execute function private.reserve_event_slug();

-- security definer: event_slug_history is not writable through the API.
create function private.retire_deleted_event_slug()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  -- Not found: the whole organization is being deleted, nothing left to protect.
  perform 1 from public.organizations o where o.id = old.organization_id;
  if found then
    perform private.lock_event_slug(old.slug);
    insert into public.event_slug_history (slug, organization_id, event_id)
    values (old.slug, old.organization_id, null)
    on conflict (slug) do update
      set organization_id = excluded.organization_id, event_id = null, retired_at = now();
  end if;
  return old;
end;
$$;
comment on function private.retire_deleted_event_slug() is 'Keeps a deleted event''s slug reserved for its organization in event_slug_history.';
revoke all on function private.retire_deleted_event_slug() from public;
create trigger events_retire_deleted_slug before delete on public.events
  for each row execute function private.retire_deleted_event_slug();

-- resolve_event_slug ----------------------------------------------------------------------------
-- security definer: attendees may not read event_slug_history; this reveals only where a
-- former slug of a published event leads.
create function public.resolve_event_slug(p_slug text)
returns text
language sql stable security definer set search_path = ''
as $$
  select e.slug
  from public.event_slug_history h
  join public.events e on e.id = h.event_id
  where p_slug is not null and char_length(p_slug) <= 80
    and h.slug = p_slug
    and e.status = 'published'
$$;
comment on function public.resolve_event_slug(text) is
  'The current slug of the published event that used to have p_slug, or null. For redirecting old links (/events/<former slug>) to the event.';
revoke all on function public.resolve_event_slug(text) from public, anon, authenticated, service_role;
grant execute on function public.resolve_event_slug(text) to anon, authenticated, service_role;
