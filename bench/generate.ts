/**
 * The benchmark data set, generated set-based in SQL (generate_series), identical on
 * Postgres and PGlite.
 *
 * Shape (the order and visit volumes scale; everything else is fixed so that the
 * dashboard returns the same rows at every scale and only the history grows):
 * - 10 organizations, each with 1,000 promoters, 20 published events with two ticket
 *   types each, 5 promoter groups (about 75% of promoters in one, 9% in two), and every
 *   promoter linked to 5 of its organization's events (5% of the links inactive);
 * - visits spread over the last 365 days, skewed towards low-numbered promoters;
 * - orders of 1–4 tickets over the same year, 40% of them attributed (each to its own
 *   visit, placed shortly after it), 3% refunded;
 * - one extra organization, "Bench Checkout", with 20 promoters and no history: the
 *   checkout and realtime benchmarks create a fresh event there on every run, so the
 *   dashboard data never changes;
 * - an owner per organization (bench-owner-<n>@example.com) and 1,000 members of both
 *   organization 1 and the checkout organization (bench-member-<n>@example.com), all
 *   with the password in BENCH_PASSWORD.
 *
 * Ids are derived from numbers (md5(text)::uuid), so the generator can refer to a row
 * without looking it up, and a rerun produces the same ids. Pseudo-random choices come
 * from a hash of the row number, not random(), for the same reason.
 *
 * Two ways to fill the rollups (private.promoter_daily_stats, private.promoter_totals,
 * private.event_stats):
 * - "triggers": plain inserts, so the migrations' triggers (and foreign keys) do the
 *   work exactly as in production; used at small scale.
 * - "bulk": triggers and foreign-key checks off (session_replication_role = replica),
 *   then the rollups recomputed in one pass with the same grouping the triggers use
 *   (RECOMPUTE_ROLLUPS). verifyRollups() checks that the two agree; the runner does
 *   so on every freshly generated triggers-mode data set.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../supabase/emulator/database.ts';

export interface Scale {
  /** Short label used in database names and the report: "10k", "1m". */
  label: string;
  organizations: number;
  promoters: number;
  events: number;
  orders: number;
  visits: number;
  /** Members of organization 1 and the checkout organization (realtime clients). */
  members: number;
}

export const SCALES: Record<string, Scale> = {
  '10k': { label: '10k', organizations: 10, promoters: 10_000, events: 200, orders: 10_000, visits: 30_000, members: 1000 },
  /** Only for trying the harness quickly (--large 100k). */
  '100k': { label: '100k', organizations: 10, promoters: 10_000, events: 200, orders: 100_000, visits: 300_000, members: 1000 },
  '1m': { label: '1m', organizations: 10, promoters: 10_000, events: 200, orders: 1_000_000, visits: 3_000_000, members: 1000 },
};

export type FillMode = 'triggers' | 'bulk';

export const BENCH_PASSWORD = 'bench-password';

/** Multiplier spreading order numbers over visit numbers; must be coprime to the visit count. */
const VISIT_STRIDE = 7919;
const CHECKOUT_PROMOTERS = 20;
const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

function orgSql(n: number | 'checkout'): string {
  return `md5('bench-org:${n}')::uuid`;
}

/** Ids and sign-ins the benchmarks need. */
export interface DatasetIds {
  /** The organization whose dashboard is measured. */
  organizationId: string;
  /** The organization where checkouts happen (no history, members subscribed). */
  checkoutOrganizationId: string;
  /** The busiest promoter of organization 1 (most visits and sales). */
  topPromoterId: string;
  /** A group of organization 1. */
  groupId: string;
  ownerEmail: string;
  ownerUserId: string;
  /** Owner of the checkout organization (creates the per-run checkout events). */
  checkoutOwnerEmail: string;
  memberEmails: string[];
  checkoutPromoters: { id: string; code: string }[];
}

