-- Demo data: one organizer, one organization with four events, twenty promoters in
-- three groups, and about ninety days of visits and orders so the dashboard has shape
-- (a weekly rhythm and growth towards each event).
--
-- Sign in as demo@example.com / demo-password. Runs once after the migrations, as the
-- database owner. Dates are relative to now(), so the events are always upcoming.
-- Numbers come from random() with a fixed seed: the same on every run.

select setseed(0.4242);

-- The organizer ------------------------------------------------------------------------
insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at, last_sign_in_at,
  confirmation_token, recovery_token, email_change_token_new, email_change
) values (
  '00000000-0000-0000-0000-000000000000', 'd0000000-0000-4000-8000-000000000001', 'authenticated', 'authenticated',
  'demo@example.com', extensions.crypt('demo-password', extensions.gen_salt('bf')), now() - interval '120 days',
  '{"provider":"email","providers":["email"]}', '{"full_name":"Dana Demo"}',
  now() - interval '120 days', now() - interval '120 days', now() - interval '1 day',
  '', '', '', ''
);
insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
values (
  'd0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000001',
  '{"sub":"d0000000-0000-4000-8000-000000000001","email":"demo@example.com","email_verified":true}',
  'email', now() - interval '1 day', now() - interval '120 days', now() - interval '120 days'
);

insert into public.organizations (id, name, currency, created_at)
values ('d1000000-0000-4000-8000-000000000001', 'Northside Events', 'EUR', now() - interval '120 days');
insert into public.organization_members (organization_id, user_id, role, created_at)
values ('d1000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000001', 'owner', now() - interval '120 days');

-- Events and ticket types -------------------------------------------------------------------
-- Start and end are days and hours from today.
insert into public.events (id, organization_id, slug, name, description, venue, starts_at, ends_at, currency, status, created_at)
select e.id, 'd1000000-0000-4000-8000-000000000001', e.slug, e.name, e.description, e.venue,
       date_trunc('day', now()) + e.starts_in::interval, date_trunc('day', now()) + e.ends_in::interval,
       'EUR', e.status::public.event_status, now() - e.age::interval
from (values
  ('d2000000-0000-4000-8000-000000000001'::uuid, 'harbour-lights-festival', 'Harbour Lights Festival', 'Old Harbour Quay', '24 days 16 hours', '25 days 1 hour', 'published', '100 days',
   'Two stages on the old harbour front: indie, folk and electronic acts until late, with food trucks and a lantern parade at dusk.'),
  ('d2000000-0000-4000-8000-000000000002'::uuid, 'rooftop-jazz-nights', 'Rooftop Jazz Nights', 'Skyline Terrace', '11 days 20 hours', '11 days 23 hours 30 minutes', 'published', '95 days',
   'An evening of live jazz above the city with the Marta Quintet and guests. Seated and standing areas, bar open from 19:00.'),
  ('d2000000-0000-4000-8000-000000000003'::uuid, 'warehouse-closing-party', 'Warehouse Closing Party', 'Dock 7 Warehouse', '5 days 22 hours', '6 days 10 hours', 'published', '92 days',
   'The last night at Dock 7 before the renovation: twelve hours of house and techno across two rooms.'),
  ('d2000000-0000-4000-8000-000000000004'::uuid, 'winter-market-sessions', 'Winter Market Sessions', 'Northside Market Hall', '75 days 15 hours', null, 'draft', '10 days',
   'Acoustic sets between the stalls of the winter market. Line-up to be announced.')
) as e(id, slug, name, venue, starts_in, ends_in, status, age, description);

