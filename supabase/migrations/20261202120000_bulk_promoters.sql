-- Less busywork with promoters: active on all future events, import from CSV, and
-- activation of many promoters on one event at once.
--
-- * promoters.active_on_future_events: a new event of the organization gets an active
--   tracking link for each such promoter, whoever creates it and however (save_event(),
--   a direct insert, the service role), through an after-insert trigger on events.
--   Switching the option on does not touch existing events.
-- * import_promoters(): all-or-nothing import of up to private.max_import_rows() rows
--   (name, promo code, email, phone, group names). With p_dry_run it only reports what
--   an import would do: per-row errors, the codes generated for blank ones, and the
--   groups it would create. Without it, it checks everything again and either writes
--   every row or raises import_refused with the per-row errors and writes nothing.
-- * bulk_activate_promoters(): activates promoters on one event in one call; existing
--   active links are left as they are, deactivated links are activated again.
--
-- Who: any member, as for save_promoter() (any member manages promoters today). All
-- three are security invoker, so row-level security, column grants and the promoters'
-- triggers (validate_promoter(), reserve_promo_code()) decide as for single writes.
--
-- Lock order (docs/decisions/008-lock-order.md): the trigger on a new event key-shares
-- the organization's promoters with the option in id order (level 2) after inserting
-- the new event row, which nobody else can hold yet. bulk_activate_promoters()
-- key-shares the chosen promoters in id order (level 2) and then the event; save_event()
-- never locks a promoter, and a deletion that took a promoter first makes the call wait
-- and then find it gone (promoter_not_found). import_promoters() takes the advisory
-- lock of every explicit code in text order before writing (the lock
-- reserve_promo_code() takes per code); for generated codes it only tries a lock and
-- moves on to the next candidate when another transaction holds it, so two imports
-- never wait on each other in a cycle: the one that locks a shared code first wins,
-- the other then finds it taken and refuses without writing. New groups are inserted
-- in name order for the same reason.

-- Limits ---------------------------------------------------------------------------------
create function private.max_import_rows()
returns integer
language sql immutable set search_path = ''
as $$
  select 1000
$$;
comment on function private.max_import_rows() is
  'The most promoters one import_promoters() call accepts. @contract maxImportRows';
revoke all on function private.max_import_rows() from public, anon, authenticated, service_role;
grant execute on function private.max_import_rows() to authenticated, service_role;

-- Active on all future events -------------------------------------------------------------
alter table public.promoters add column active_on_future_events boolean not null default false;
comment on column public.promoters.active_on_future_events is
  'When true, every event the organization creates from now on gets an active tracking link for this promoter. Existing events are not changed.';
grant insert (active_on_future_events), update (active_on_future_events) on public.promoters to authenticated;

create function private.link_future_event_promoters()
returns trigger
language plpgsql security invoker set search_path = ''
as $$
begin
  insert into public.event_promoters (organization_id, event_id, promoter_id, active)
  select new.organization_id, new.id, p.id, true
  from (
    select p.id from public.promoters p
    where p.organization_id = new.organization_id and p.active_on_future_events
    order by p.id
    for key share
  ) p
  on conflict (event_id, promoter_id) do nothing;
  return null;
end;
$$;
comment on function private.link_future_event_promoters() is
  'After a new event is inserted: an active tracking link on it for each promoter of its organization that is active on all future events.';
revoke all on function private.link_future_event_promoters() from public, anon, authenticated, service_role;
create trigger events_link_future_promoters after insert on public.events
  for each row execute function private.link_future_event_promoters();

-- Import ---------------------------------------------------------------------------------------
-- The advisory lock key of one promo code of an organization, now shared by
-- lock_promo_code() and the import's locks.
create function private.promo_code_lock_key(p_organization_id uuid, p_promo_code text)
returns bigint
language sql immutable set search_path = ''
as $$
  select hashtextextended('public.promoters.promo_code:' || p_organization_id::text || ':' || lower(p_promo_code), 0)
$$;
comment on function private.promo_code_lock_key(uuid, text) is
  'The transaction-scoped advisory lock key that serializes everyone taking or giving up one promo code of an organization.';
revoke all on function private.promo_code_lock_key(uuid, text) from public, anon, authenticated, service_role;
grant execute on function private.promo_code_lock_key(uuid, text) to authenticated;

-- One transaction-scoped lock per (organization, code) serializes everyone who takes or
-- gives up that code (reserve_promo_code(), 20261201140000_orders.sql).
create function private.lock_promo_code(p_organization_id uuid, p_promo_code text)
returns void
language sql volatile set search_path = ''
as $$
  select pg_advisory_xact_lock(private.promo_code_lock_key(p_organization_id, p_promo_code))
