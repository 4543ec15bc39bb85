-- Organizations and their members, the private schema with the authorization helpers
-- every row-level security policy uses, and create_organization().
--
-- An organization owns everything else (events, promoters, orders); membership in it is
-- the single question row-level security asks. Roles: owner and admin manage members,
-- refunds and promoter deletion; any member manages events and promoters and reads
-- the numbers.

create schema if not exists private;
comment on schema private is 'Internal helpers and tables; not exposed through the API.';

-- Policies call the helpers below as the querying role, so the API roles need usage on
-- the schema; the API itself only exposes public (see config.toml).
revoke all on schema private from public;
grant usage on schema private to anon, authenticated, service_role;

create type public.organization_role as enum ('owner', 'admin', 'member');
comment on type public.organization_role is 'Role of a member: owner and admin manage members, refunds and promoter deletion; member manages events and promoters.';

-- organizations ----------------------------------------------------------------------
create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 120 and name = btrim(name)),
  currency char(3) not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  created_at timestamptz not null default now()
);
comment on table public.organizations is 'An event organizer account. Created only through create_organization(); owns events, promoters and orders.';
comment on column public.organizations.name is 'Display name, 1-120 characters.';
comment on column public.organizations.currency is 'ISO 4217 currency code (upper case) used for every event and order of the organization.';
alter table public.organizations enable row level security;

-- organization_members -----------------------------------------------------------------
create table public.organization_members (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.organization_role not null default 'member',
  created_at timestamptz not null default now(),
  primary key (organization_id, user_id)
);
comment on table public.organization_members is
  'Who belongs to which organization, and with which role (owner, admin, member). No direct inserts through the API: organizations are created with create_organization(). Members may leave; owners change and remove anyone, admins only non-owners; the last owner stays.';
comment on column public.organization_members.role is 'owner and admin manage members, refunds and promoter deletion; member manages events and promoters.';
create index organization_members_user_id_idx on public.organization_members (user_id);
alter table public.organization_members enable row level security;

-- Authorization helpers ------------------------------------------------------------------
-- security definer: they read organization_members regardless of its own policies
-- (a policy on organization_members that queried organization_members would recurse).
create function private.member_organization_ids(p_roles text[] default null)
returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select m.organization_id
  from public.organization_members m
  where m.user_id = (select auth.uid())
    and (p_roles is null or m.role::text = any (p_roles))
$$;
comment on function private.member_organization_ids(text[]) is
  'Organizations the calling user belongs to, optionally only those where the user has one of the given roles. Used by row-level security policies.';

create function private.is_member(p_organization_id uuid)
returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from public.organization_members m
    where m.organization_id = p_organization_id and m.user_id = (select auth.uid())
  )
$$;
comment on function private.is_member(uuid) is 'Whether the calling user belongs to the organization.';

create function private.has_role(p_organization_id uuid, p_roles text[])
returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from public.organization_members m
    where m.organization_id = p_organization_id
      and m.user_id = (select auth.uid())
      and m.role::text = any (p_roles)
  )
$$;
comment on function private.has_role(uuid, text[]) is 'Whether the calling user belongs to the organization with one of the given roles.';

create function private.raise_not_authorized()
returns void
language plpgsql set search_path = ''
as $$
begin
  raise exception 'not_authorized'
    using errcode = '42501', hint = 'You do not have permission to do this in this organization.';
end;
$$;
comment on function private.raise_not_authorized() is 'Raises the stable not_authorized error (42501).';

-- The opening of every entry point that acts in one organization: a null organization
-- (an id that matched no row) and one the caller does not belong to are refused alike.
create function private.require_member(p_organization_id uuid)
returns void
language plpgsql stable set search_path = ''
as $$
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
end;
$$;
comment on function private.require_member(uuid) is
  'Raises not_authorized unless the calling user belongs to the organization; a null organization is refused.';

create function private.require_role(p_organization_id uuid, p_roles text[])
returns void
language plpgsql stable set search_path = ''
as $$
begin
  if p_organization_id is null or not private.has_role(p_organization_id, p_roles) then
    perform private.raise_not_authorized();
  end if;
end;
$$;
comment on function private.require_role(uuid, text[]) is
  'Raises not_authorized unless the calling user belongs to the organization with one of the given roles; a null organization is refused. Called by security definer functions only.';

