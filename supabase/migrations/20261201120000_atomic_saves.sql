-- Saves that never half-succeed: save_event() and save_promoter().
--
-- The dashboard used to save an event as one request for the event and one per ticket
-- type, and a promoter as three requests (promoter, links, groups). A refusal half-way
-- left a draft without ticket types (and a retry then failed forever with slug_taken),
-- or an event whose new name was already public while its capacity change was refused.
-- Each save is now one function call, so one transaction: it writes everything or
-- nothing, and a retry after a refusal starts from the state before the first attempt.
--
-- Both functions are security invoker: row-level security, column grants and the
-- tables' triggers decide exactly as they do for single-row requests. They check
-- membership first (not_authorized) and every field before writing, and refuse with a
-- stable code naming the field: the hint is an English sentence, the detail a JSON
-- object {"field": ..., "index": ..., "name": ...} the SPA uses to name the ticket type.
--
-- Lock order (docs/decisions/008-lock-order.md): save_promoter() takes the promoter
-- (level 2), then its links and group memberships, which no sale locks. save_event()
-- updates the event row (level 5) before it locks the event's ticket types in id order
-- (level 7, last): a checkout key-shares its event before it takes its ticket types
-- (the lock order before checkout() in 20261202110000_attribution_window.sql).

-- Field refusals ----------------------------------------------------------------------
create function private.raise_invalid_field(p_code text, p_hint text, p_field text, p_context jsonb default '{}')
returns void
language plpgsql set search_path = ''
as $$
begin
  raise exception '%', p_code
    using errcode = 'P0001', hint = p_hint,
          detail = (jsonb_build_object('field', p_field) || coalesce(p_context, '{}'::jsonb))::text;
end;
$$;
comment on function private.raise_invalid_field(text, text, text, jsonb) is
  'Raises the stable code p_code (P0001) with p_hint as its sentence and detail {"field": p_field, ...p_context} as JSON text.';