$$;
comment on function private.lock_promo_code(uuid, text) is 'Serializes transactions taking or giving up one promo code of an organization (advisory, until commit).';
revoke all on function private.lock_promo_code(uuid, text) from public, anon, authenticated, service_role;

-- Whether a promo code is used, now or formerly, by a promoter of the organization.
create function private.is_promo_code_used(p_organization_id uuid, p_promo_code text)
returns boolean
language sql stable set search_path = ''
as $$
  select exists (
    select 1 from public.promoters p
    where p.organization_id = p_organization_id and lower(p.promo_code) = lower(p_promo_code)
  ) or exists (
    select 1 from public.promoter_code_history h
    where h.organization_id = p_organization_id and lower(h.promo_code) = lower(p_promo_code)
  )
$$;
comment on function private.is_promo_code_used(uuid, text) is
  'True when a promoter of the organization has this promo code, or had it before (ignoring case). Sees only what the caller may read.';
revoke all on function private.is_promo_code_used(uuid, text) from public, anon, authenticated, service_role;
grant execute on function private.is_promo_code_used(uuid, text) to authenticated;

-- One row's problem, for the import report.
create function private.import_error(p_field text, p_code text, p_message text)
returns jsonb
language sql immutable set search_path = ''
as $$
  select jsonb_build_object('field', p_field, 'code', p_code, 'message', p_message)
$$;
comment on function private.import_error(text, text, text) is
  'A per-row problem of import_promoters(): {"field", "code", "message"}.';
revoke all on function private.import_error(text, text, text) from public, anon, authenticated, service_role;
grant execute on function private.import_error(text, text, text) to authenticated;