insert into public.ticket_types (id, organization_id, event_id, name, price_minor, capacity, sort_order)
values
  ('d3000000-0000-4000-8000-000000000011', 'd1000000-0000-4000-8000-000000000001', 'd2000000-0000-4000-8000-000000000001', 'Early Bird', 3900, 100000, 1),
  ('d3000000-0000-4000-8000-000000000012', 'd1000000-0000-4000-8000-000000000001', 'd2000000-0000-4000-8000-000000000001', 'General Admission', 4900, 100000, 2),
  ('d3000000-0000-4000-8000-000000000013', 'd1000000-0000-4000-8000-000000000001', 'd2000000-0000-4000-8000-000000000001', 'VIP Deck', 11900, 100000, 3),
  ('d3000000-0000-4000-8000-000000000021', 'd1000000-0000-4000-8000-000000000001', 'd2000000-0000-4000-8000-000000000002', 'Standing', 2500, 100000, 1),
  ('d3000000-0000-4000-8000-000000000022', 'd1000000-0000-4000-8000-000000000001', 'd2000000-0000-4000-8000-000000000002', 'Reserved Table Seat', 4500, 100000, 2),
  ('d3000000-0000-4000-8000-000000000031', 'd1000000-0000-4000-8000-000000000001', 'd2000000-0000-4000-8000-000000000003', 'Entry', 2200, 100000, 1),
  ('d3000000-0000-4000-8000-000000000032', 'd1000000-0000-4000-8000-000000000001', 'd2000000-0000-4000-8000-000000000003', 'Entry + Cloakroom', 2600, 100000, 2),
  ('d3000000-0000-4000-8000-000000000041', 'd1000000-0000-4000-8000-000000000001', 'd2000000-0000-4000-8000-000000000004', 'Day Pass', 1200, 400, 1),
  ('d3000000-0000-4000-8000-000000000042', 'd1000000-0000-4000-8000-000000000001', 'd2000000-0000-4000-8000-000000000004', 'Weekend Pass', 2000, 200, 2);