revoke all on function private.raise_invalid_field(text, text, text, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.raise_invalid_field(text, text, text, jsonb) to authenticated;

-- Whether a JSON value is a whole number within bounds (anything else, e.g. a string, is not).
create function private.is_json_whole_number(p_value jsonb, p_min numeric, p_max numeric)
returns boolean
language sql immutable set search_path = ''
as $$
  select case
    when jsonb_typeof(p_value) = 'number' then p_value::numeric between p_min and p_max and p_value::numeric = trunc(p_value::numeric)
    else false
  end
$$;
comment on function private.is_json_whole_number(jsonb, numeric, numeric) is
  'True when p_value is a JSON number without fraction between p_min and p_max; false for every other value.';
revoke all on function private.is_json_whole_number(jsonb, numeric, numeric) from public, anon, authenticated, service_role;
grant execute on function private.is_json_whole_number(jsonb, numeric, numeric) to authenticated;

-- save_event ------------------------------------------------------------------------------
-- The event row is updated before the event's ticket types are locked: a new order
-- key-shares its event (foreign key) before it takes its ticket types, so the other order
-- deadlocks with checkouts under way when the slug, a unique column, changes (lock order
-- in 20261202110000_attribution_window.sql, before checkout()).
create function public.save_event(
  p_organization_id uuid,
  p_event_id uuid,
  p_name text,
  p_slug text,
  p_description text,
  p_venue text,
  p_starts_at timestamptz,
  p_ticket_types jsonb
)
returns uuid
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_event_id uuid := p_event_id;
  v_name text := btrim(coalesce(p_name, ''));
  v_slug text := btrim(coalesce(p_slug, ''));
  v_description text := btrim(coalesce(p_description, ''));
  v_venue text := btrim(coalesce(p_venue, ''));
  v_ticket jsonb;
  v_index integer;
  v_ticket_name text;
  v_keep uuid[] := '{}'::uuid[];
  v_existing record;
  v_removed record;
begin
  perform private.require_member(p_organization_id);

  -- 1. Every field, before anything is written.
  if char_length(v_name) not between 1 and 200 then
    perform private.raise_invalid_field('invalid_event_name', 'The event name must be 1 to 200 characters long.', 'name');
  end if;
  if char_length(v_slug) not between 3 and 80 or v_slug !~ private.event_slug_pattern() then
    perform private.raise_invalid_field('invalid_slug',
      'The web address must be 3 to 80 lower-case letters, digits and single hyphens.', 'slug');
  end if;
  if char_length(v_description) > 10000 then
    perform private.raise_invalid_field('invalid_description', 'The description can be at most 10,000 characters long.', 'description');
  end if;
  if char_length(v_venue) > 200 then
    perform private.raise_invalid_field('invalid_venue', 'The venue can be at most 200 characters long.', 'venue');
  end if;
  if p_starts_at is null then
    perform private.raise_invalid_field('invalid_starts_at', 'Choose when the event starts.', 'starts_at');
  end if;
  if p_ticket_types is null or jsonb_typeof(p_ticket_types) <> 'array' or jsonb_array_length(p_ticket_types) > 100 then
    perform private.raise_invalid_field('invalid_ticket_types', 'An event has a list of at most 100 ticket types.', 'ticket_types');
  end if;
  for v_ticket, v_index in select t.value, t.ordinality::integer from jsonb_array_elements(p_ticket_types) with ordinality t loop
    if jsonb_typeof(v_ticket) <> 'object' then
      perform private.raise_invalid_field('invalid_ticket_types', 'An event has a list of at most 100 ticket types.', 'ticket_types',
        jsonb_build_object('index', v_index));
    end if;
    v_ticket_name := btrim(coalesce(v_ticket ->> 'name', ''));
    if char_length(v_ticket_name) not between 1 and 100 then
      perform private.raise_invalid_field('invalid_ticket_name', 'Every ticket type needs a name of 1 to 100 characters.',
        'ticket_types.name', jsonb_build_object('index', v_index));
    end if;
    if not private.is_json_whole_number(v_ticket -> 'price_minor', 0, 100000000) then
      perform private.raise_invalid_field('invalid_price', 'A ticket price is between 0 and 1,000,000.00.',
        'ticket_types.price_minor', jsonb_build_object('index', v_index, 'name', v_ticket_name));
    end if;
    if not private.is_json_whole_number(v_ticket -> 'capacity', 0, 1000000) then
      perform private.raise_invalid_field('invalid_capacity', 'A capacity is a whole number from 0 to 1,000,000.',
        'ticket_types.capacity', jsonb_build_object('index', v_index, 'name', v_ticket_name));
    end if;
    if v_ticket ? 'id' and jsonb_typeof(v_ticket -> 'id') <> 'null' then
      if v_event_id is null or jsonb_typeof(v_ticket -> 'id') <> 'string'
         or (v_ticket ->> 'id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        perform private.raise_invalid_field('ticket_type_not_found', 'That ticket type no longer exists. Reload the event and try again.',
          'ticket_types.id', jsonb_build_object('index', v_index, 'name', v_ticket_name));
      end if;
      v_keep := v_keep || (v_ticket ->> 'id')::uuid;
    end if;
  end loop;

  if v_event_id is null then
    -- 2a. A new draft with its ticket types.
    insert into public.events (organization_id, slug, name, description, venue, starts_at, status)
    values (p_organization_id, v_slug, v_name, v_description, v_venue, p_starts_at, 'draft')
    returning id into v_event_id;
  else
    -- 2b. The event (lock order level 5: a new order key-shares it before it takes its
    --     ticket types, so a slug change waits for checkouts under way or they wait for
    --     it), then the event's ticket types in id order (level 7).
    update public.events e
    set name = v_name, slug = v_slug, description = v_description, venue = v_venue, starts_at = p_starts_at
    where e.id = v_event_id and e.organization_id = p_organization_id;
    if not found then
      raise exception 'event_not_found' using errcode = 'P0001', hint = 'This event does not exist or was deleted.';
    end if;
    for v_existing in
      select t.id, t.name, t.sold from public.ticket_types t
      where t.event_id = v_event_id and t.organization_id = p_organization_id
      order by t.id
      for update
    loop
      null;
    end loop;

    -- Ticket types the form no longer lists go, unless someone bought them.
    for v_removed in
      select t.id, t.name, t.sold from public.ticket_types t
      where t.event_id = v_event_id and t.id <> all (v_keep)
      order by t.id
    loop
      if v_removed.sold > 0 or exists (select 1 from public.order_items i where i.ticket_type_id = v_removed.id) then
        perform private.raise_invalid_field('ticket_type_has_sales',
          'A ticket type that has orders cannot be removed; set its capacity to what was sold instead.',
          'ticket_types', jsonb_build_object('name', v_removed.name, 'sold', v_removed.sold));
      end if;
      delete from public.ticket_types t where t.id = v_removed.id;
    end loop;
  end if;

  -- 3. Ticket types as listed, in the listed order.
  for v_ticket, v_index in select t.value, t.ordinality::integer from jsonb_array_elements(p_ticket_types) with ordinality t loop
    v_ticket_name := btrim(v_ticket ->> 'name');
    if v_ticket ? 'id' and jsonb_typeof(v_ticket -> 'id') <> 'null' then
      select t.id, t.sold into v_existing
      from public.ticket_types t
      where t.id = (v_ticket ->> 'id')::uuid and t.event_id = v_event_id;
      if v_existing.id is null then
        perform private.raise_invalid_field('ticket_type_not_found', 'That ticket type no longer exists. Reload the event and try again.',
          'ticket_types.id', jsonb_build_object('index', v_index, 'name', v_ticket_name));
      end if;
      if (v_ticket ->> 'capacity')::integer < v_existing.sold then
        perform private.raise_invalid_field('capacity_below_sold',
          format('The capacity of %s cannot be lower than the %s tickets already sold.', v_ticket_name, v_existing.sold),
          'ticket_types.capacity', jsonb_build_object('index', v_index, 'name', v_ticket_name, 'sold', v_existing.sold));
      end if;
      update public.ticket_types t
      set name = v_ticket_name, price_minor = (v_ticket ->> 'price_minor')::bigint,
          capacity = (v_ticket ->> 'capacity')::integer, sort_order = v_index
      where t.id = v_existing.id;
    else
      insert into public.ticket_types (organization_id, event_id, name, price_minor, capacity, sort_order)
      values (p_organization_id, v_event_id, v_ticket_name, (v_ticket ->> 'price_minor')::bigint,
              (v_ticket ->> 'capacity')::integer, v_index);
    end if;
  end loop;
  return v_event_id;
end;
$$;
comment on function public.save_event(uuid, uuid, text, text, text, text, timestamptz, jsonb) is
  'Creates (p_event_id null, as a draft) or updates an event together with its ticket types, in one transaction. p_ticket_types is the full list, in display order: [{"id"?, "name", "price_minor", "capacity"}]; listed ids are updated, entries without id added, and the event''s other ticket types removed. Returns the event id. Errors: not_authorized, event_not_found, invalid_event_name, invalid_slug, invalid_description, invalid_venue, invalid_starts_at, invalid_ticket_types, invalid_ticket_name, invalid_price, invalid_capacity, ticket_type_not_found, capacity_below_sold, ticket_type_has_sales, slug_taken; detail names the field. Nullable: p_event_id.';
revoke all on function public.save_event(uuid, uuid, text, text, text, text, timestamptz, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.save_event(uuid, uuid, text, text, text, text, timestamptz, jsonb) to authenticated;

-- save_promoter ---------------------------------------------------------------------------
create function public.save_promoter(
  p_organization_id uuid,
  p_promoter_id uuid,
  p_name text,
  p_promo_code text,
  p_email text,
  p_phone text,
  p_notes text,
  p_event_ids uuid[] default null,
  p_group_ids uuid[] default null,
  p_active_on_future_events boolean default null
)
returns uuid
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_promoter_id uuid := p_promoter_id;
  v_name text := btrim(coalesce(p_name, ''));
  v_code text := btrim(coalesce(p_promo_code, ''));
  v_email text := nullif(btrim(coalesce(p_email, '')), '');
  v_phone text := nullif(btrim(coalesce(p_phone, '')), '');
  v_notes text := nullif(btrim(coalesce(p_notes, '')), '');
begin
  perform private.require_member(p_organization_id);

  -- 1. Every field, before anything is written.
  if char_length(v_name) not between 1 and 120 then
    perform private.raise_invalid_field('invalid_name', 'The name must be 1 to 120 characters long.', 'name');
  end if;
  if v_code !~ private.promo_code_pattern() then
    perform private.raise_invalid_field('invalid_promo_code',
      'A promo code has 3 to 32 letters, digits, hyphens or underscores.', 'promo_code');
  end if;
  if v_email is not null and (char_length(v_email) > 254 or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+$') then
    perform private.raise_invalid_field('invalid_email', 'Enter an email address like name@example.com, or leave it empty.', 'email');
  end if;
  if char_length(v_phone) > 40 then
    perform private.raise_invalid_field('invalid_phone', 'The phone number can be at most 40 characters long.', 'phone');
  end if;
  if char_length(v_notes) > 2000 then
    perform private.raise_invalid_field('invalid_notes', 'Notes can be at most 2,000 characters long.', 'notes');
  end if;
  if cardinality(p_event_ids) > 1000 or exists (
    select 1 from unnest(p_event_ids) i
    where i is null or not exists (select 1 from public.events e where e.id = i and e.organization_id = p_organization_id)
  ) then
    perform private.raise_invalid_field('event_not_found', 'One of the chosen events no longer exists. Reload and try again.', 'event_ids');
  end if;
  if cardinality(p_group_ids) > 1000 or exists (
    select 1 from unnest(p_group_ids) i
    where i is null or not exists (select 1 from public.promoter_groups g where g.id = i and g.organization_id = p_organization_id)
  ) then
    perform private.raise_invalid_field('group_not_found', 'One of the chosen groups no longer exists. Reload and try again.', 'group_ids');
  end if;

  -- 2. The promoter (lock order level 2), then its links and groups.
  begin
    if v_promoter_id is null then
      insert into public.promoters (organization_id, name, promo_code, email, phone, notes, active_on_future_events)
      values (p_organization_id, v_name, v_code, v_email, v_phone, v_notes, coalesce(p_active_on_future_events, false))
      returning id into v_promoter_id;
    else
      update public.promoters p
      set name = v_name, promo_code = v_code, email = v_email, phone = v_phone, notes = v_notes,
          active_on_future_events = coalesce(p_active_on_future_events, p.active_on_future_events)
      where p.id = v_promoter_id and p.organization_id = p_organization_id;
      if not found then
        raise exception 'promoter_not_found' using errcode = 'P0001', hint = 'This promoter does not exist or was deleted.';
      end if;
    end if;
  exception when unique_violation then
    -- Two saves of the same new code at once: the unique index decided.
    raise exception 'promo_code_taken'
      using errcode = '23505', hint = 'Another promoter of this organization already uses this promo code.',
            detail = jsonb_build_object('field', 'promo_code')::text;
  end;

  if p_event_ids is not null then
    insert into public.event_promoters (organization_id, event_id, promoter_id, active)
    select p_organization_id, i, v_promoter_id, true from (select distinct unnest(p_event_ids) as i) ids
    on conflict (event_id, promoter_id) do update set active = true where not public.event_promoters.active;
    update public.event_promoters l set active = false
    where l.promoter_id = v_promoter_id and l.active and l.event_id <> all (p_event_ids);
  end if;
  if p_group_ids is not null then
    delete from public.promoter_group_members m
    where m.promoter_id = v_promoter_id and m.group_id <> all (p_group_ids);
    insert into public.promoter_group_members (organization_id, group_id, promoter_id)
    select p_organization_id, i, v_promoter_id from (select distinct unnest(p_group_ids) as i) ids
    on conflict (group_id, promoter_id) do nothing;
  end if;
  return v_promoter_id;
end;
$$;
comment on function public.save_promoter(uuid, uuid, text, text, text, text, text, uuid[], uuid[], boolean) is
  'Creates (p_promoter_id null) or updates a promoter with its tracking links and groups, in one transaction. p_event_ids: the events it is active on (links of other events are deactivated, never deleted); p_group_ids: exactly its groups; null leaves either unchanged. p_active_on_future_events: whether new events get a link for it automatically (null: unchanged, false for a new promoter). Blank email, phone and notes are stored as null. Returns the promoter id. Errors: not_authorized, promoter_not_found, invalid_name, invalid_promo_code, promo_code_taken, invalid_email, invalid_phone, invalid_notes, event_not_found, group_not_found; detail names the field. Nullable: p_promoter_id, p_email, p_phone, p_notes, p_event_ids, p_group_ids, p_active_on_future_events.';
revoke all on function public.save_promoter(uuid, uuid, text, text, text, text, text, uuid[], uuid[], boolean) from public, anon, authenticated, service_role;
grant execute on function public.save_promoter(uuid, uuid, text, text, text, text, text, uuid[], uuid[], boolean) to authenticated;
