-- Platform bootstrap for databases that are not hosted Supabase (PGlite, plain Postgres).
--
-- Creates what a Supabase project provides before any application migration runs, and
-- nothing more: the API roles, the auth/extensions/realtime schemas, auth.users and the
-- auth helper functions, realtime.messages with topic()/send()/broadcast_changes(), and
-- the supabase_realtime publication. Shapes follow the Supabase platform so that the
-- migrations in supabase/migrations run unchanged here and on a hosted project.
--
-- Idempotent: safe to run on every start. Never applied to hosted Supabase.

-- Roles -----------------------------------------------------------------------------
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_roles where rolname = r) then
      execute format('create role %I nologin noinherit', r);
    end if;
  end loop;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  foreach r in array array['supabase_admin', 'supabase_auth_admin', 'supabase_realtime_admin',
                           'supabase_storage_admin', 'dashboard_user'] loop
    if not exists (select 1 from pg_roles where rolname = r) then
      execute format('create role %I nologin', r);
    end if;
  end loop;
end
$$;

-- The role migrations run as, standing for hosted's postgres; its grants are at the end.
do $$
declare
  r text := current_setting('emulator.migration_role');
begin
  if not exists (select 1 from pg_roles where rolname = r) then
    execute format('create role %I login', r);
  end if;
  execute format('alter role %I nosuperuser createdb createrole replication bypassrls inherit', r);
end
$$;

alter role anon inherit;
alter role authenticated inherit;
alter role service_role inherit bypassrls;
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
grant anon, authenticated, service_role to authenticator;

-- Schemas ---------------------------------------------------------------------------
create schema if not exists extensions;
create schema if not exists auth;
create schema if not exists realtime;
create schema if not exists storage;
create schema if not exists graphql_public;

create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;

grant usage on schema public, extensions to postgres, anon, authenticated, service_role;
grant usage on schema auth, realtime to anon, authenticated, service_role;
grant all on schema auth to supabase_auth_admin;
grant all on schema realtime to supabase_realtime_admin;

-- Functions in extensions are callable by the API roles, as on Supabase.
grant execute on all functions in schema extensions to anon, authenticated, service_role;

-- auth ------------------------------------------------------------------------------
create table if not exists auth.users (
  instance_id uuid,
  id uuid not null primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text unique default null,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0,
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
create unique index if not exists users_email_partial_key on auth.users (email) where (is_sso_user = false);
comment on table auth.users is 'Auth: stores user login data within a secure schema.';

create table if not exists auth.identities (
  id uuid not null default gen_random_uuid() primary key,
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  unique (provider_id, provider)
);
create index if not exists identities_user_id_idx on auth.identities (user_id);

create table if not exists auth.sessions (
  id uuid not null primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz,
  updated_at timestamptz,
  factor_id uuid,
  aal text,
  not_after timestamptz,
  refreshed_at timestamp,
  user_agent text,
  ip inet,
  tag text
);
create index if not exists sessions_user_id_idx on auth.sessions (user_id);

create table if not exists auth.refresh_tokens (
  instance_id uuid,
  id bigserial primary key,
  token varchar(255) unique,
  user_id varchar(255),
  revoked boolean,
  created_at timestamptz,
  updated_at timestamptz,
  parent varchar(255),
  session_id uuid references auth.sessions (id) on delete cascade
);
create index if not exists refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);
create index if not exists refresh_tokens_parent_idx on auth.refresh_tokens (parent);

alter table auth.users enable row level security;
alter table auth.identities enable row level security;
alter table auth.sessions enable row level security;
alter table auth.refresh_tokens enable row level security;
grant all on all tables in schema auth to supabase_auth_admin;
grant all on all sequences in schema auth to supabase_auth_admin;
-- Owned by the auth service's role, as on the platform: the role migrations run as does
-- not own them (see "Policy grants" below).
alter table auth.users owner to supabase_auth_admin;
alter table auth.identities owner to supabase_auth_admin;
alter table auth.sessions owner to supabase_auth_admin;
alter table auth.refresh_tokens owner to supabase_auth_admin;

create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role, supabase_auth_admin;

-- realtime --------------------------------------------------------------------------
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  binary_payload bytea,
  constraint messages_payload_exclusive check (payload is null or binary_payload is null),
  primary key (id, inserted_at)
) partition by range (inserted_at);
create index if not exists messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;
alter table realtime.messages enable row level security;
grant insert, select, update on realtime.messages to anon, authenticated, service_role;
grant all on realtime.messages to supabase_realtime_admin;
alter table realtime.messages owner to supabase_realtime_admin;

