-- Open dashboards follow a change of what the figures count.
--
-- When an owner or admin changes organizations.count_self_referrals
-- (set_self_referral_setting()), every promoter's figures change at once, past sales
-- included. Sales and refunds already reach open dashboards as "attribution" broadcasts;
-- this one tells them that everything may have changed: a "recount" broadcast, with an
-- empty payload, on the organization's current topic (org:<id>:<key>), after commit like
-- every database broadcast. Dashboards answer it as they answer a gap in the channel: they
-- refetch every live figure and the settings.
--
-- security definer: the message is written to realtime.messages whatever role changed the
-- setting; API roles have no insert policy there.
create function private.broadcast_recount()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform realtime.send('{}'::jsonb, 'recount', private.organization_topic(t.organization_id, t.topic_key), true)
  from private.organization_topics t
  where t.organization_id = new.id;
  return null;
end;
$$;
comment on function private.broadcast_recount() is
  'Sends an empty "recount" broadcast to the organization''s current topic org:<id>:<key> when what its figures count changes (count_self_referrals): open dashboards refetch every figure.';
revoke all on function private.broadcast_recount() from public, anon, authenticated, service_role;

create trigger organizations_broadcast_recount
  after update of count_self_referrals on public.organizations
  for each row
  when (old.count_self_referrals is distinct from new.count_self_referrals)
  execute function private.broadcast_recount();
