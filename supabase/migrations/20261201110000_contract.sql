-- The contract the SPA is generated from (see docs/api-contract.md, "Generated contract").
--
-- Values and shapes that both SQL and TypeScript need are written once, here or in the
-- function that owns them, as immutable functions whose comment carries
-- "@contract <name>"; `npm run gen:types` reads them into src/lib/database.types.ts:
-- - ticket limits per type and per order, the promo-code and event-slug patterns;
-- - the realtime topic builder private.organization_topic();
-- - the attribution broadcast payload, built only by private.attribution_message().
-- The stable error codes are read from the function bodies by the same generator.

-- Limits and patterns ----------------------------------------------------------------
create function private.max_tickets_per_type()
returns integer
language sql immutable set search_path = ''
as $$
  select 50
$$;
comment on function private.max_tickets_per_type() is
  'The most tickets of one type a single order may hold. @contract maxTicketsPerType';

create function private.max_tickets_per_order()
returns integer
language sql immutable set search_path = ''
as $$
  select 100
$$;
comment on function private.max_tickets_per_order() is
  'The most tickets a single order may hold across its ticket types. @contract maxTicketsPerOrder';

create function private.promo_code_pattern()
returns text
language sql immutable set search_path = ''
as $$
  select '^[A-Za-z0-9_-]{3,32}$'
$$;
comment on function private.promo_code_pattern() is
  'A promo code: 3 to 32 letters, digits, hyphens or underscores (POSIX regular expression, also valid in JavaScript). @contract promoCodePattern';

create function private.event_slug_pattern()
returns text
language sql immutable set search_path = ''
as $$
  select '^[a-z0-9]+(-[a-z0-9]+)*$'
$$;
comment on function private.event_slug_pattern() is
  'An event slug: lower-case words of letters and digits joined by single hyphens (3 to 80 characters in all). @contract eventSlugPattern';

revoke all on function private.max_tickets_per_type(), private.max_tickets_per_order(), private.promo_code_pattern(),
  private.event_slug_pattern() from public, anon, authenticated, service_role;
grant execute on function private.max_tickets_per_type(), private.max_tickets_per_order(), private.promo_code_pattern(),
  private.event_slug_pattern() to authenticated, service_role;

-- The promoters table checks codes with the same pattern.
alter table public.promoters add constraint promoters_promo_code_check check (promo_code ~ private.promo_code_pattern());

create type public.attribution_message_kind as enum ('sale', 'refund', 'removed');
comment on type public.attribution_message_kind is
  'What an "attribution" broadcast reports: a sale credited to a promoter, its refund, or the promoter''s attributions removed with the promoter.';

create function private.attribution_message(
  p_kind public.attribution_message_kind,
  p_promoter_id uuid,
  p_promoter_name text,
  p_event_id uuid,
  p_order_id uuid,
  p_tickets integer,
  p_revenue_minor bigint,
  p_currency text
)
returns jsonb
language sql immutable set search_path = ''
as $$
  select jsonb_build_object(
    'kind', p_kind, 'promoter_id', p_promoter_id, 'promoter_name', p_promoter_name, 'event_id', p_event_id,
    'order_id', p_order_id, 'tickets', p_tickets, 'revenue_minor', p_revenue_minor, 'currency', p_currency
  )
$$;
comment on function private.attribution_message(public.attribution_message_kind, uuid, text, uuid, uuid, integer, bigint, text) is
  'The payload of an "attribution" broadcast on the organization topic (promoter null for the refund of an order credited to nobody); revenue in minor units of currency, tickets and revenue of paid orders only for removed. Nullable: p_promoter_id, p_promoter_name, p_order_id, p_currency. @contract AttributionMessage';
revoke all on function private.attribution_message(public.attribution_message_kind, uuid, text, uuid, uuid, integer, bigint, text)
  from public, anon, authenticated, service_role;

