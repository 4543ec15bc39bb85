-- Realtime: tell dashboards that the numbers changed.
--
-- After every attribution insert (a sale) or delete (a promoter removed) and every
-- refund, a small broadcast goes to the organization's private topic
-- (org:<organization_id>:<topic key>, 20261130120000_realtime_membership.sql) with event
-- "attribution". Messages are delivered after commit. Only members of the organization
-- may join that topic.

-- security definer: the message is written to realtime.messages whatever role caused
-- the change; API roles have no insert policy there.

-- Messages are built by private.attribution_message(); a refund of an order credited to
-- nobody is sent too (with a null promoter), so the event totals and remaining tickets on
-- open dashboards follow. Only the organization's current topic is sent to, read from
-- private.organization_topics (one primary-key lookup per statement and organization,
-- and no lock: a sale committing while a member is removed may still reach the old
-- topic, never a later one).
create function private.broadcast_attribution_changes()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_table_name = 'attributions' and tg_op = 'INSERT' then
    perform realtime.send(
      private.attribution_message('sale', a.promoter_id, p.name, a.event_id, a.order_id, o.ticket_count, o.total_minor, o.currency),
      'attribution', private.organization_topic(t.organization_id, t.topic_key), true)
    from new_rows a
    join public.orders o on o.id = a.order_id
    join private.organization_topics t on t.organization_id = a.organization_id
    left join public.promoters p on p.id = a.promoter_id;
  elsif tg_table_name = 'attributions' and tg_op = 'DELETE' then
    -- One message per promoter and event, however many attributions went.
    perform realtime.send(
      private.attribution_message('removed', d.promoter_id, p.name, d.event_id, null, d.tickets::integer, d.revenue_minor::bigint, d.currency),
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
      private.attribution_message('refund', a.promoter_id, p.name, n.event_id, n.id, n.ticket_count, n.total_minor, n.currency),
      'attribution', private.organization_topic(t.organization_id, t.topic_key), true)
    from new_rows n
    join old_rows o on o.id = n.id
    join private.organization_topics t on t.organization_id = n.organization_id
    left join public.attributions a on a.order_id = n.id
    left join public.promoters p on p.id = a.promoter_id
    where o.status = 'paid' and n.status = 'refunded';
  end if;
  return null;
end;
$$;
comment on function private.broadcast_attribution_changes() is
  'Sends an "attribution" broadcast to the organization''s current topic org:<id>:<key> for new or removed attributions and for every refund (promoter_id null when the order was credited to nobody).';
revoke all on function private.broadcast_attribution_changes() from public;

create trigger attributions_broadcast_insert after insert on public.attributions
  referencing new table as new_rows for each statement execute function private.broadcast_attribution_changes();
create trigger attributions_broadcast_delete after delete on public.attributions
  referencing old table as old_rows for each statement execute function private.broadcast_attribution_changes();
create trigger orders_broadcast_refund after update on public.orders
  referencing old table as old_rows new table as new_rows for each statement execute function private.broadcast_attribution_changes();

-- Who may join a private topic: members of the organization, on its current topic only
-- (private.organization_topic(), 20261130120000_realtime_membership.sql); a topic
-- org:<id> without the key is refused.
create function private.can_join_topic(p_topic text)
returns boolean
language plpgsql stable security definer set search_path = ''
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
revoke all on function private.can_join_topic(text) from public;
grant execute on function private.can_join_topic(text) to authenticated;

create policy "members can receive their organization's broadcasts"
  on realtime.messages for select to authenticated
  using (realtime.messages.extension = 'broadcast' and private.can_join_topic((select realtime.topic())));
