-- Promoters, their per-event tracking links (event_promoters), promoter groups and
-- group memberships, and is_promo_code_available().
--
-- Any member manages promoters, links and groups. Promoters are never deleted through
-- the API: deletion goes through request_promoter_deletion() and
-- confirm_promoter_deletion() (owners and admins, two confirmations).

create table public.promoters (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 120),
  -- Checked against private.promo_code_pattern() (20261201110000_contract.sql).
  promo_code text not null,
  email text check (email is null or (char_length(email) <= 254 and email ~ '^[^@[:space:]]+@[^@[:space:]]+$')),
  phone text check (phone is null or char_length(phone) <= 40),
  notes text check (notes is null or char_length(notes) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.promoters is 'A person who sells tickets with personal tracking links. Deleted only through request_promoter_deletion() + confirm_promoter_deletion().';
comment on column public.promoters.promo_code is 'Code in the tracking link (?promoter=<code>): 3-32 letters, digits, _ or -, unique per organization ignoring case.';
create unique index promoters_promo_code_key on public.promoters (organization_id, lower(promo_code));
create index promoters_organization_id_name_idx on public.promoters (organization_id, name);
alter table public.promoters enable row level security;
create trigger promoters_touch_updated_at before update on public.promoters
  for each row execute function private.touch_updated_at();

-- Stable errors for the SPA instead of raw constraint names. The unique index stays the
-- final guard against concurrent inserts.
create function private.validate_promoter()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.name is null or char_length(new.name) not between 1 and 120 or btrim(new.name) = '' then
    raise exception 'invalid_name' using errcode = 'P0001', hint = 'The name must be 1 to 120 characters long.';
  end if;
  if new.promo_code is null or new.promo_code !~ '^[A-Za-z0-9_-]{3,32}$' then
    raise exception 'invalid_promo_code'
      using errcode = 'P0001', hint = 'A promo code has 3 to 32 letters, digits, hyphens or underscores.';
  end if;
  if exists (
    select 1 from public.promoters p
    where p.organization_id = new.organization_id
      and lower(p.promo_code) = lower(new.promo_code)
      and p.id <> new.id
  ) then
    raise exception 'promo_code_taken'
      using errcode = '23505', hint = 'Another promoter of this organization already uses this promo code.';
  end if;
  return new;
end;
$$;
comment on function private.validate_promoter() is 'Checks promoter name and promo code and raises invalid_name, invalid_promo_code or promo_code_taken.';
revoke all on function private.validate_promoter() from public;
create trigger promoters_validate before insert or update on public.promoters
  for each row execute function private.validate_promoter();

create table public.event_promoters (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  event_id uuid not null references public.events (id) on delete cascade,
  promoter_id uuid not null references public.promoters (id) on delete cascade,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint event_promoters_event_promoter_key unique (event_id, promoter_id)
);
comment on table public.event_promoters is 'A promoter''s tracking link for one event. Visits and sales are attributed only while active.';
comment on column public.event_promoters.active is 'Deactivate (false) to stop attributing new visits and sales to this link.';
create index event_promoters_organization_id_idx on public.event_promoters (organization_id);
create index event_promoters_promoter_id_idx on public.event_promoters (promoter_id);
alter table public.event_promoters enable row level security;
create trigger event_promoters_touch_updated_at before update on public.event_promoters
  for each row execute function private.touch_updated_at();
create trigger event_promoters_check_organization before insert or update of organization_id, event_id, promoter_id
  on public.event_promoters
  for each row execute function private.check_parent_organization('events', 'event_id', 'promoters', 'promoter_id');

create table public.promoter_groups (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 60),
  color text check (color is null or color ~ '^#[0-9a-fA-F]{6}$'),
  created_at timestamptz not null default now()
);
comment on table public.promoter_groups is 'A named set of promoters (e.g. "Summer Team") for filtering and group totals. Deleting a group keeps its promoters.';
comment on column public.promoter_groups.color is 'Badge colour as #rrggbb, or null for the default.';
create unique index promoter_groups_name_key on public.promoter_groups (organization_id, lower(name));
alter table public.promoter_groups enable row level security;