/** The uuid Postgres makes of md5(key)::uuid, computed here without a database. */
export function md5Uuid(key: string): string {
  const hex = createHash('md5').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function datasetIds(scale: Scale): DatasetIds {
  return {
    organizationId: md5Uuid('bench-org:1'),
    checkoutOrganizationId: md5Uuid('bench-org:checkout'),
    topPromoterId: md5Uuid('bench-promoter:1'),
    groupId: md5Uuid('bench-group:1:0'),
    ownerEmail: 'bench-owner-1@example.com',
    ownerUserId: md5Uuid('bench-user:owner:1'),
    checkoutOwnerEmail: 'bench-owner-0@example.com',
    memberEmails: Array.from({ length: scale.members }, (_, i) => `bench-member-${i + 1}@example.com`),
    checkoutPromoters: Array.from({ length: CHECKOUT_PROMOTERS }, (_, i) => ({
      id: md5Uuid(`bench-checkout-promoter:${i + 1}`),
      code: `CHECKOUT${i + 1}`,
    })),
  };
}

/** SQL for a deterministic number in [0, 1) from a text key: 52 bits of its md5. */
function rnd(key: string): string {
  return `(('x' || substr(md5(${key}), 1, 13))::bit(52)::bigint::float8 / 4503599627370496.0)`;
}

/**
 * SQL for a visit's attributes (v, n = promoter number, org, e = event number,
 * visited_at) from the visit number alone, so orders can find their visit's promoter
 * and event without a lookup. Promoters are skewed (low numbers get most visits); the
 * event is one of the 5 linked to the promoter. OFFSET 0 keeps each hash computed once.
 */
function visitAttributes(visit: string, from: string, scale: Scale): string {
  const { organizations: O, promoters: P, events: E } = scale;
  return `
    select b.v, b.n, 1 + (b.n - 1) % ${O} as org,
           ((b.n * 7 + b.slot * 3) % ${E / O}) * ${O} + 1 + (b.n - 1) % ${O} as e, b.visited_at
    from (select ${visit}::bigint as v,
                 least(${P}, 1 + floor(${P} * power(${rnd(`'v:n:' || ${visit}`)}, 2))::int) as n,
                 floor(${rnd(`'v:k:' || ${visit}`)} * 5)::int as slot,
                 now() - ${rnd(`'v:t:' || ${visit}`)} * interval '365 days' as visited_at
          from ${from} offset 0) b`;
}

function referenceExpression(number: string): string {
  // Eight base-31 digits of the order number: unique for every order below 31^8.
  const digits = [];
  for (let i = 7; i >= 0; i--) {
    digits.push(`substr('${REFERENCE_ALPHABET}', ((${number} / ${31 ** i}::bigint) % 31)::int + 1, 1)`);
  }
  return `'PL-' || ${digits.join(' || ')}`;
}

/** The statements, in order, each with a label for progress output. */
export function generationSteps(scale: Scale, mode: FillMode): { label: string; sql: string }[] {
  const { organizations: O, promoters: P, events: E, orders: ORD, visits: V, members: M } = scale;
  if (E % O !== 0 || P % O !== 0) throw new Error('events and promoters must be multiples of organizations');
  if (V % VISIT_STRIDE === 0) throw new Error(`visits must not be a multiple of ${VISIT_STRIDE}`);
  const eventsPerOrg = E / O;

  const steps: { label: string; sql: string }[] = [];
  const step = (label: string, sql: string) => steps.push({ label, sql });

  if (mode === 'bulk') {
    step('bulk mode', `set local session_replication_role = replica`);
    step('drop indexes of the big tables', DROP_BULK_INDEXES);
  }
  else {
    // As supabase/seed.sql does: a bulk load is not news for live dashboards.
    step('triggers mode', `alter table public.attributions disable trigger attributions_broadcast_insert`);
  }

  step(
    'users',
    `
    with pw as (select extensions.crypt('${BENCH_PASSWORD}', extensions.gen_salt('bf', 4)) as hash),
    u as (
      select md5('bench-user:owner:' || o)::uuid as id, 'bench-owner-' || o || '@example.com' as email
      from generate_series(0, ${O}) o
      union all
      select md5('bench-user:member:' || m)::uuid, 'bench-member-' || m || '@example.com'
      from generate_series(1, ${M}) m
    )
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                            raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
                            confirmation_token, recovery_token, email_change_token_new, email_change)
    select '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email, pw.hash,
           now() - interval '400 days', '{"provider":"email","providers":["email"]}', '{}',
           now() - interval '400 days', now() - interval '400 days', '', '', '', ''
    from u, pw;
    insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
    select u.id::text, u.id, jsonb_build_object('sub', u.id, 'email', u.email, 'email_verified', true), 'email',
           u.created_at, u.created_at
    from auth.users u where u.email like 'bench-%@example.com';
    `,
  );

  step(
    'organizations',
    `
    insert into public.organizations (id, name, currency, created_at)
    select md5('bench-org:' || o)::uuid, 'Bench Organization ' || o, 'EUR', now() - interval '400 days'
    from generate_series(1, ${O}) o
    union all
    select ${orgSql('checkout')}, 'Bench Checkout', 'EUR', now() - interval '400 days';
    insert into public.organization_members (organization_id, user_id, role, created_at)
    select md5('bench-org:' || o)::uuid, md5('bench-user:owner:' || o)::uuid, 'owner'::public.organization_role, now() - interval '400 days'
    from generate_series(1, ${O}) o
    union all
    select ${orgSql('checkout')}, md5('bench-user:owner:0')::uuid, 'owner', now() - interval '400 days'
    union all
    select org.id, md5('bench-user:member:' || m)::uuid, 'member', now() - interval '300 days'
    from generate_series(1, ${M}) m, (values (${orgSql(1)}), (${orgSql('checkout')})) org(id);
    -- The trigger that gives each organization its live topic key is off during the load.
    insert into private.organization_topics (organization_id)
    select id from public.organizations where id not in (select organization_id from private.organization_topics);
    `,
  );

  step(
    'events',
    `
    insert into public.events (id, organization_id, slug, name, description, venue, starts_at, ends_at, currency, status, created_at)
    select md5('bench-event:' || e)::uuid, md5('bench-org:' || (1 + (e - 1) % ${O}))::uuid, 'bench-event-' || e,
           'Bench Event ' || e, 'Generated for the benchmarks.', 'Bench Hall',
           date_trunc('day', now()) + (30 + e % 60) * interval '1 day',
           date_trunc('day', now()) + (30 + e % 60) * interval '1 day' + interval '6 hours',
           'EUR', 'published', now() - interval '380 days'
    from generate_series(1, ${E}) e;
    insert into public.ticket_types (id, organization_id, event_id, name, price_minor, capacity, sort_order)
    select md5('bench-tt:' || e || ':' || t)::uuid, md5('bench-org:' || (1 + (e - 1) % ${O}))::uuid,
           md5('bench-event:' || e)::uuid, case t when 0 then 'General Admission' else 'VIP' end,
           case t when 0 then 2500 else 6000 end, 1000000, t
    from generate_series(1, ${E}) e, generate_series(0, 1) t;
    `,
  );

  step(
    'promoters, links and groups',
    `
    insert into public.promoters (id, organization_id, name, promo_code, email, created_at, updated_at)
    select md5('bench-promoter:' || n)::uuid, md5('bench-org:' || (1 + (n - 1) % ${O}))::uuid,
           'Promoter ' || n, 'PROMO' || n, 'promoter-' || n || '@example.com',
           now() - interval '390 days', now() - interval '390 days'
    from generate_series(1, ${P}) n
    union all
    select md5('bench-checkout-promoter:' || i)::uuid, ${orgSql('checkout')}, 'Checkout Promoter ' || i,
           'CHECKOUT' || i, null, now() - interval '390 days', now() - interval '390 days'
    from generate_series(1, ${CHECKOUT_PROMOTERS}) i;

    insert into public.event_promoters (id, organization_id, event_id, promoter_id, active, created_at, updated_at)
    select md5('bench-link:' || n || ':' || k)::uuid, md5('bench-org:' || (1 + (n - 1) % ${O}))::uuid,
           md5('bench-event:' || (((n * 7 + k * 3) % ${eventsPerOrg}) * ${O} + 1 + (n - 1) % ${O}))::uuid,
           md5('bench-promoter:' || n)::uuid, not (k = 4 and n % 4 = 0),
           now() - interval '370 days', now() - interval '370 days'
    from generate_series(1, ${P}) n, generate_series(0, 4) k;

    insert into public.promoter_groups (id, organization_id, name, color, created_at)
    select md5('bench-group:' || o || ':' || g)::uuid, md5('bench-org:' || o)::uuid,
           (array['Summer Team', 'Influencers', 'Venue Staff', 'Street Team', 'Partners'])[g + 1],
           (array['#f59e0b', '#8b5cf6', '#10b981', '#ef4444', '#3b82f6'])[g + 1], now() - interval '390 days'
    from generate_series(1, ${O}) o, generate_series(0, 4) g;

    insert into public.promoter_group_members (organization_id, group_id, promoter_id)
    select md5('bench-org:' || (1 + (n - 1) % ${O}))::uuid,
           md5('bench-group:' || (1 + (n - 1) % ${O}) || ':' || g)::uuid, md5('bench-promoter:' || n)::uuid
    from generate_series(1, ${P}) n,
         lateral (select ((n - 1) / ${O}) % 7 as g where ((n - 1) / ${O}) % 7 < 5
                  union
                  select (((n - 1) / ${O}) + 2) % 5 where n % 11 = 0) m;
    `,
  );

  step(
    `visits (${V.toLocaleString('en-US')})`,
    `
    insert into public.promoter_visits (id, organization_id, event_id, promoter_id, session_id, token, visited_at, created_at)
    select md5('bench-visit:' || x.v)::uuid, md5('bench-org:' || x.org)::uuid, md5('bench-event:' || x.e)::uuid,
           md5('bench-promoter:' || x.n)::uuid, md5('bench-session:' || x.v)::uuid, 'bt' || md5('bench-token:' || x.v),
           x.visited_at, x.visited_at
    from (${visitAttributes('v', `generate_series(1, ${V}) v`, scale)}) x;
    `,
  );

  step(
    `orders (${ORD.toLocaleString('en-US')})`,
    `
    create temp table bench_orders on commit drop as
    select b.k, b.v, md5('bench-order:' || b.k)::uuid as id, b.e, 1 + (b.e - 1) % ${O} as org, b.n, b.created_at,
           b.tt, b.quantity, case b.tt when 0 then 2500 else 6000 end as price,
           case when b.k % 33 = 0 then 'refunded' else 'paid' end::public.order_status as status
    from (
      select s.k, s.v,
             coalesce(s.e, 1 + floor(${rnd(`'o:e:' || s.k`)} * ${E})::int) as e,
             s.n,
             case when s.v is null then now() - ${rnd(`'o:t:' || s.k`)} * interval '365 days'
                  else least(now(), s.visited_at + ${rnd(`'o:t:' || s.k`)} * interval '3 hours')
             end as created_at,
             (s.k % 4 = 0)::int as tt,
             1 + floor(${rnd(`'o:q:' || s.k`)} * 4)::int as quantity
      from (
        -- Attributed orders (40%) take the event, promoter and time of their visit.
        select a.k, a.v, vis.e, vis.n, vis.visited_at
        from (select k, case when k % 5 < 2 then 1 + (k * ${VISIT_STRIDE}::bigint) % ${V} end as v
              from generate_series(1, ${ORD}) k) a
        left join lateral (${visitAttributes('a.v', '(select 1) one', scale)}) vis on a.v is not null
      ) s
    ) b;

    insert into public.orders (id, organization_id, event_id, reference, buyer_name, buyer_email, currency,
                               total_minor, ticket_count, status, idempotency_key, refunded_at, created_at)
    select o.id, md5('bench-org:' || o.org)::uuid, md5('bench-event:' || o.e)::uuid, ${referenceExpression('o.k')},
           'Buyer ' || o.k, 'buyer-' || o.k || '@example.com', 'EUR', o.price * o.quantity, o.quantity, o.status,
           md5('bench-idem:' || o.k)::uuid,
           case when o.status = 'refunded' then least(now(), o.created_at + interval '1 day') end, o.created_at
    from bench_orders o;

    insert into public.order_items (id, organization_id, order_id, ticket_type_id, quantity, unit_price_minor, created_at)
    select md5('bench-item:' || o.k)::uuid, md5('bench-org:' || o.org)::uuid, o.id,
           md5('bench-tt:' || o.e || ':' || o.tt)::uuid, o.quantity, o.price, o.created_at
    from bench_orders o;
    `,
  );

  step(
    'attributions',
    `
    insert into public.attributions (id, organization_id, order_id, promoter_id, event_id, visit_id, created_at)
    select md5('bench-attr:' || o.k)::uuid, md5('bench-org:' || o.org)::uuid, o.id,
           md5('bench-promoter:' || o.n)::uuid, md5('bench-event:' || o.e)::uuid, md5('bench-visit:' || o.v)::uuid,
           o.created_at
    from bench_orders o
    where o.v is not null;
    `,
  );

  step(
    'ticket counts',
    `
    update public.ticket_types t
    set sold = s.sold
    from (select i.ticket_type_id, sum(i.quantity)::int as sold
          from public.order_items i join public.orders o on o.id = i.order_id and o.status = 'paid'
          group by 1) s
    where t.id = s.ticket_type_id;
    `,
  );

  if (mode === 'bulk') {
    step('recreate indexes', RESTORE_BULK_INDEXES);
    step('rollups (bulk recompute)', RECOMPUTE_ROLLUPS);
    step('restore triggers', `set local session_replication_role = origin`);
  } else {
    step('restore triggers', `alter table public.attributions enable trigger attributions_broadcast_insert`);
  }
  return steps;
}

const BULK_TABLES = `array['public.promoter_visits', 'public.orders', 'public.order_items', 'public.attributions']::regclass[]`;

/**
 * Bulk mode loads the big tables without their indexes and builds each index once
 * afterwards (a sort instead of millions of random inserts). The exact definitions are
 * read from the catalog first (pg_get_constraintdef / pg_get_indexdef) and replayed by
 * RESTORE_BULK_INDEXES, so the result is the schema the migrations made. Foreign keys
 * that point at these tables' keys are dropped and re-added (and so re-validated) too.
 */
const DROP_BULK_INDEXES = `
  create temp table bench_saved_indexes (position serial, drop_sql text not null, create_sql text not null) on commit drop;
  insert into bench_saved_indexes (drop_sql, create_sql)
  select format('alter table %s drop constraint %I', c.conrelid::regclass, c.conname),
         format('alter table %s add constraint %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
  from pg_constraint c
  where c.contype = 'f' and c.confrelid = any (${BULK_TABLES})
  order by c.conrelid::regclass::text, c.conname;
  insert into bench_saved_indexes (drop_sql, create_sql)
  select format('alter table %s drop constraint %I', c.conrelid::regclass, c.conname),
         format('alter table %s add constraint %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
  from pg_constraint c
  where c.contype in ('p', 'u') and c.conrelid = any (${BULK_TABLES})
  order by c.conrelid::regclass::text, c.conname;
  insert into bench_saved_indexes (drop_sql, create_sql)
  select format('drop index %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
  from pg_index i
  where i.indrelid = any (${BULK_TABLES})
    and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.contype in ('p', 'u'))
  order by i.indexrelid::regclass::text;
  do $$
  declare r record;
  begin
    for r in select drop_sql from bench_saved_indexes order by position loop
      execute r.drop_sql;
    end loop;
  end
  $$;
`;

const RESTORE_BULK_INDEXES = `
  do $$
  declare r record;
  begin
    for r in select create_sql from bench_saved_indexes order by position desc loop
      execute r.create_sql;
    end loop;
  end
  $$;
`;

/** The rollups computed from scratch: the database's own private.rebuild_rollups(). */
export const RECOMPUTE_ROLLUPS = 'select private.rebuild_rollups();';

const DAILY_COLUMNS = 'organization_id, promoter_id, event_id, day, tickets, revenue_minor, orders, visits';
const EVENT_COLUMNS = 'event_id, shard, organization_id, tickets, revenue_minor, orders, attributed_tickets, attributed_revenue_minor';

/** The rows of one table missing from the other, both ways, duplicates counted (SQL). */
function differingRows(left: string, right: string, columns: string): string {
  return `(select ${columns} from ${left} except all select ${columns} from ${right})
           union all
           (select ${columns} from ${right} except all select ${columns} from ${left})`;
}

/**
 * Rows that differ between the live rollups and a from-scratch recomputation (0 and 0
 * when the triggers and RECOMPUTE_ROLLUPS agree). Runs in a rolled-back transaction.
 */
export async function verifyRollups(
  transaction: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>,
): Promise<{ dailyDiff: number; eventDiff: number; dailyRows: number }> {
  return transaction(async (tx) => {
    await tx.exec(`
      create temp table bench_live_daily on commit drop as select * from private.promoter_daily_stats;
      create temp table bench_live_events on commit drop as select * from private.event_stats;
      create temp table bench_live_totals on commit drop as select * from private.promoter_totals;
    `);
    await tx.exec(RECOMPUTE_ROLLUPS);
    const { rows } = await tx.query<{ daily: number; events: number; total: number }>(`
      select
        (select count(*)::int from (${differingRows('bench_live_daily', 'private.promoter_daily_stats', DAILY_COLUMNS)}) d) as daily,
        (select count(*)::int from (${differingRows('bench_live_events', 'private.event_stats', EVENT_COLUMNS)}) d)
          + (select count(*)::int from (${differingRows('bench_live_totals', 'private.promoter_totals', '*')}) d) as events,
        (select count(*)::int from bench_live_daily) as total
    `);
    return { dailyDiff: rows[0].daily, eventDiff: rows[0].events, dailyRows: rows[0].total };
  });
}