revoke all on function private.member_organization_ids(text[]) from public;
revoke all on function private.is_member(uuid) from public;
revoke all on function private.has_role(uuid, text[]) from public;
revoke all on function private.raise_not_authorized() from public;
revoke all on function private.require_member(uuid) from public;
revoke all on function private.require_role(uuid, text[]) from public, anon, authenticated, service_role;
grant execute on function private.member_organization_ids(text[]) to authenticated, service_role;
grant execute on function private.is_member(uuid) to authenticated, service_role;
grant execute on function private.has_role(uuid, text[]) to authenticated, service_role;
grant execute on function private.raise_not_authorized() to authenticated, service_role;
grant execute on function private.require_member(uuid) to authenticated, service_role;

-- An organization always keeps at least one owner, whoever edits the member list. The
-- organization row is locked first, so two owners leaving (or demoting each other) at
-- once cannot both see the other as the remaining owner.
create function private.keep_one_owner()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if old.role = 'owner'
     and (tg_op = 'DELETE' or new.role <> 'owner' or new.organization_id <> old.organization_id) then
    -- Not found: the organization itself is being deleted, its members go with it.
    perform 1 from public.organizations o where o.id = old.organization_id for no key update;
    if found and not exists (
      select 1 from public.organization_members m
      where m.organization_id = old.organization_id and m.role = 'owner' and m.user_id <> old.user_id
    ) then
      raise exception 'last_owner'
        using errcode = 'P0001', hint = 'An organization needs at least one owner.';
    end if;
  end if;
  return coalesce(new, old);
end;
$$;
comment on function private.keep_one_owner() is
  'Refuses removing or demoting the last owner of an organization (last_owner); serialized per organization.';
revoke all on function private.keep_one_owner() from public;
create trigger organization_members_keep_one_owner
  before update or delete on public.organization_members
  for each row execute function private.keep_one_owner();

-- Policies ----------------------------------------------------------------------------------
create policy "members can read their organizations"
  on public.organizations for select to authenticated
  using (id in (select private.member_organization_ids()));
create policy "owners and admins can rename their organization"
  on public.organizations for update to authenticated
  using (id in (select private.member_organization_ids(array['owner', 'admin'])))
  with check (id in (select private.member_organization_ids(array['owner', 'admin'])));

create policy "members can read the members of their organizations"
  on public.organization_members for select to authenticated
  using (organization_id in (select private.member_organization_ids()));

-- Grants --------------------------------------------------------------------------------------
revoke all on public.organizations, public.organization_members from anon, authenticated, service_role;
grant select on public.organizations to authenticated;
grant update (name) on public.organizations to authenticated;
-- No insert: members join through create_organization() and accept_invitation().
grant select, delete on public.organization_members to authenticated;
grant update (role) on public.organization_members to authenticated;
grant select, insert, update, delete on public.organizations, public.organization_members to service_role;

-- create_organization ---------------------------------------------------------------------
-- security definer: the first owner cannot pass the member policies before the
-- organization exists; the function checks the caller itself.
create function public.create_organization(p_name text, p_currency text default 'USD')
returns public.organizations
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_name text;
  v_currency text;
  v_org public.organizations;
begin
  if v_user is null then
    perform private.raise_not_authorized();
  end if;
  if p_name is null or char_length(p_name) > 1000 then
    raise exception 'invalid_name' using errcode = 'P0001', hint = 'The name must be 1 to 120 characters long.';
  end if;
  v_name := btrim(p_name);
  if char_length(v_name) not between 1 and 120 then
    raise exception 'invalid_name' using errcode = 'P0001', hint = 'The name must be 1 to 120 characters long.';
  end if;
  v_currency := upper(btrim(coalesce(p_currency, '')));
  if v_currency !~ '^[A-Z]{3}$' then
    raise exception 'invalid_currency' using errcode = 'P0001', hint = 'The currency must be a three-letter ISO 4217 code such as USD or EUR.';
  end if;

  insert into public.organizations (name, currency) values (v_name, v_currency) returning * into v_org;
  insert into public.organization_members (organization_id, user_id, role) values (v_org.id, v_user, 'owner');
  return v_org;
end;
$$;
comment on function public.create_organization(text, text) is
  'Creates an organization with the caller as its owner. Errors: not_authorized, invalid_name, invalid_currency.';
revoke all on function public.create_organization(text, text) from public, anon, authenticated, service_role;
grant execute on function public.create_organization(text, text) to authenticated, service_role;