-- private.broadcast_attribution_changes() builds its messages with this function (see
-- 20261201140000_orders.sql, which also broadcasts refunds of orders credited to nobody).

-- Rollups rebuilt from raw rows ------------------------------------------------------
-- The one definition of "the rollups, computed from scratch", with the grouping the
-- triggers of 20261124150500_performance.sql use: visits by visit day; paid attributed
-- orders by order day; paid orders per event shard. The bench fills large datasets with
-- it and the tests compare the trigger-kept rollups with it. Rows are written in day
-- order, as they come into being in production, so the physical layout resembles a real
-- one. It takes the rollup tables' exclusive locks until commit: a maintenance tool, not
-- for a live deployment under traffic. The self-referral part of every figure is
-- computed too (20261203100000_self_referral.sql).
create function private.rebuild_rollups()
returns void
language plpgsql set search_path = ''
as $$
begin
  truncate private.promoter_daily_stats, private.promoter_totals, private.event_stats;
  insert into private.promoter_daily_stats (organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders, visits,
                                            self_tickets, self_revenue_minor, self_orders)
  select x.organization_id, x.promoter_id, x.event_id, x.day,
         sum(x.tickets), sum(x.revenue_minor), sum(x.orders), sum(x.visits),
         sum(x.self_tickets), sum(x.self_revenue_minor), sum(x.self_orders)
  from (
    select v.organization_id, v.promoter_id, v.event_id, (v.visited_at at time zone 'utc')::date as day,
           0 as tickets, 0 as revenue_minor, 0 as orders, count(*) as visits,
           0 as self_tickets, 0 as self_revenue_minor, 0 as self_orders
    from public.promoter_visits v group by 1, 2, 3, 4
    union all
    select a.organization_id, a.promoter_id, a.event_id, (o.created_at at time zone 'utc')::date,
           sum(o.ticket_count), sum(o.total_minor), count(*), 0,
           coalesce(sum(o.ticket_count) filter (where a.self_referral), 0),
           coalesce(sum(o.total_minor) filter (where a.self_referral), 0),
           count(*) filter (where a.self_referral)
    from public.attributions a join public.orders o on o.id = a.order_id and o.status = 'paid'
    group by 1, 2, 3, 4
  ) x
  group by x.organization_id, x.promoter_id, x.event_id, x.day
  order by x.day, x.organization_id, x.promoter_id, x.event_id;
  insert into private.promoter_totals (promoter_id, organization_id, tickets, revenue_minor, orders, visits,
                                       self_tickets, self_revenue_minor, self_orders)
  select s.promoter_id, s.organization_id, sum(s.tickets), sum(s.revenue_minor), sum(s.orders), sum(s.visits),
         sum(s.self_tickets), sum(s.self_revenue_minor), sum(s.self_orders)
  from private.promoter_daily_stats s group by 1, 2;
  insert into private.event_stats (event_id, shard, organization_id, tickets, revenue_minor, orders,
                                   attributed_tickets, attributed_revenue_minor,
                                   self_attributed_tickets, self_attributed_revenue_minor)
  select o.event_id, private.event_stats_shard(o.id), o.organization_id, sum(o.ticket_count), sum(o.total_minor), count(*),
         coalesce(sum(o.ticket_count) filter (where a.order_id is not null), 0),
         coalesce(sum(o.total_minor) filter (where a.order_id is not null), 0),
         coalesce(sum(o.ticket_count) filter (where a.self_referral), 0),
         coalesce(sum(o.total_minor) filter (where a.self_referral), 0)
  from public.orders o left join public.attributions a on a.order_id = o.id
  where o.status = 'paid' group by 1, 2, 3;
end;
$$;
comment on function private.rebuild_rollups() is
  'Recomputes promoter_daily_stats, promoter_totals and event_stats (with their self-referral parts) from orders, attributions and visits (truncates them first). For bulk loads and checks, not for live traffic.';
revoke all on function private.rebuild_rollups() from public, anon, authenticated, service_role;
