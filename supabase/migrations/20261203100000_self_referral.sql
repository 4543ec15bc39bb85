-- Self-referrals: orders a promoter's link or code credited although the buyer is the
-- promoter, and the organization's choice whether they count.
--
-- * attributions.self_referral: set once, when the attribution is written (a before-insert
--   trigger, so checkout() is unchanged): true when the order's buyer email equals the
--   promoter's email, both trimmed and compared ignoring case; a promoter without an
--   email never matches. Editing the promoter's email later does not rewrite it.
-- * organizations.count_self_referrals (default true: today's figures): whether flagged
--   orders count toward promoters' figures. Changed by owners and admins through
--   set_self_referral_setting().
-- * The rollups keep the self-referral part of every figure apart (self_* columns of
--   promoter_daily_stats, promoter_totals and event_stats), so a toggle applies at once,
--   to all history, without rewriting anything: the read functions subtract that part
--   when the organization does not count self-referrals. Orders always sell and always
--   stay in the orders list, flagged.
-- * The read functions apply it where they are defined: promoter_performance (which
--   also reports the promoter's self-referral orders), promoter_group_performance,
--   promoter_sales_timeseries and event_performance in 20261124150500_performance.sql,
--   portal_view in 20261202100000_promoter_portal.sql, list_orders (the flag and a
--   filter) in 20261201140000_orders.sql. promoter_summary sums promoter_performance
--   and follows it.
--
-- Lock order (docs/decisions/008-lock-order.md) is unchanged: the trigger reads the order
-- and the promoter without locking them (checkout already key-shares the promoter at
-- level 2), and the rollup triggers (20261124150500_performance.sql) update the same rows,
-- in the same order, self-referral part included.
-- set_self_referral_setting() writes only the organization row, which no sale locks.
-- See docs/decisions/023-self-referrals.md.

-- Setting ----------------------------------------------------------------------------------------
alter table public.organizations add column count_self_referrals boolean not null default true;
comment on column public.organizations.count_self_referrals is
  'Whether orders flagged as self-referrals (the buyer''s email is the promoter''s) count toward promoters'' figures everywhere (dashboard, portal, exports). Changed through set_self_referral_setting() (owners and admins).';

-- The one reading of the choice for the figures: the read functions subtract
-- v_drop × the self-referral part of each rollup figure.
create function private.self_referral_drop(p_organization_id uuid)
returns integer
language sql stable set search_path = ''
as $$
  select case when o.count_self_referrals then 0 else 1 end from public.organizations o where o.id = p_organization_id
$$;
comment on function private.self_referral_drop(uuid) is
  '1 when the organization leaves self-referrals out of its figures (the read functions then subtract the self-referral part of the rollups), 0 when it counts them. Called by security definer read functions only.';
revoke all on function private.self_referral_drop(uuid) from public, anon, authenticated, service_role;

-- The flag -----------------------------------------------------------------------------------------
alter table public.attributions add column self_referral boolean not null default false;
comment on column public.attributions.self_referral is
  'Whether the buyer''s email equalled the promoter''s email (trimmed, ignoring case) when the order was credited. Set once by a trigger; later edits of the promoter''s email do not change it.';

-- security definer: it reads the order and the promoter whatever role inserts (checkout
-- runs as its owner, a bulk loader as service_role).
create function private.flag_self_referral()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  new.self_referral := coalesce((
    select lower(btrim(o.buyer_email)) = lower(btrim(p.email))
    from public.orders o
    cross join public.promoters p
    where o.id = new.order_id and p.id = new.promoter_id and nullif(btrim(p.email), '') is not null
  ), false);
  return new;
end;
$$;
comment on function private.flag_self_referral() is
  'Sets attributions.self_referral from the order''s buyer email and the promoter''s email (trimmed, ignoring case; no promoter email, no match), whatever the insert said.';
revoke all on function private.flag_self_referral() from public, anon, authenticated, service_role;
create trigger attributions_flag_self_referral before insert on public.attributions
  for each row execute function private.flag_self_referral();

-- The self-referral part of the rollups ----------------------------------------------------------
alter table private.promoter_daily_stats
  add column self_tickets bigint not null default 0,
  add column self_revenue_minor bigint not null default 0,
  add column self_orders bigint not null default 0;
comment on column private.promoter_daily_stats.self_tickets is 'The part of tickets from self-referral orders.';
comment on column private.promoter_daily_stats.self_revenue_minor is 'The part of revenue_minor from self-referral orders.';
comment on column private.promoter_daily_stats.self_orders is 'The part of orders that are self-referrals.';

alter table private.promoter_totals
  add column self_tickets bigint not null default 0,
  add column self_revenue_minor bigint not null default 0,
  add column self_orders bigint not null default 0;
comment on column private.promoter_totals.self_tickets is 'The part of tickets from self-referral orders.';
comment on column private.promoter_totals.self_revenue_minor is 'The part of revenue_minor from self-referral orders.';
comment on column private.promoter_totals.self_orders is 'The part of orders that are self-referrals.';

alter table private.event_stats
  add column self_attributed_tickets bigint not null default 0,
  add column self_attributed_revenue_minor bigint not null default 0;
comment on column private.event_stats.self_attributed_tickets is 'The part of attributed_tickets from self-referral orders.';
comment on column private.event_stats.self_attributed_revenue_minor is 'The part of attributed_revenue_minor from self-referral orders.';

-- Covering, self-referral part included: a dated dashboard query reads the organization's
-- days from the index alone.
create index promoter_daily_stats_organization_day_idx on private.promoter_daily_stats (organization_id, day)
  include (promoter_id, tickets, revenue_minor, orders, visits, self_tickets, self_revenue_minor, self_orders);

-- set_self_referral_setting ------------------------------------------------------------------------
create function public.set_self_referral_setting(p_organization_id uuid, p_count_self_referrals boolean)
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_settings jsonb;
begin
  perform private.require_role(p_organization_id, array['owner', 'admin']);
  if p_count_self_referrals is null then
    raise exception 'invalid_self_referral_setting'
      using errcode = 'P0001', hint = 'Say whether self-referral orders count toward promoters'' figures.';
  end if;
  update public.organizations o
  set count_self_referrals = p_count_self_referrals
  where o.id = p_organization_id
  returning jsonb_build_object('count_self_referrals', o.count_self_referrals)
  into v_settings;
  return v_settings;
end;
$$;
comment on function public.set_self_referral_setting(uuid, boolean) is
  'Owners and admins choose whether orders flagged as self-referrals count toward promoters'' figures (applies at once to all figures, past sales included). Returns {count_self_referrals}. Errors: not_authorized, invalid_self_referral_setting.';
revoke all on function public.set_self_referral_setting(uuid, boolean) from public, anon, authenticated, service_role;
grant execute on function public.set_self_referral_setting(uuid, boolean) to authenticated;
