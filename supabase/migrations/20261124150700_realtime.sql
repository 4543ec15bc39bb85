-- Realtime: tell dashboards that the numbers changed.
--
-- After every attribution insert (a sale) or delete (a promoter removed) and every
-- refund of an attributed order, a small broadcast goes to the private topic
-- org:<organization_id> with event "attribution". Messages are delivered after commit.
-- Only members of the organization may join that topic.

-- security definer: the message is written to realtime.messages whatever role caused
-- the change; API roles have no insert policy there.
create function private.broadcast_attribution_changes()
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
      'attribution', 'org:' || a.organization_id, true)
    from new_rows a
    join public.orders o on o.id = a.order_id
    left join public.promoters p on p.id = a.promoter_id;
  elsif tg_table_name = 'attributions' and tg_op = 'DELETE' then
    -- One message per promoter and event, however many attributions went.
    perform realtime.send(
      jsonb_build_object(
        'kind', 'removed', 'promoter_id', d.promoter_id, 'promoter_name', p.name, 'event_id', d.event_id,
        'order_id', null, 'tickets', d.tickets, 'revenue_minor', d.revenue_minor, 'currency', d.currency
      ),
      'attribution', 'org:' || d.organization_id, true)
    from (
      select a.organization_id, a.promoter_id, a.event_id, min(o.currency) as currency,
             coalesce(sum(o.ticket_count) filter (where o.status = 'paid'), 0) as tickets,
             coalesce(sum(o.total_minor) filter (where o.status = 'paid'), 0) as revenue_minor
      from old_rows a
      join public.orders o on o.id = a.order_id
      group by 1, 2, 3
    ) d
    left join public.promoters p on p.id = d.promoter_id;
  elsif tg_table_name = 'orders' then
    perform realtime.send(
      jsonb_build_object(
        'kind', 'refund', 'promoter_id', a.promoter_id, 'promoter_name', p.name, 'event_id', n.event_id,
        'order_id', n.id, 'tickets', n.ticket_count, 'revenue_minor', n.total_minor, 'currency', n.currency
      ),
      'attribution', 'org:' || n.organization_id, true)
    from new_rows n
    join old_rows o on o.id = n.id
    join public.attributions a on a.order_id = n.id
    left join public.promoters p on p.id = a.promoter_id
    where o.status = 'paid' and n.status = 'refunded';
  end if;
  return null;
end;
$$;
comment on function private.broadcast_attribution_changes() is
  'Sends an "attribution" broadcast to org:<organization_id> for new or removed attributions and refunds of attributed orders.';
revoke all on function private.broadcast_attribution_changes() from public;

create trigger attributions_broadcast_insert after insert on public.attributions
  referencing new table as new_rows for each statement execute function private.broadcast_attribution_changes();
create trigger attributions_broadcast_delete after delete on public.attributions
  referencing old table as old_rows for each statement execute function private.broadcast_attribution_changes();
create trigger orders_broadcast_refund after update on public.orders
  referencing old table as old_rows new table as new_rows for each statement execute function private.broadcast_attribution_changes();

-- Who may join a private topic: org:<uuid> for members of that organization.
create function private.can_join_topic(p_topic text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_topic is null or p_topic !~ '^org:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then
    return false;
  end if;
  return private.is_member(substr(p_topic, 5)::uuid);
end;
$$;
comment on function private.can_join_topic(text) is 'Whether the caller may receive broadcasts on a realtime topic: org:<id> for members of that organization.';
revoke all on function private.can_join_topic(text) from public;
grant execute on function private.can_join_topic(text) to authenticated;

create policy "members can receive their organization's broadcasts"
  on realtime.messages for select to authenticated
  using (realtime.messages.extension = 'broadcast' and private.can_join_topic((select realtime.topic())));
