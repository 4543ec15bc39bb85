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
language sql
immutable
set search_path = ''
as $$
  select 'org:' || p_organization_id || ':' || p_topic_key;
$$;
comment on function private.organization_topic(uuid, text) is
  'The private realtime topic of an organization: org:<organization id>:<topic key>.';
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

insert into private.organization_topics (organization_id)
select o.id from public.organizations o
on conflict (organization_id) do nothing;

-- security definer: organizations are created by API roles that may not write the table.
create function private.create_organization_topic()
returns trigger
language plpgsql
security definer
set search_path = ''
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
language plpgsql
security definer
set search_path = ''
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
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_topic text;
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
  select private.organization_topic(t.organization_id, t.topic_key) into v_topic
  from private.organization_topics t
  where t.organization_id = p_organization_id;
  return v_topic;
end;
$$;
comment on function public.organization_live_topic(uuid) is
  'The private realtime topic org:<id>:<key> of an organization the caller belongs to (not_authorized otherwise). The key changes whenever a member leaves.';
revoke all on function public.organization_live_topic(uuid) from public;
grant execute on function public.organization_live_topic(uuid) to authenticated;

-- Who may join: members, on the organization's current topic only. The former topic
-- org:<id> (no key) is refused from now on.
create or replace function private.can_join_topic(p_topic text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_organization_id uuid;
begin
  if p_topic is null
     or p_topic !~ '^org:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{32}$' then
    return false;
  end if;
  v_organization_id := substr(p_topic, 5, 36)::uuid;
  return private.is_member(v_organization_id)
    and exists (
      select 1 from private.organization_topics t
      where t.organization_id = v_organization_id and t.topic_key = substr(p_topic, 42)
    );
end;
$$;
comment on function private.can_join_topic(text) is
  'Whether the caller may receive broadcasts on a realtime topic: org:<id>:<current key> for members of that organization.';

-- Broadcasting: only to the current topic --------------------------------------------
-- Same messages as before; the topic now comes from organization_topics (one primary-key
-- lookup per statement and organization, and no lock: a sale committing while a member
-- is removed may still reach the old topic, never a later one).
create or replace function private.broadcast_attribution_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'attributions' and tg_op = 'INSERT' then
    perform realtime.send(
      jsonb_build_object(
        'kind', 'sale', 'promoter_id', a.promoter_id, 'promoter_name', p.name, 'event_id', a.event_id,
        'order_id', a.order_id, 'tickets', o.ticket_count, 'revenue_minor', o.total_minor, 'currency', o.currency
      ),
      'attribution', private.organization_topic(t.organization_id, t.topic_key), true)
    from new_rows a
    join public.orders o on o.id = a.order_id
    join private.organization_topics t on t.organization_id = a.organization_id
    left join public.promoters p on p.id = a.promoter_id;
  elsif tg_table_name = 'attributions' and tg_op = 'DELETE' then
    -- One message per promoter and event, however many attributions went.
    perform realtime.send(
      jsonb_build_object(
        'kind', 'removed', 'promoter_id', d.promoter_id, 'promoter_name', p.name, 'event_id', d.event_id,
        'order_id', null, 'tickets', d.tickets, 'revenue_minor', d.revenue_minor, 'currency', d.currency
      ),
      'attribution', private.organization_topic(t.organization_id, t.topic_key), true)
    from (
      select a.organization_id, a.promoter_id, a.event_id, min(o.currency) as currency,
             coalesce(sum(o.ticket_count) filter (where o.status = 'paid'), 0) as tickets,
             coalesce(sum(o.total_minor) filter (where o.status = 'paid'), 0) as revenue_minor
      from old_rows a
      join public.orders o on o.id = a.order_id
      group by 1, 2, 3
    ) d
    join private.organization_topics t on t.organization_id = d.organization_id
    left join public.promoters p on p.id = d.promoter_id;
  elsif tg_table_name = 'orders' then
    perform realtime.send(
      jsonb_build_object(
        'kind', 'refund', 'promoter_id', a.promoter_id, 'promoter_name', p.name, 'event_id', n.event_id,
        'order_id', n.id, 'tickets', n.ticket_count, 'revenue_minor', n.total_minor, 'currency', n.currency
      ),
      'attribution', private.organization_topic(t.organization_id, t.topic_key), true)
    from new_rows n
    join old_rows o on o.id = n.id
    join public.attributions a on a.order_id = n.id
    join private.organization_topics t on t.organization_id = n.organization_id
    left join public.promoters p on p.id = a.promoter_id
    where o.status = 'paid' and n.status = 'refunded';
  end if;
  return null;
end;
$$;
comment on function private.broadcast_attribution_changes() is
  'Sends an "attribution" broadcast to the organization''s current topic org:<id>:<key> for new or removed attributions and refunds of attributed orders.';
