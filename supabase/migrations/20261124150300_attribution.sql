-- Visits, orders, order items and attributions: the sales records and how a sale is
-- linked to the promoter whose link the buyer followed.
--
-- None of these tables is written through the API: track_promoter_visit(), checkout()
-- and refund_order() write them. Members of the organization read them. Orders and
-- their items are never deleted; attributions and visits go away with their promoter.

create table public.promoter_visits (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  event_id uuid not null references public.events (id) on delete cascade,
  promoter_id uuid not null references public.promoters (id) on delete cascade,
  session_id uuid not null,
  token text not null,
  visited_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  constraint promoter_visits_session_key unique (event_id, promoter_id, session_id),
  constraint promoter_visits_token_key unique (token)
);
comment on table public.promoter_visits is 'A browser session that opened a promoter''s tracking link; one row per (event, promoter, session). Written only by track_promoter_visit().';
comment on column public.promoter_visits.session_id is 'Random id of the attendee''s browser session (session cookie pl_sid).';
comment on column public.promoter_visits.token is 'Unguessable attribution token handed to the browser and sent back with checkout().';
create index promoter_visits_organization_id_idx on public.promoter_visits (organization_id);
create index promoter_visits_promoter_id_idx on public.promoter_visits (promoter_id, visited_at);
alter table public.promoter_visits enable row level security;

create type public.order_status as enum ('paid', 'refunded');
comment on type public.order_status is 'paid, or refunded (refunded orders count nowhere in the numbers).';

create table public.orders (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id),
  event_id uuid not null references public.events (id),
  reference text not null check (reference ~ '^PL-[0-9A-Z]{8}$'),
  buyer_name text not null check (char_length(buyer_name) between 1 and 200),
  buyer_email text not null check (char_length(buyer_email) between 3 and 254),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  total_minor bigint not null check (total_minor >= 0),
  ticket_count integer not null check (ticket_count between 1 and 100),
  status public.order_status not null default 'paid',
  idempotency_key uuid not null,
  refunded_at timestamptz,
  created_at timestamptz not null default now(),
  constraint orders_reference_key unique (reference),
  constraint orders_idempotency_key_key unique (idempotency_key),
  constraint orders_refunded_at_check check ((status = 'refunded') = (refunded_at is not null))
);
comment on table public.orders is 'A completed ticket purchase. Written only by checkout() and refund_order(); never deleted.';
comment on column public.orders.reference is 'Human-friendly order reference shown to the buyer, e.g. PL-7K2M9QXA.';
comment on column public.orders.total_minor is 'Total paid in minor units of currency.';
comment on column public.orders.ticket_count is 'Number of tickets in the order (sum of item quantities).';
comment on column public.orders.status is 'paid, or refunded (refunded orders count nowhere in the numbers).';
comment on column public.orders.idempotency_key is 'Client-chosen key: retrying checkout() with it returns this order instead of buying twice.';
alter table public.orders enable row level security;

create table public.order_items (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id),
  order_id uuid not null references public.orders (id),
  ticket_type_id uuid not null references public.ticket_types (id),
  quantity integer not null check (quantity between 1 and 50),
  unit_price_minor bigint not null check (unit_price_minor >= 0),
  created_at timestamptz not null default now(),
  constraint order_items_order_ticket_type_key unique (order_id, ticket_type_id)
);
comment on table public.order_items is 'One line of an order: a quantity of one ticket type at the price paid.';
comment on column public.order_items.unit_price_minor is 'Price of one ticket at the time of purchase, in minor units.';
create index order_items_organization_id_idx on public.order_items (organization_id);
create index order_items_ticket_type_id_idx on public.order_items (ticket_type_id);
alter table public.order_items enable row level security;

create table public.attributions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  order_id uuid not null references public.orders (id) on delete cascade,
  promoter_id uuid not null references public.promoters (id) on delete cascade,
  event_id uuid not null references public.events (id) on delete cascade,
  -- Null when a referral code credited the order (attributions_visit_source_check,
  -- 20261202110000_attribution_window.sql).
  visit_id uuid references public.promoter_visits (id) on delete cascade,
  created_at timestamptz not null default now(),
  constraint attributions_order_key unique (order_id)
);
comment on table public.attributions is 'Links an order to the promoter whose tracking link the buyer followed in the same browser session. Written only by checkout(); removed with the promoter.';
comment on column public.attributions.visit_id is 'The visit whose token came with the order; null when a referral code credited it.';
create index attributions_organization_id_idx on public.attributions (organization_id);
create index attributions_visit_id_idx on public.attributions (visit_id);
create index attributions_event_id_idx on public.attributions (event_id);
alter table public.attributions enable row level security;

-- Policies: members read; nobody writes through the API --------------------------------
create policy "members can read visits" on public.promoter_visits for select to authenticated
  using (organization_id in (select private.member_organization_ids()));
create policy "members can read orders" on public.orders for select to authenticated
  using (organization_id in (select private.member_organization_ids()));
create policy "members can read order items" on public.order_items for select to authenticated
  using (organization_id in (select private.member_organization_ids()));
create policy "members can read attributions" on public.attributions for select to authenticated
  using (organization_id in (select private.member_organization_ids()));

revoke all on public.promoter_visits, public.orders, public.order_items, public.attributions
  from anon, authenticated, service_role;
grant select on public.promoter_visits, public.orders, public.order_items, public.attributions
  to authenticated, service_role;