-- import_promoters() reads as the list of its steps, each a private function. It is
-- security invoker, run by a signed-in member: its parts run as that member too
-- (row-level security, column grants and the promoters' triggers decide), so, like
-- import_error(), they are executable by authenticated.

-- A row's groups, one spelling per group (ignoring case); an existing group keeps its own.
create function private.import_group_names(p_organization_id uuid, p_groups jsonb)
returns text[]
language plpgsql stable security invoker set search_path = ''
as $$
declare
  v_names text[];
begin
  if jsonb_typeof(p_groups) <> 'array' or jsonb_array_length(p_groups) > 20
     or exists (select 1 from jsonb_array_elements(p_groups) g where jsonb_typeof(g) <> 'string'
                or char_length(btrim(g #>> '{}')) not between 1 and 60) then
    return null;
  end if;
  select coalesce(array_agg(n order by lower(n)), '{}'::text[]) into v_names
  from (
    select distinct on (lower(btrim(g #>> '{}'))) coalesce(pg.name, btrim(g #>> '{}')) as n
    from jsonb_array_elements(p_groups) g
    left join public.promoter_groups pg
      on pg.organization_id = p_organization_id and lower(pg.name) = lower(btrim(g #>> '{}'))
    order by lower(btrim(g #>> '{}'))
  ) named;
  return v_names;
end;
$$;
comment on function private.import_group_names(uuid, jsonb) is
  'For import_promoters(): the group names of one row (a JSON array of 1 to 60 character names, at most 20), sorted, one per group ignoring case, an existing group''s own spelling; null when the list is not valid.';
revoke all on function private.import_group_names(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.import_group_names(uuid, jsonb) to authenticated;

-- A blank code: the name's letters and digits (accents dropped), at most 12, with a
-- number added until free. Outside a dry run a candidate is only tried-locked: another
-- import holding it moves this one on to the next number, never into a wait.
create function private.import_generated_code(
  p_organization_id uuid, p_name text, p_explicit text[], p_used text[], p_dry_run boolean
)
returns text
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_base text;
  v_suffix integer := 1;
  v_candidate text;
begin
  v_base := left(upper(regexp_replace(
    translate(p_name, 'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿ',
                      'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyy'),
    '[^A-Za-z0-9]+', '', 'g')), 12);
  if char_length(v_base) < 3 then
    v_base := 'PROMOTER';
  end if;
  loop
    v_candidate := case when v_suffix = 1 then v_base else v_base || v_suffix::text end;
    if lower(v_candidate) <> all (p_used) and lower(v_candidate) <> all (p_explicit)
       and (p_dry_run or pg_try_advisory_xact_lock(private.promo_code_lock_key(p_organization_id, v_candidate)))
       and not private.is_promo_code_used(p_organization_id, v_candidate) then
      exit;
    end if;
    v_suffix := v_suffix + 1;
  end loop;
  return v_candidate;
end;
$$;
comment on function private.import_generated_code(uuid, text, text[], text[], boolean) is
  'For import_promoters(): a free promo code made from a promoter''s name, not among p_used (codes of earlier rows, lower case) nor p_explicit (the file''s explicit codes, lower case), and, outside a dry run, advisory-locked for this transaction.';
revoke all on function private.import_generated_code(uuid, text, text[], text[], boolean) from public, anon, authenticated, service_role;
grant execute on function private.import_generated_code(uuid, text, text[], text[], boolean) to authenticated;

-- Step 2 of import_promoters(): one row, every field; nothing is written.
create function private.import_checked_row(
  p_organization_id uuid, p_row jsonb, p_index integer, p_explicit text[], p_used text[], p_dry_run boolean
)
returns jsonb
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_row jsonb := p_row;
  v_errors jsonb := '[]'::jsonb;
  v_generated boolean := false;
  v_name text;
  v_code text;
  v_email text;
  v_phone text;
  v_groups text[] := '{}'::text[];
begin
  if jsonb_typeof(v_row) <> 'object' then
    v_row := '{}'::jsonb;
    v_errors := v_errors || private.import_error('row', 'invalid_import_rows', 'This row could not be read.');
  end if;
  v_name := btrim(coalesce(v_row ->> 'name', ''));
  v_code := btrim(coalesce(v_row ->> 'promo_code', ''));
  v_email := nullif(btrim(coalesce(v_row ->> 'email', '')), '');
  v_phone := nullif(btrim(coalesce(v_row ->> 'phone', '')), '');

  if char_length(v_name) not between 1 and 120 then
    v_errors := v_errors || private.import_error('name', 'invalid_name', 'The name must be 1 to 120 characters long.');
  end if;
  if v_email is not null and (char_length(v_email) > 254 or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+$') then
    v_errors := v_errors || private.import_error('email', 'invalid_email', 'Enter an email address like name@example.com, or leave it empty.');
  end if;
  if char_length(v_phone) > 40 then
    v_errors := v_errors || private.import_error('phone', 'invalid_phone', 'The phone number can be at most 40 characters long.');
  end if;
  if v_row ? 'groups' and jsonb_typeof(v_row -> 'groups') <> 'null' then
    v_groups := private.import_group_names(p_organization_id, v_row -> 'groups');
    if v_groups is null then
      v_groups := '{}'::text[];
      v_errors := v_errors || private.import_error('groups', 'invalid_group', 'A promoter has at most 20 groups, each named with 1 to 60 characters.');
    end if;
  end if;

  if v_code = '' then
    v_generated := true;
    v_code := private.import_generated_code(p_organization_id, v_name, p_explicit, p_used, p_dry_run);
  elsif v_code !~ private.promo_code_pattern() then
    v_errors := v_errors || private.import_error('promo_code', 'invalid_promo_code',
      'A promo code has 3 to 32 letters, digits, hyphens or underscores.');
  elsif lower(v_code) = any (p_used) then
    v_errors := v_errors || private.import_error('promo_code', 'promo_code_duplicate',
      'Another row of this file has the same promo code.');
  elsif private.is_promo_code_used(p_organization_id, v_code) then
    v_errors := v_errors || private.import_error('promo_code', 'promo_code_taken',
      'Another promoter of this organization already uses (or used) this promo code.');
  end if;

  return jsonb_build_object(
    'row', p_index, 'name', v_name, 'promo_code', v_code, 'generated', v_generated,
    'email', v_email, 'phone', v_phone, 'groups', to_jsonb(v_groups), 'errors', v_errors);
end;
$$;
comment on function private.import_checked_row(uuid, jsonb, integer, text[], text[], boolean) is
  'For import_promoters(): the report entry of row p_index ({"row", "name", "promo_code", "generated", "email", "phone", "groups", "errors"}), its code generated when blank; p_used holds the codes of earlier rows and p_explicit every explicit code of the file (lower case).';
revoke all on function private.import_checked_row(uuid, jsonb, integer, text[], text[], boolean) from public, anon, authenticated, service_role;
grant execute on function private.import_checked_row(uuid, jsonb, integer, text[], text[], boolean) to authenticated;

-- Step 3 of import_promoters(): missing groups in name order (two imports creating the
-- same groups take them in one order), then each promoter with its groups.
create function private.import_write_rows(p_organization_id uuid, p_report jsonb, p_new_groups text[])
returns void
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_entry jsonb;
  v_promoter_id uuid;
begin
  insert into public.promoter_groups (organization_id, name)
  select p_organization_id, n from unnest(p_new_groups) n order by lower(n)
  on conflict (organization_id, lower(name)) do nothing;

  for v_entry in select r from jsonb_array_elements(p_report) r loop
    insert into public.promoters (organization_id, name, promo_code, email, phone)
    values (p_organization_id, v_entry ->> 'name', v_entry ->> 'promo_code', v_entry ->> 'email', v_entry ->> 'phone')
    returning id into v_promoter_id;
    insert into public.promoter_group_members (organization_id, group_id, promoter_id)
    select p_organization_id, g.id, v_promoter_id
    from public.promoter_groups g
    where g.organization_id = p_organization_id
      and lower(g.name) in (select lower(x) from jsonb_array_elements_text(v_entry -> 'groups') x)
    on conflict (group_id, promoter_id) do nothing;
  end loop;
end;
$$;
comment on function private.import_write_rows(uuid, jsonb, text[]) is
  'For import_promoters(): creates the groups p_new_groups and a promoter, with its group memberships, for each entry of a report without errors.';
revoke all on function private.import_write_rows(uuid, jsonb, text[]) from public, anon, authenticated, service_role;
grant execute on function private.import_write_rows(uuid, jsonb, text[]) to authenticated;

-- import_promoters: the steps -----------------------------------------------------------------------
create function public.import_promoters(p_organization_id uuid, p_rows jsonb, p_dry_run boolean default false)
returns jsonb
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_count integer;
  v_row jsonb;
  v_index integer;
  v_entry jsonb;
  v_explicit text[] := '{}'::text[];
  v_used text[] := '{}'::text[];
  v_report jsonb := '[]'::jsonb;
  v_bad_rows integer := 0;
  v_new_groups text[];
begin
  perform private.require_member(p_organization_id);
  if p_rows is null or jsonb_typeof(p_rows) <> 'array' or jsonb_array_length(p_rows) = 0 then
    raise exception 'invalid_import_rows'
      using errcode = 'P0001', hint = 'The import needs a list of rows with at least one promoter.';
  end if;
  v_count := jsonb_array_length(p_rows);
  if v_count > private.max_import_rows() then
    raise exception 'import_too_large'
      using errcode = 'P0001', hint = format('One import takes at most %s promoters; this one has %s.', private.max_import_rows(), v_count),
            detail = jsonb_build_object('max', private.max_import_rows(), 'rows', v_count)::text;
  end if;

  -- 1. The explicit codes of the file, locked in text order before anyone's row is
  --    checked, so that whether a code is taken cannot change until this commits.
  select coalesce(array_agg(c order by c), '{}'::text[]) into v_explicit
  from (
    select distinct lower(btrim(r.value ->> 'promo_code')) as c
    from jsonb_array_elements(p_rows) r
    where jsonb_typeof(r.value) = 'object' and jsonb_typeof(r.value -> 'promo_code') = 'string'
      and btrim(r.value ->> 'promo_code') ~ private.promo_code_pattern()
  ) codes;
  if not p_dry_run then
    perform pg_advisory_xact_lock(private.promo_code_lock_key(p_organization_id, c)) from unnest(v_explicit) c order by c;
  end if;

  -- 2. Every row, every field; nothing is written yet.
  for v_row, v_index in select r.value, r.ordinality::integer from jsonb_array_elements(p_rows) with ordinality r loop
    v_entry := private.import_checked_row(p_organization_id, v_row, v_index, v_explicit, v_used, p_dry_run);
    if (v_entry ->> 'promo_code') ~ private.promo_code_pattern() then
      v_used := v_used || lower(v_entry ->> 'promo_code');
    end if;
    if jsonb_array_length(v_entry -> 'errors') > 0 then
      v_bad_rows := v_bad_rows + 1;
    end if;
    v_report := v_report || v_entry;
  end loop;

  select coalesce(array_agg(n order by lower(n)), '{}'::text[]) into v_new_groups
  from (
    select distinct on (lower(g)) g as n
    from jsonb_array_elements(v_report) r, jsonb_array_elements_text(r -> 'groups') g
    where not exists (select 1 from public.promoter_groups pg where pg.organization_id = p_organization_id and lower(pg.name) = lower(g))
    order by lower(g), g
  ) missing;

  if p_dry_run then
    return jsonb_build_object('rows', v_report, 'rows_with_errors', v_bad_rows, 'new_groups', to_jsonb(v_new_groups), 'imported', 0);
  end if;
  if v_bad_rows > 0 then
    raise exception 'import_refused'
      using errcode = 'P0001',
            hint = format('Nothing was imported: %s of %s rows have errors.', v_bad_rows, v_count),
            detail = jsonb_build_object('rows', (
              select jsonb_agg(jsonb_build_object('row', r -> 'row', 'errors', r -> 'errors') order by (r ->> 'row')::integer)
              from jsonb_array_elements(v_report) r where jsonb_array_length(r -> 'errors') > 0))::text;
  end if;

  -- 3. Writes: missing groups in name order, then each promoter with its groups.
  perform private.import_write_rows(p_organization_id, v_report, v_new_groups);

  return jsonb_build_object('rows', v_report, 'rows_with_errors', 0, 'new_groups', to_jsonb(v_new_groups), 'imported', v_count);
end;
$$;
comment on function public.import_promoters(uuid, jsonb, boolean) is
  'Imports promoters all-or-nothing. p_rows: [{"name", "promo_code"?, "email"?, "phone"?, "groups"?: [group name]}], at most private.max_import_rows(); a blank promo code gets one generated from the name, groups not yet in the organization are created. Returns {"rows": [{"row", "name", "promo_code", "generated", "email", "phone", "groups", "errors": [{"field", "code", "message"}]}], "rows_with_errors", "new_groups", "imported"}. With p_dry_run nothing is written and rows may have errors (codes: invalid_import_rows, invalid_name, invalid_promo_code, promo_code_duplicate, promo_code_taken, invalid_email, invalid_phone, invalid_group); without it every row is written, or none and import_refused is raised with detail {"rows": [{"row", "errors"}]}. Errors: not_authorized, invalid_import_rows, import_too_large, import_refused.';
revoke all on function public.import_promoters(uuid, jsonb, boolean) from public, anon, authenticated, service_role;
grant execute on function public.import_promoters(uuid, jsonb, boolean) to authenticated;

-- Bulk activation ------------------------------------------------------------------------------
create function public.bulk_activate_promoters(p_organization_id uuid, p_event_id uuid, p_promoter_ids uuid[])
returns jsonb
language plpgsql volatile security invoker set search_path = ''
as $$
declare
  v_wanted integer;
  v_locked uuid[];
  v_event_name text;
  v_already integer;
  v_activated integer;
begin
  perform private.require_member(p_organization_id);
  select count(distinct i) into v_wanted from unnest(p_promoter_ids) i where i is not null;
  if p_promoter_ids is null or v_wanted = 0 or cardinality(p_promoter_ids) > 1000
     or exists (select 1 from unnest(p_promoter_ids) i where i is null) then
    perform private.raise_invalid_field('invalid_promoter_ids', 'Choose 1 to 1,000 promoters.', 'promoter_ids');
  end if;

  -- Level 2: the promoters, in id order; one deleted meanwhile is not found.
  select coalesce(array_agg(l.id), '{}'::uuid[]) into v_locked
  from (
    select p.id from public.promoters p
    where p.organization_id = p_organization_id and p.id = any (p_promoter_ids)
    order by p.id
    for key share
  ) l;
  if cardinality(v_locked) <> v_wanted then
    perform private.raise_invalid_field('promoter_not_found',
      'One of the chosen promoters no longer exists. Reload and try again.', 'promoter_ids');
  end if;

  select e.name into v_event_name
  from public.events e
  where e.id = p_event_id and e.organization_id = p_organization_id
  for key share;
  if v_event_name is null then
    perform private.raise_invalid_field('event_not_found', 'This event does not exist or was deleted.', 'event_id');
  end if;

  select count(*) into v_already
  from public.event_promoters l
  where l.event_id = p_event_id and l.promoter_id = any (v_locked) and l.active;

  insert into public.event_promoters (organization_id, event_id, promoter_id, active)
  select p_organization_id, p_event_id, i, true from unnest(v_locked) i order by i
  on conflict (event_id, promoter_id) do update set active = true where not public.event_promoters.active;
  get diagnostics v_activated = row_count;

  return jsonb_build_object('activated', v_activated, 'already_active', v_already, 'event_name', v_event_name);
end;
$$;
comment on function public.bulk_activate_promoters(uuid, uuid, uuid[]) is
  'Activates up to 1,000 promoters on one event in one transaction: a missing link is created active, a deactivated one is activated again, an active one is left as it is. Returns {"activated", "already_active", "event_name"}. Errors: not_authorized, invalid_promoter_ids, promoter_not_found, event_not_found; detail names the field.';
revoke all on function public.bulk_activate_promoters(uuid, uuid, uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.bulk_activate_promoters(uuid, uuid, uuid[]) to authenticated;