-- One partition per day, named messages_YYYY_MM_DD, as on the platform, where the
-- realtime service creates them (yesterday to three days ahead) and drops older ones;
-- the emulator calls this on start and every hour. A message for a day without a
-- partition cannot be inserted: realtime.send logs a warning and drops it.
-- A database prepared before the table was partitioned keeps its plain table.
create or replace function realtime.emulator_maintain_partitions(p_today date default localtimestamp::date)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  day date;
  partition regclass;
begin
  if (select c.relkind from pg_catalog.pg_class c where c.oid = 'realtime.messages'::regclass) <> 'p' then
    return;
  end if;
  perform pg_catalog.pg_advisory_xact_lock(7404);
  for day in select d::date from pg_catalog.generate_series(p_today - 1, p_today + 3, interval '1 day') d loop
    if pg_catalog.to_regclass(pg_catalog.format('realtime.messages_%s', pg_catalog.to_char(day, 'YYYY_MM_DD'))) is null then
      execute pg_catalog.format(
        'create table realtime.%I partition of realtime.messages for values from (%L) to (%L)',
        'messages_' || pg_catalog.to_char(day, 'YYYY_MM_DD'), day, day + 1);
      execute pg_catalog.format('alter table realtime.%I owner to supabase_realtime_admin',
        'messages_' || pg_catalog.to_char(day, 'YYYY_MM_DD'));
    end if;
  end loop;
  for partition in
    select c.oid::regclass
    from pg_catalog.pg_inherits i
    join pg_catalog.pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'realtime.messages'::regclass
      and c.relname ~ '^messages_[0-9]{4}_[0-9]{2}_[0-9]{2}$'
      and pg_catalog.to_date(substr(c.relname, 10), 'YYYY_MM_DD') < p_today - 1
  loop
    execute pg_catalog.format('drop table %s', partition);
  end loop;
end;
$$;
revoke all on function realtime.emulator_maintain_partitions(date) from public;
comment on function realtime.emulator_maintain_partitions(date) is
  'Emulator only: creates the daily partitions of realtime.messages from yesterday to three days ahead and drops older ones.';
select realtime.emulator_maintain_partitions();

create or replace function realtime.topic() returns text
language sql stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;
grant execute on function realtime.topic() to anon, authenticated, service_role;

create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
as $$
declare
  message_id uuid := gen_random_uuid();
  message_payload jsonb := payload;
begin
  begin
    if not (message_payload ? 'id') then
      message_payload := message_payload || jsonb_build_object('id', message_id);
    end if;
    perform set_config('realtime.topic', topic, true);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (message_id, message_payload, event, topic, private, 'broadcast');
  exception when others then
    raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end;
$$;

create or replace function realtime.broadcast_changes(
  topic_name text, event_name text, operation text, table_name text, table_schema text,
  new record, old record, level text default 'ROW'
) returns void
language plpgsql
as $$
declare
  row_data jsonb;
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation in ('INSERT', 'UPDATE', 'DELETE') then
    row_data := jsonb_build_object(
      'old_record', old, 'record', new, 'operation', operation,
      'table', table_name, 'schema', table_schema
    );
    perform realtime.send(row_data, event_name, topic_name);
  else
    raise exception 'Unexpected operation type: %', operation;
  end if;
exception when others then
  raise exception 'Failed to process the row: %', sqlerrm;
end;
$$;
grant execute on function realtime.send(jsonb, text, text, boolean) to anon, authenticated, service_role;
grant execute on function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  to anon, authenticated, service_role;

-- The emulator's realtime server listens on this channel; a NOTIFY is delivered only
-- when the inserting transaction commits, which gives broadcast-after-commit for free.
-- But every notifying transaction takes one database-wide lock at commit, so on a
-- Postgres with logical WAL the realtime server reads inserted messages from the WAL
-- through its own temporary replication slot (named emulator_realtime_*), as hosted
-- Realtime does; while such a slot is ready no NOTIFY is sent. A slot ends with its
-- connection, so a stopped or crashed server brings NOTIFY back for the others.
create or replace function realtime.emulator_notify_message() returns trigger
language plpgsql
as $$
begin
  if pg_catalog.current_setting('wal_level') = 'logical' and exists (
    select 1 from pg_catalog.pg_replication_slots
    where slot_name like 'emulator\_realtime\_%' and slot_type = 'logical'
      and database = pg_catalog.current_database()
      -- set once the slot is consistent: what commits after this is decoded
      and confirmed_flush_lsn is not null
  ) then
    return null;
  end if;
  if new.extension = 'broadcast' and new.payload is not null then
    perform pg_notify('realtime_messages', json_build_object(
      'id', new.id, 'topic', new.topic, 'event', new.event, 'private', new.private,
      'payload', case when octet_length(new.payload::text) <= 7000 then new.payload end
    )::text);
  end if;
  return null;
