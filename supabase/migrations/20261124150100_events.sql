-- Events and their ticket types.
--
-- Attendees (anonymous) read published events and their ticket types; members of the
-- organization manage them. ticket_types.sold is maintained only by checkout() and
-- refund_order(), and the table itself refuses to sell beyond capacity.

create type public.event_status as enum ('draft', 'published', 'cancelled');
comment on type public.event_status is 'draft (invisible to attendees), published (on sale until it ends) or cancelled.';

create table public.events (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  slug text not null check (char_length(slug) between 3 and 80 and slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  name text not null check (char_length(name) between 1 and 200),
  description text not null default '' check (char_length(description) <= 10000),
  venue text not null default '' check (char_length(venue) <= 200),
  starts_at timestamptz not null,
  ends_at timestamptz check (ends_at is null or ends_at >= starts_at),
  currency char(3) not null,
  status public.event_status not null default 'draft',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint events_slug_key unique (slug)
);
comment on table public.events is 'An event with tickets for sale. Anonymous visitors see it once status = published.';
comment on column public.events.slug is 'URL name, globally unique: lower-case words joined by hyphens, 3-80 characters. Used in /events/<slug> and tracking links.';
comment on column public.events.currency is 'Always the organization''s currency: filled in when omitted, refused (invalid_currency) when different.';
comment on column public.events.status is 'draft (invisible to attendees), published (on sale until it ends) or cancelled.';
comment on column public.events.ends_at is 'When the event ends; sales close then (or at starts_at when null).';
create index events_organization_id_idx on public.events (organization_id);
create index events_published_idx on public.events (status) where status = 'published';
alter table public.events enable row level security;

create table public.ticket_types (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  event_id uuid not null references public.events (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 100),
  price_minor bigint not null check (price_minor >= 0 and price_minor <= 100000000),
  capacity integer not null check (capacity >= 0 and capacity <= 1000000),
  sold integer not null default 0,
  sort_order integer not null default 0,
  created_at timestamptz not null default now(),
  constraint ticket_types_sold_within_capacity check (sold >= 0 and sold <= capacity)
);
comment on table public.ticket_types is 'A kind of ticket for an event (e.g. General Admission) with its price and capacity.';
comment on column public.ticket_types.price_minor is 'Price in minor units (cents) of the event currency.';
comment on column public.ticket_types.capacity is 'How many tickets of this type can be sold in total.';
comment on column public.ticket_types.sold is 'Tickets sold and not refunded; maintained by checkout() and refund_order(), never above capacity.';
comment on column public.ticket_types.sort_order is 'Display order on the event page (ascending).';
create index ticket_types_event_id_idx on public.ticket_types (event_id, sort_order);
create index ticket_types_organization_id_idx on public.ticket_types (organization_id);
alter table public.ticket_types enable row level security;

create function private.touch_updated_at()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;
comment on function private.touch_updated_at() is 'Sets updated_at on every update.';
revoke all on function private.touch_updated_at() from public;
create trigger events_touch_updated_at before update on public.events
  for each row execute function private.touch_updated_at();

-- Every row carries organization_id so that row-level security is one indexed check;
-- this keeps it equal to the parent rows' organization. Arguments: pairs of
-- (parent table in public, column of this table holding the parent id).
-- Within one's own organization, a reference to another organization's row and a
-- reference to no row at all get the same organization_mismatch: were the second left to
-- the foreign key (23503), the difference would tell whether an id of another
-- organization exists.
create function private.check_parent_organization()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  i integer := 0;
  v_parent_id uuid;
  v_parent_organization uuid;
begin
  while i + 1 < tg_nargs loop
    v_parent_id := (to_jsonb(new) ->> tg_argv[i + 1])::uuid;
    -- A missing parent id is left to the not-null constraint.
    if v_parent_id is not null then
      execute format('select p.organization_id from public.%I p where p.id = $1', tg_argv[i])
        into v_parent_organization
        using v_parent_id;
      if v_parent_organization is distinct from new.organization_id then
        raise exception 'organization_mismatch'
          using errcode = 'P0001', hint = 'This row must belong to the same organization as the rows it refers to.',
                detail = format('%s does not belong to organization %s', tg_argv[i + 1], new.organization_id);
      end if;
    end if;
    i := i + 2;
  end loop;
  return new;
end;
$$;
comment on function private.check_parent_organization() is
  'Refuses (organization_mismatch) rows whose parent rows named in the trigger arguments do not exist in the row''s own organization.';
revoke all on function private.check_parent_organization() from public;

-- An event is sold in its organization's currency.
create function private.set_event_currency()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_currency text;
begin
  select o.currency into v_currency from public.organizations o where o.id = new.organization_id;
  if new.currency is null then
    new.currency := v_currency;
  elsif v_currency is not null and new.currency <> v_currency then
    raise exception 'invalid_currency'
      using errcode = 'P0001', hint = format('Events are sold in the organization''s currency (%s).', v_currency);
  end if;
  return new;
end;
$$;
comment on function private.set_event_currency() is 'Fills in or checks the event currency against the organization''s.';
revoke all on function private.set_event_currency() from public;
create trigger events_set_currency before insert or update of organization_id, currency on public.events
  for each row execute function private.set_event_currency();
create trigger ticket_types_check_organization before insert or update of organization_id, event_id on public.ticket_types
  for each row execute function private.check_parent_organization('events', 'event_id');

-- Policies ------------------------------------------------------------------------------
create policy "anyone can read published events"
  on public.events for select to anon
  using (status = 'published');
create policy "signed-in users can read published events and their organizations' events"
  on public.events for select to authenticated
  using (status = 'published' or organization_id in (select private.member_organization_ids()));
create policy "members can create events"
  on public.events for insert to authenticated
  with check (organization_id in (select private.member_organization_ids()));
create policy "members can update events"
  on public.events for update to authenticated
  using (organization_id in (select private.member_organization_ids()))
  with check (organization_id in (select private.member_organization_ids()));
create policy "members can delete events"
  on public.events for delete to authenticated
  using (organization_id in (select private.member_organization_ids()));

create policy "anyone can read ticket types of published events"
  on public.ticket_types for select to anon
  using (exists (select 1 from public.events e where e.id = ticket_types.event_id and e.status = 'published'));
create policy "signed-in users can read ticket types of published events and their organizations' events"
  on public.ticket_types for select to authenticated
  using (
    organization_id in (select private.member_organization_ids())
    or exists (select 1 from public.events e where e.id = ticket_types.event_id and e.status = 'published')
  );
create policy "members can create ticket types"
  on public.ticket_types for insert to authenticated
  with check (organization_id in (select private.member_organization_ids()));
create policy "members can update ticket types"
  on public.ticket_types for update to authenticated
  using (organization_id in (select private.member_organization_ids()))
  with check (organization_id in (select private.member_organization_ids()));
create policy "members can delete ticket types"
  on public.ticket_types for delete to authenticated
  using (organization_id in (select private.member_organization_ids()));

-- Grants ------------------------------------------------------------------------------
revoke all on public.events, public.ticket_types from anon, authenticated, service_role;
grant select on public.events, public.ticket_types to anon, authenticated;
grant insert (id, organization_id, slug, name, description, venue, starts_at, ends_at, currency, status)
  on public.events to authenticated;
grant update (slug, name, description, venue, starts_at, ends_at, status) on public.events to authenticated;
grant delete on public.events to authenticated;
grant insert (id, organization_id, event_id, name, price_minor, capacity, sort_order)
  on public.ticket_types to authenticated;
grant update (name, price_minor, capacity, sort_order) on public.ticket_types to authenticated;
grant delete on public.ticket_types to authenticated;
grant select, insert, update, delete on public.events, public.ticket_types to service_role;
