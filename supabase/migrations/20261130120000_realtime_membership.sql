-- Realtime membership: removing a member ends their live access, on hosted Realtime too.
--
-- Hosted Realtime evaluates the policies on realtime.messages when a client joins a
-- private channel and again only when the client sends a new access token; it does not
-- re-check them for each message. A member removed from an organization would keep
-- receiving its broadcasts on a channel joined before the removal. So the topic itself
-- carries a secret: org:<organization id>:<topic key>. Only members can read the key
-- (public.organization_live_topic) and join the topic; the database broadcasts only to
-- the current topic; and every removal of a member replaces the key, then tells the old
-- topic "topic_rotated" (no content) so the remaining members' dashboards read the new
-- key and rejoin. A removed member is left on a topic nothing is sent to any more.
-- See docs/decisions/006-realtime-access.md.

-- organization_topics ----------------------------------------------------------------
-- The one place the topic's form is written.
create function private.organization_topic(p_organization_id uuid, p_topic_key text)
returns text
language sql immutable set search_path = ''
as $$
  select 'org:' || p_organization_id || ':' || p_topic_key;
$$;
comment on function private.organization_topic(uuid, text) is
  'The private realtime topic of an organization: org:<organization id>:<topic key>. @contract organizationTopic';
revoke all on function private.organization_topic(uuid, text) from public;

create table private.organization_topics (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  topic_key text not null default replace(pg_catalog.gen_random_uuid()::text, '-', '')
    check (topic_key ~ '^[0-9a-f]{32}$'),
  rotated_at timestamptz not null default now()
);
comment on table private.organization_topics is
  'The secret part of each organization''s realtime topic org:<id>:<topic_key>. Replaced whenever a member leaves, so a removed member''s open channel receives nothing more.';
comment on column private.organization_topics.topic_key is
  '32 hex digits (122 random bits); members read it through public.organization_live_topic().';
comment on column private.organization_topics.rotated_at is 'When the key was created or last replaced.';

-- No API role may touch the table (no grants, so no policies either): members read the
-- topic through public.organization_live_topic(); triggers keep it.
alter table private.organization_topics enable row level security;
revoke all on private.organization_topics from public, anon, authenticated, service_role;

-- security definer: organizations are created by API roles that may not write the table.
create function private.create_organization_topic()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into private.organization_topics (organization_id)
  select n.id from new_rows n
  on conflict (organization_id) do nothing;
  return null;
end;
$$;
comment on function private.create_organization_topic() is 'Gives every new organization its realtime topic key.';
revoke all on function private.create_organization_topic() from public;

create trigger organizations_create_topic after insert on public.organizations
  referencing new table as new_rows for each statement execute function private.create_organization_topic();

-- Rotation ---------------------------------------------------------------------------
-- security definer: whoever removes a member (an owner, the member leaving, the service
-- role, a cascade) rotates the key and sends to realtime.messages; API roles can do
-- neither themselves.
create function private.rotate_organization_topics()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_organization_ids uuid[];
  v_organization_id uuid;
  v_old_key text;
begin
  -- Organizations someone left: every deleted membership, or an update that moved one.
  if tg_op = 'DELETE' then
    select array_agg(distinct o.organization_id order by o.organization_id) into v_organization_ids from old_rows o;
  else
    select array_agg(distinct o.organization_id order by o.organization_id) into v_organization_ids
    from old_rows o
    where not exists (select 1 from new_rows n where n.organization_id = o.organization_id and n.user_id = o.user_id);
  end if;
  foreach v_organization_id in array coalesce(v_organization_ids, '{}')
  loop
    select t.topic_key into v_old_key
    from private.organization_topics t
    where t.organization_id = v_organization_id
    for update;
    -- Gone with its organization (a cascade): nobody is left to tell.
    continue when not found;
    update private.organization_topics
    set topic_key = replace(pg_catalog.gen_random_uuid()::text, '-', ''), rotated_at = now()
    where organization_id = v_organization_id;
    perform realtime.send('{}'::jsonb, 'topic_rotated', private.organization_topic(v_organization_id, v_old_key), true);
  end loop;
  return null;
end;
$$;
comment on function private.rotate_organization_topics() is
  'After members leave an organization: replaces its realtime topic key and sends a content-free "topic_rotated" broadcast on the old topic.';
revoke all on function private.rotate_organization_topics() from public;

create trigger organization_members_rotate_topic_delete after delete on public.organization_members
  referencing old table as old_rows for each statement execute function private.rotate_organization_topics();
create trigger organization_members_rotate_topic_update after update on public.organization_members
  referencing old table as old_rows new table as new_rows for each statement execute function private.rotate_organization_topics();

-- Reading the topic --------------------------------------------------------------------
-- security definer: reads the private key table after checking membership itself.
create function public.organization_live_topic(p_organization_id uuid)
returns text
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_topic text;
begin
  perform private.require_member(p_organization_id);
  select private.organization_topic(t.organization_id, t.topic_key) into v_topic
  from private.organization_topics t
  where t.organization_id = p_organization_id;
  return v_topic;
end;
$$;
comment on function public.organization_live_topic(uuid) is
  'The private realtime topic org:<id>:<key> of an organization the caller belongs to (not_authorized otherwise). The key changes whenever a member leaves.';
revoke all on function public.organization_live_topic(uuid) from public, anon, authenticated, service_role;
grant execute on function public.organization_live_topic(uuid) to authenticated;