end;
$$;
drop trigger if exists emulator_notify_message on realtime.messages;
create trigger emulator_notify_message
  after insert on realtime.messages
  for each row execute function realtime.emulator_notify_message();

-- Publication -----------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;

-- postgres_changes capture (emulator-internal, not a Supabase object) ---------------
-- Hosted Realtime reads row changes of tables in publication supabase_realtime from the
-- WAL. The emulator has no logical replication, so every published table gets an
-- AFTER ROW trigger that NOTIFYs the realtime server; NOTIFY is sent only on commit, so
-- rolled-back work emits nothing. Triggers follow publication membership through an
-- event trigger, and the trigger function re-checks membership on every row.

-- Changes too large for one NOTIFY (8000 bytes) wait here and are notified by id.
create table if not exists realtime.emulator_changes (
  id bigserial primary key,
  payload jsonb not null,
  created_at timestamptz not null default now()
);
alter table realtime.emulator_changes enable row level security;
revoke all on realtime.emulator_changes from public, anon, authenticated, service_role;
comment on table realtime.emulator_changes is
  'Emulator only: captured row changes too large for a NOTIFY, read back by id by the realtime server.';

create or replace function realtime.emulator_capture_change() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  identity "char";
  rls boolean;
  keys text[];
  old_row jsonb;
  change jsonb;
  queued bigint;
begin
  if not exists (
    select 1 from pg_publication_tables
    where pubname = 'supabase_realtime' and schemaname = tg_table_schema and tablename = tg_table_name
  ) then
    return null;
  end if;
  select c.relreplident, c.relrowsecurity into identity, rls from pg_class c where c.oid = tg_relid;
  select array_agg(a.attname::text) into keys
  from pg_index i
  join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
  where i.indrelid = tg_relid and i.indisprimary;
  if tg_op <> 'INSERT' then
    old_row := to_jsonb(old);
    -- The WAL carries only the replica identity of the old row: the primary key unless
    -- REPLICA IDENTITY FULL; Realtime trims a DELETE on an RLS table to the key as well.
    if identity <> 'f' or (tg_op = 'DELETE' and rls) then
      select coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) into old_row
      from jsonb_each(old_row) e
      where e.key = any (coalesce(keys, '{}'::text[]));
    end if;
  end if;
  change := jsonb_build_object(
    'kind', 'postgres_changes',
    'xid', txid_current()::text,
    'schema', tg_table_schema,
    'table', tg_table_name,
    'type', tg_op,
    'record', case when tg_op <> 'DELETE' then to_jsonb(new) end,
    'old_record', old_row
  );
  if octet_length(change::text) > 7000 then
    insert into realtime.emulator_changes (payload) values (change) returning id into queued;
    change := jsonb_build_object('kind', 'postgres_changes', 'queued', queued);
  end if;
  perform pg_notify('realtime_messages', change::text);
  return null;
end;
$$;
revoke all on function realtime.emulator_capture_change() from public;
comment on function realtime.emulator_capture_change() is
  'Emulator only: NOTIFYs realtime_messages with a row change of a table in supabase_realtime.';

-- Puts the capture trigger on every table in supabase_realtime and takes it off tables
-- that left the publication.
create or replace function realtime.emulator_sync_capture() returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  target regclass;
begin
  for target in
    select c.oid::regclass
    from pg_publication_tables p
    join pg_namespace n on n.nspname = p.schemaname
    join pg_class c on c.relnamespace = n.oid and c.relname = p.tablename
    where p.pubname = 'supabase_realtime' and c.relkind = 'r'
      and not exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'emulator_realtime_capture')
  loop
    execute format(
      'create trigger emulator_realtime_capture after insert or update or delete on %s '
      'for each row execute function realtime.emulator_capture_change()', target);
  end loop;
  for target in
    select t.tgrelid::regclass
    from pg_trigger t
    join pg_class c on c.oid = t.tgrelid
    join pg_namespace n on n.oid = c.relnamespace
    where t.tgname = 'emulator_realtime_capture'
      and not exists (
        select 1 from pg_publication_tables p
        where p.pubname = 'supabase_realtime' and p.schemaname = n.nspname and p.tablename = c.relname
      )
  loop
    execute format('drop trigger emulator_realtime_capture on %s', target);
  end loop;
end;
$$;
revoke all on function realtime.emulator_sync_capture() from public;
comment on function realtime.emulator_sync_capture() is
  'Emulator only: keeps the capture trigger on exactly the tables in supabase_realtime.';