create table public.promoter_group_members (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  group_id uuid not null references public.promoter_groups (id) on delete cascade,
  promoter_id uuid not null references public.promoters (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (group_id, promoter_id)
);
comment on table public.promoter_group_members is 'Which promoters are in which group.';
create index promoter_group_members_promoter_id_idx on public.promoter_group_members (promoter_id);
create index promoter_group_members_organization_id_idx on public.promoter_group_members (organization_id);
alter table public.promoter_group_members enable row level security;
create trigger promoter_group_members_check_organization before insert or update on public.promoter_group_members
  for each row execute function private.check_parent_organization('promoter_groups', 'group_id', 'promoters', 'promoter_id');

-- Policies ------------------------------------------------------------------------------
create policy "members can read promoters" on public.promoters for select to authenticated
  using (organization_id in (select private.member_organization_ids()));
create policy "members can add promoters" on public.promoters for insert to authenticated
  with check (organization_id in (select private.member_organization_ids()));
create policy "members can update promoters" on public.promoters for update to authenticated
  using (organization_id in (select private.member_organization_ids()))
  with check (organization_id in (select private.member_organization_ids()));

create policy "members can read tracking links" on public.event_promoters for select to authenticated
  using (organization_id in (select private.member_organization_ids()));
create policy "members can create tracking links" on public.event_promoters for insert to authenticated
  with check (organization_id in (select private.member_organization_ids()));
create policy "members can activate and deactivate tracking links" on public.event_promoters for update to authenticated
  using (organization_id in (select private.member_organization_ids()))
  with check (organization_id in (select private.member_organization_ids()));

create policy "members can read groups" on public.promoter_groups for select to authenticated
  using (organization_id in (select private.member_organization_ids()));
create policy "members can create groups" on public.promoter_groups for insert to authenticated
  with check (organization_id in (select private.member_organization_ids()));
create policy "members can update groups" on public.promoter_groups for update to authenticated
  using (organization_id in (select private.member_organization_ids()))
  with check (organization_id in (select private.member_organization_ids()));
create policy "members can delete groups" on public.promoter_groups for delete to authenticated
  using (organization_id in (select private.member_organization_ids()));

create policy "members can read group memberships" on public.promoter_group_members for select to authenticated
  using (organization_id in (select private.member_organization_ids()));
create policy "members can add promoters to groups" on public.promoter_group_members for insert to authenticated
  with check (organization_id in (select private.member_organization_ids()));
create policy "members can remove promoters from groups" on public.promoter_group_members for delete to authenticated
  using (organization_id in (select private.member_organization_ids()));

-- Grants ------------------------------------------------------------------------------
revoke all on public.promoters, public.event_promoters, public.promoter_groups, public.promoter_group_members
  from anon, authenticated, service_role;
grant select on public.promoters, public.event_promoters, public.promoter_groups, public.promoter_group_members
  to authenticated;
grant insert (id, organization_id, name, promo_code, email, phone, notes) on public.promoters to authenticated;
grant update (name, promo_code, email, phone, notes) on public.promoters to authenticated;
grant insert (id, organization_id, event_id, promoter_id, active) on public.event_promoters to authenticated;
grant update (active) on public.event_promoters to authenticated;
grant insert (id, organization_id, name, color) on public.promoter_groups to authenticated;
grant update (name, color) on public.promoter_groups to authenticated;
grant delete on public.promoter_groups to authenticated;
grant insert (organization_id, group_id, promoter_id) on public.promoter_group_members to authenticated;
grant delete on public.promoter_group_members to authenticated;
grant select, insert, update on public.promoters to service_role;
grant select, insert, update, delete on public.event_promoters, public.promoter_groups, public.promoter_group_members
  to service_role;

-- Authorization ---------------------------------------------------------------------------
-- The opening of the read functions that take a promoter: one of another organization
-- and one that does not exist are refused alike.
create function private.require_promoter_member(p_promoter_id uuid)
returns uuid
language plpgsql stable set search_path = ''
as $$
declare
  v_organization_id uuid;
begin
  select p.organization_id into v_organization_id from public.promoters p where p.id = p_promoter_id;
  perform private.require_member(v_organization_id);
  return v_organization_id;
end;
$$;
comment on function private.require_promoter_member(uuid) is
  'Raises not_authorized unless the promoter exists and the calling user belongs to its organization; returns the organization. Called by security definer read functions only.';
revoke all on function private.require_promoter_member(uuid) from public, anon, authenticated, service_role;

-- is_promo_code_available ---------------------------------------------------------------
create function public.is_promo_code_available(p_organization_id uuid, p_promo_code text, p_promoter_id uuid default null)
returns boolean
language plpgsql stable security invoker set search_path = ''
as $$
begin
  perform private.require_member(p_organization_id);
  if p_promo_code is null or p_promo_code !~ private.promo_code_pattern() then
    raise exception 'invalid_promo_code'
      using errcode = 'P0001', hint = 'A promo code has 3 to 32 letters, digits, hyphens or underscores.';
  end if;
  -- Row-level security keeps both reads inside the caller's organizations; a
  -- p_promoter_id of another organization matches no row and changes nothing.
  return not exists (
    select 1 from public.promoters p
    where p.organization_id = p_organization_id and lower(p.promo_code) = lower(p_promo_code)
      and p.id is distinct from p_promoter_id
  ) and not exists (
    select 1 from public.promoter_code_history h
    where h.organization_id = p_organization_id and lower(h.promo_code) = lower(p_promo_code)
      and h.promoter_id is distinct from p_promoter_id
  );
end;
$$;
comment on function public.is_promo_code_available(uuid, text, uuid) is
  'Whether the promo code is free for p_promoter_id (ignoring case): no other promoter of the organization uses it now or used it before. A promoter''s own current and former codes are available to it; with p_promoter_id null (a new promoter) every used code is taken. Errors: not_authorized, invalid_promo_code. Nullable: p_promoter_id.';
revoke all on function public.is_promo_code_available(uuid, text, uuid) from public, anon, authenticated, service_role;
grant execute on function public.is_promo_code_available(uuid, text, uuid) to authenticated, service_role;
