-- Explicit privileges: the API roles get exactly what the migrations grant, whatever
-- default privileges the hosted project has.
--
-- Older hosted projects grant ALL on every new table, sequence and function in public
-- to anon, authenticated and service_role by default; newer ones can turn those
-- automatic API grants off. The earlier migrations revoked from public (and sometimes
-- anon) only, so under the older defaults service_role (and anon, for
-- organization_live_topic) could execute functions meant for signed-in members only.
-- Every function in public now revokes from all API roles and grants exactly what it
-- needs; tables already revoke and grant explicitly. tests/security/privileges.test.ts
-- checks the result under both defaults.

-- Open to everyone, signed in or not (checkout, public event pages, tracking links).
revoke all on function public.checkout(text, jsonb, text, text, uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.checkout(text, jsonb, text, text, uuid, text) to anon, authenticated, service_role;
revoke all on function public.resolve_event_slug(text) from public, anon, authenticated, service_role;
grant execute on function public.resolve_event_slug(text) to anon, authenticated, service_role;
revoke all on function public.track_promoter_visit(text, text, uuid) from public, anon, authenticated, service_role;
grant execute on function public.track_promoter_visit(text, text, uuid) to anon, authenticated, service_role;

-- Signed-in users, and the service role acting for the organization's back office.
revoke all on function public.create_organization(text, text) from public, anon, authenticated, service_role;
grant execute on function public.create_organization(text, text) to authenticated, service_role;
revoke all on function public.is_promo_code_available(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.is_promo_code_available(uuid, text) to authenticated, service_role;

-- Members only: these act for auth.uid(), which the service role does not have.
revoke all on function public.confirm_promoter_deletion(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.confirm_promoter_deletion(uuid, text, text) to authenticated;
revoke all on function public.event_performance(uuid) from public, anon, authenticated, service_role;
grant execute on function public.event_performance(uuid) to authenticated;
revoke all on function public.organization_live_topic(uuid) from public, anon, authenticated, service_role;
grant execute on function public.organization_live_topic(uuid) to authenticated;
revoke all on function public.promoter_group_performance(uuid, timestamptz, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.promoter_group_performance(uuid, timestamptz, timestamptz) to authenticated;
revoke all on function public.promoter_performance(uuid, timestamptz, timestamptz, uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.promoter_performance(uuid, timestamptz, timestamptz, uuid, text) to authenticated;
revoke all on function public.promoter_sales_timeseries(uuid, date, date) from public, anon, authenticated, service_role;
grant execute on function public.promoter_sales_timeseries(uuid, date, date) to authenticated;
revoke all on function public.promoter_summary(uuid, timestamptz, timestamptz, uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.promoter_summary(uuid, timestamptz, timestamptz, uuid, text) to authenticated;
revoke all on function public.refund_order(uuid) from public, anon, authenticated, service_role;
grant execute on function public.refund_order(uuid) to authenticated;
revoke all on function public.request_promoter_deletion(uuid) from public, anon, authenticated, service_role;
grant execute on function public.request_promoter_deletion(uuid) to authenticated;