create or replace function realtime.emulator_sync_capture_on_ddl() returns event_trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform realtime.emulator_sync_capture();
end;
$$;
revoke all on function realtime.emulator_sync_capture_on_ddl() from public;

drop event trigger if exists emulator_realtime_capture_sync;
-- CREATE TABLE matters for publications FOR ALL TABLES.
create event trigger emulator_realtime_capture_sync on ddl_command_end
  when tag in ('ALTER PUBLICATION', 'CREATE PUBLICATION', 'CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO')
  execute function realtime.emulator_sync_capture_on_ddl();

select realtime.emulator_sync_capture();

-- Migrations bookkeeping, as the Supabase CLI keeps it.
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
  version text primary key,
  statements text[],
  name text
);


-- The role migrations run as --------------------------------------------------------
-- On hosted Supabase the bootstrap superuser is supabase_admin; migrations (db push, the
-- SQL editor) run as postgres, which is NOSUPERUSER CREATEDB CREATEROLE LOGIN
-- REPLICATION BYPASSRLS, owns what the migrations create, may use but not create in
-- auth and realtime, and reads and writes the platform's tables. The emulator runs its
-- migrations as such a role: postgres itself when it is not a superuser (a cluster set
-- up like the platform, as CI does for the Supabase CLI), else the stand-in
-- hosted_postgres, because the superuser of a plain cluster is named postgres. The
-- caller names the role in the setting emulator.migration_role.
do $$
declare
  r text := current_setting('emulator.migration_role');
begin
  execute format('grant all on database %I to %I', current_database(), r);
  execute format('grant all on schema public, extensions to %I', r);
  execute format('grant usage on schema auth to %I', r);
  execute format('grant usage on schema realtime to %I with grant option', r);
  execute format('grant all on all tables in schema auth, realtime to %I', r);
  execute format('grant all on all sequences in schema auth, realtime to %I', r);
  execute format('grant all on all routines in schema auth, realtime, extensions to %I', r);
  execute format('revoke all on realtime.emulator_changes from %I', r);
  execute format('grant anon, authenticated, service_role to %I', r);
  -- The Supabase CLI creates its bookkeeping as the migrating role.
  execute format('alter schema supabase_migrations owner to %I', r);
  execute format('alter table supabase_migrations.schema_migrations owner to %I', r);
  execute format(
    'create or replace function realtime.emulator_migration_role() returns text language sql immutable as %L',
    format('select %L::text', r));
end
$$;
revoke all on function realtime.emulator_migration_role() from public;
comment on function realtime.emulator_migration_role() is
  'Emulator only: the role migrations run as, standing for hosted''s postgres.';

-- Databases migrated before migrations ran as this role have their objects owned by
-- the superuser; hand them to the migrating role, which owns them on hosted, so later
-- migrations can alter them.
do $$
declare
  r text := current_setting('emulator.migration_role');
  statement text;