-- Promoters and groups ----------------------------------------------------------------------
create temporary table seed_promoters (n integer primary key, id uuid, name text, code text, email text, phone text, weight numeric);
insert into seed_promoters (n, id, name, code, email, phone, weight)
select p.n, ('d4000000-0000-4000-8000-' || lpad(p.n::text, 12, '0'))::uuid, p.name, p.code,
       lower(replace(split_part(p.name, ' ', 1), '''', '')) || '.' || lower(replace(split_part(p.name, ' ', 2), '''', '')) || '@example.com',
       case when p.n % 3 = 0 then null else '+49 151 ' || lpad((1000000 + p.n * 7919)::text, 7, '0') end,
       p.weight
from (values
  (1, 'Maya Okafor', 'MAYA', 2.6), (2, 'Jonas Weber', 'JONAS10', 2.1), (3, 'Lena Fischer', 'LENAF', 1.8),
  (4, 'Tariq Haddad', 'TARIQ', 1.6), (5, 'Sofia Marin', 'SOFIA-M', 1.5), (6, 'Elias Brandt', 'ELIAS', 1.3),
  (7, 'Hannah Kowalski', 'HANNAHK', 1.2), (8, 'Noah Schulz', 'NOAH', 1.1), (9, 'Amira Nasser', 'AMIRA', 1.0),
  (10, 'Luca Romano', 'LUCA_R', 0.9), (11, 'Priya Raman', 'PRIYA', 0.9), (12, 'Felix Wagner', 'FELIXW', 0.8),
  (13, 'Zoe Martin', 'ZOE2026', 0.7), (14, 'Mateo Silva', 'MATEO', 0.6), (15, 'Ida Lindqvist', 'IDA', 0.6),
  (16, 'Ben Carter', 'BENC', 0.5), (17, 'Chloe Dubois', 'CHLOE', 0.4), (18, 'Omar Farouk', 'OMARF', 0.35),
  (19, 'Nora Berg', 'NORAB', 0.3), (20, 'Sam O''Neill', 'SAMO', 0.2)
) as p(n, name, code, weight);

insert into public.promoters (id, organization_id, name, promo_code, email, phone, notes, created_at, updated_at)
select s.id, 'd1000000-0000-4000-8000-000000000001', s.name, s.code, s.email, s.phone,
       case s.n when 1 then 'Runs the festival''s Instagram takeover.' when 4 then 'Works the door at Dock 7.' end,
       now() - make_interval(days => 100 - s.n), now() - make_interval(days => 100 - s.n)
from seed_promoters s;

insert into public.promoter_groups (id, organization_id, name, color, created_at)
values
  ('d5000000-0000-4000-8000-000000000001', 'd1000000-0000-4000-8000-000000000001', 'Summer Team', '#f59e0b', now() - interval '98 days'),
  ('d5000000-0000-4000-8000-000000000002', 'd1000000-0000-4000-8000-000000000001', 'Influencers', '#8b5cf6', now() - interval '98 days'),
  ('d5000000-0000-4000-8000-000000000003', 'd1000000-0000-4000-8000-000000000001', 'Venue Staff', '#10b981', now() - interval '98 days');

insert into public.promoter_group_members (organization_id, group_id, promoter_id)
select 'd1000000-0000-4000-8000-000000000001', g.group_id, s.id
from seed_promoters s
join (values
  ('d5000000-0000-4000-8000-000000000001'::uuid, array[2, 3, 5, 7, 10, 12, 13, 16]),
  ('d5000000-0000-4000-8000-000000000002'::uuid, array[1, 5, 9, 11, 17]),
  ('d5000000-0000-4000-8000-000000000003'::uuid, array[4, 6, 8, 14, 18])
) as g(group_id, members) on s.n = any (g.members);

-- Tracking links: everyone promotes the festival; the rest spread over the other events.
-- Two links are switched off (their history stays).
insert into public.event_promoters (organization_id, event_id, promoter_id, active, created_at, updated_at)
select 'd1000000-0000-4000-8000-000000000001', l.event_id, s.id, not (s.n in (19, 20) and l.event_id = 'd2000000-0000-4000-8000-000000000001'),
       now() - interval '90 days', now() - interval '20 days'
from seed_promoters s
join (values
  ('d2000000-0000-4000-8000-000000000001'::uuid, 0),
  ('d2000000-0000-4000-8000-000000000002'::uuid, 1),
  ('d2000000-0000-4000-8000-000000000003'::uuid, 2)
) as l(event_id, k) on l.k = 0 or s.n % 3 = l.k or (l.k = 2 and s.n in (4, 6, 8, 14, 18));

-- Visits --------------------------------------------------------------------------------------
-- Per link and day: promoter weight x growth towards the event x weekend bump x noise.
-- Each day's visits fall in the 15 hours before the same time of that day, so every row is
-- in the past and the counts depend on the date only, never on the time of day.
-- The seed writes the history in bulk; realtime messages are for live changes only.
alter table public.attributions disable trigger attributions_broadcast_insert;

insert into public.promoter_visits (organization_id, event_id, promoter_id, session_id, token, visited_at, created_at)
select ep.organization_id, ep.event_id, ep.promoter_id, gen_random_uuid(), private.random_token(), v.at, v.at
from public.event_promoters ep
join seed_promoters s on s.id = ep.promoter_id
join public.events e on e.id = ep.event_id
cross join lateral generate_series(0, 89) as d(n)
cross join lateral (
  select date_trunc('day', now()) - make_interval(days => 89 - d.n) as day
) as dd
cross join lateral generate_series(
  1,
  floor(
    s.weight
    * (0.25 + 1.6 * power(d.n / 89.0, 2))
    * case extract(isodow from dd.day) when 5 then 1.7 when 6 then 1.9 when 7 then 1.2 else 0.8 end
    * case e.id when 'd2000000-0000-4000-8000-000000000001' then 1.4 when 'd2000000-0000-4000-8000-000000000003' then 1.0 else 0.7 end
    * (0.5 + random())
    * 1.6
  )::integer
) as k(n)
cross join lateral (
  select now() - make_interval(days => 89 - d.n, mins => floor(random() * 900)::integer, secs => k.n) as at
) as v;

-- Orders ------------------------------------------------------------------------------------
-- About one visit in eight buys; some buyers come without a link; about 4% are refunded.
create temporary table seed_orders (
  id uuid primary key, organization_id uuid, event_id uuid, visit_id uuid, promoter_id uuid,
  ticket_type_id uuid, quantity integer, unit_price_minor bigint, created_at timestamptz, refunded boolean
);

insert into seed_orders
select gen_random_uuid(), v.organization_id, v.event_id, v.id, v.promoter_id, null, 1 + floor(power(random(), 2) * 4)::integer, 0,
       least(v.visited_at + make_interval(mins => (3 + floor(random() * 40))::integer), now() - interval '1 minute'), random() < 0.04
from public.promoter_visits v
where random() < 0.13;

insert into seed_orders
select gen_random_uuid(), e.organization_id, e.id, null, null, null, 1 + floor(power(random(), 2) * 4)::integer, 0,
       now() - make_interval(days => 89 - d.n, mins => (1 + floor(random() * 900))::integer),
       random() < 0.04
from public.events e
cross join generate_series(0, 89) as d(n)
cross join lateral generate_series(1, floor((0.6 + 1.5 * d.n / 89.0) * (0.3 + random()))::integer) as k(n)
where e.status = 'published';

-- Pick a ticket type per order: the cheapest sells best.
update seed_orders o
set ticket_type_id = t.id, unit_price_minor = t.price_minor
from (
  select o2.id as order_id,
         (array_agg(tt.id order by tt.sort_order))[
           least(count(*)::integer, 1 + floor(power(random(), 1.8) * count(*))::integer)
         ] as tt_id
  from seed_orders o2
  join public.ticket_types tt on tt.event_id = o2.event_id
  group by o2.id
) pick
join public.ticket_types t on t.id = pick.tt_id
where o.id = pick.order_id;

insert into public.orders (id, organization_id, event_id, reference, buyer_name, buyer_email, currency,
                           total_minor, ticket_count, status, idempotency_key, refunded_at, created_at)
select o.id, o.organization_id, o.event_id, private.random_order_reference(),
       b.first || ' ' || b.last,
       lower(b.first) || '.' || lower(b.last) || (row_number() over (order by o.created_at, o.id)) || '@example.net',
       'EUR', o.quantity * o.unit_price_minor, o.quantity,
       case when o.refunded then 'refunded' else 'paid' end::public.order_status,
       gen_random_uuid(),
       case when o.refunded then least(o.created_at + interval '2 days', now()) end,
       o.created_at
from seed_orders o
cross join lateral (
  select (array['Alex', 'Bea', 'Chris', 'Dana', 'Emil', 'Fatima', 'Georg', 'Helena', 'Ivan', 'Julia', 'Kofi', 'Laura',
                'Mika', 'Nadia', 'Oskar', 'Paula', 'Rafael', 'Sara', 'Tom', 'Vera'])[1 + floor(random() * 20)::integer] as first,
         (array['Adler', 'Becker', 'Costa', 'Diaz', 'Engel', 'Frank', 'Gruber', 'Horvat', 'Ito', 'Jansen', 'Keller',
                'Lopez', 'Meyer', 'Nowak', 'Olsen', 'Peters', 'Quinn', 'Ruiz', 'Stein', 'Vogel'])[1 + floor(random() * 20)::integer] as last,
         o.id as order_ref
) b;

insert into public.order_items (organization_id, order_id, ticket_type_id, quantity, unit_price_minor, created_at)
select o.organization_id, o.id, o.ticket_type_id, o.quantity, o.unit_price_minor, o.created_at
from seed_orders o;

insert into public.attributions (organization_id, order_id, promoter_id, event_id, visit_id, created_at)
select o.organization_id, o.id, o.promoter_id, o.event_id, o.visit_id, o.created_at
from seed_orders o
where o.visit_id is not null;

-- What checkout records about the link each order came with (the order detail's trail).
update public.orders o
set attribution_outcome = case when s.visit_id is null then 'no_link' else 'attributed' end,
    attribution_visit_id = s.visit_id,
    attribution_session_id = v.session_id
from seed_orders s
left join public.promoter_visits v on v.id = s.visit_id
where o.id = s.id;

alter table public.attributions enable trigger attributions_broadcast_insert;

-- Inventory: sold counts follow the paid orders; capacities leave some room, except the
-- warehouse party, which is sold out on entry and nearly so with cloakroom.
update public.ticket_types t
set sold = coalesce(s.sold, 0)
from (select t2.id, (select sum(i.quantity) from public.order_items i join public.orders o on o.id = i.order_id
                     where i.ticket_type_id = t2.id and o.status = 'paid') as sold
      from public.ticket_types t2) s
where s.id = t.id;
update public.ticket_types t
set capacity = case t.id
  when 'd3000000-0000-4000-8000-000000000031' then t.sold
  when 'd3000000-0000-4000-8000-000000000032' then t.sold + 6
  else (ceil(t.sold * 1.6 / 50.0) * 50 + 100)::integer
end
where t.event_id <> 'd2000000-0000-4000-8000-000000000004';

-- The working tables are temporary; drop them so a session that ran the seed (psql -f
-- in autocommit, or the emulator in one transaction) is left as it was.
drop table seed_promoters, seed_orders;