begin
  for statement in
    select format('alter %s %s owner to %I',
                  case c.relkind when 'S' then 'sequence' when 'v' then 'view'
                                 when 'm' then 'materialized view' else 'table' end,
                  c.oid::regclass, r)
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_roles o on o.oid = c.relowner
    where n.nspname in ('public', 'private') and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
      and o.rolsuper and not c.relispartition
      -- Sequences of serial and identity columns follow their table.
      and not exists (select 1 from pg_depend d
                      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i', 'e'))
    union all
    select format('alter routine %s owner to %I', p.oid::regprocedure, r)
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    join pg_roles o on o.oid = p.proowner
    where n.nspname in ('public', 'private') and o.rolsuper
      and not exists (select 1 from pg_depend d
                      where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    union all
    select format('alter type %s owner to %I', t.oid::regtype, r)
    from pg_type t
    join pg_namespace n on n.oid = t.typnamespace
    join pg_roles o on o.oid = t.typowner
    where n.nspname in ('public', 'private') and o.rolsuper and t.typtype in ('e', 'd', 'r')
      and not exists (select 1 from pg_depend d
                      where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')
    union all
    select format('alter schema %I owner to %I', n.nspname, r)
    from pg_namespace n
    join pg_roles o on o.oid = n.nspowner
    where n.nspname = 'private' and o.rolsuper
  loop
    execute statement;
  end loop;
end
$$;

-- Policy grants: hosted lets postgres create, alter and drop policies on the platform's
-- tables it does not own (supautils.policy_grants), e.g. an authorization policy on
-- realtime.messages. The emulator gives the migrating role membership in the owners of
-- those tables for exactly one policy statement, and refuses the statement afterwards
-- if its table is neither listed nor owned by the role.
create or replace function realtime.emulator_policy_grant_tables() returns regclass[]
language sql immutable
set search_path = ''
as $$
  select array['auth.users', 'auth.identities', 'auth.sessions', 'auth.refresh_tokens', 'realtime.messages']::regclass[]
$$;
revoke all on function realtime.emulator_policy_grant_tables() from public;
comment on function realtime.emulator_policy_grant_tables() is
  'Emulator only: the platform tables the migrating role may create, alter and drop policies on.';

create or replace function realtime.emulator_policy_grant_start() returns event_trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  r text := coalesce(nullif(current_setting('role'), 'none'), session_user);
begin
  if r <> realtime.emulator_migration_role() then
    return;
  end if;
  execute format('grant supabase_auth_admin, supabase_realtime_admin to %I', r);
end;
$$;
revoke all on function realtime.emulator_policy_grant_start() from public;
comment on function realtime.emulator_policy_grant_start() is
  'Emulator only: lends the migrating role the owners of the platform tables for one policy statement.';

create or replace function realtime.emulator_policy_grant_end() returns event_trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  r text := coalesce(nullif(current_setting('role'), 'none'), session_user);
  target regclass;
begin
  if r <> realtime.emulator_migration_role() then
    return;
  end if;
  if tg_event = 'sql_drop' then
    for target in
      select to_regclass(format('%I.%I', d.address_names[1], d.address_names[2]))
      from pg_event_trigger_dropped_objects() d
      where d.object_type = 'policy'
    loop
      perform realtime.emulator_policy_grant_check(target, r);
    end loop;
  else
    for target in
      select p.polrelid::regclass
      from pg_event_trigger_ddl_commands() c
      join pg_policy p on p.oid = c.objid
      where c.classid = 'pg_policy'::regclass
    loop
      perform realtime.emulator_policy_grant_check(target, r);
    end loop;
    execute format('revoke supabase_auth_admin, supabase_realtime_admin from %I', r);
  end if;
end;
$$;
revoke all on function realtime.emulator_policy_grant_end() from public;
comment on function realtime.emulator_policy_grant_end() is
  'Emulator only: takes the lent owners back and refuses a policy on a platform table that is not granted.';

create or replace function realtime.emulator_policy_grant_check(target regclass, r text) returns void
language plpgsql
set search_path = ''
as $$
begin
  -- Ownership through the lent roles does not count.
  if target is null or target = any (realtime.emulator_policy_grant_tables())
     or (select c.relowner = r::regrole from pg_catalog.pg_class c where c.oid = target) then
    return;
  end if;
  raise exception 'must be owner of table %', (select c.relname from pg_catalog.pg_class c where c.oid = target)
    using errcode = '42501';
end;
$$;
revoke all on function realtime.emulator_policy_grant_check(regclass, text) from public;
comment on function realtime.emulator_policy_grant_check(regclass, text) is
  'Emulator only: refuses a policy statement of the migrating role on a table it neither owns nor is granted.';

drop event trigger if exists emulator_policy_grant_start;
create event trigger emulator_policy_grant_start on ddl_command_start
  when tag in ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY')
  execute function realtime.emulator_policy_grant_start();
drop event trigger if exists emulator_policy_grant_end;
create event trigger emulator_policy_grant_end on ddl_command_end
  when tag in ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY')
  execute function realtime.emulator_policy_grant_end();
drop event trigger if exists emulator_policy_grant_drop;
create event trigger emulator_policy_grant_drop on sql_drop
  when tag in ('DROP POLICY')
  execute function realtime.emulator_policy_grant_end();

-- Default privileges ----------------------------------------------------------------
-- Older hosted projects grant ALL on every table, sequence and function the migrating
-- role creates in public to anon, authenticated and service_role; newer ones can turn
-- these automatic API grants off. config.toml's [emulator] default_privileges picks one
-- ("all" or "none"); migrations grant and revoke explicitly, so the result is the same.
-- Functions default to EXECUTE for PUBLIC in Postgres itself either way.
do $$
declare
  r text := current_setting('emulator.migration_role');
  kind text;
begin
  foreach kind in array array['tables', 'sequences', 'functions'] loop
    if current_setting('emulator.default_privileges') = 'all' then
      execute format('alter default privileges for role %I in schema public grant all on %s '
                     'to anon, authenticated, service_role', r, kind);
    else
      execute format('alter default privileges for role %I in schema public revoke all on %s '
                     'from anon, authenticated, service_role', r, kind);
    end if;
  end loop;
end
$$;
