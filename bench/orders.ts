/**
 * The orders page at scale: one organization with 1,000,000 orders (40% attributed to
 * 20 promoters, 3% refunded, over a year, on 4 events), then every kind of
 * list_orders() call the page makes, timed through the function and explained with the
 * same statement it runs. Postgres only:
 *
 *   DATABASE_URL=postgres://postgres:…@localhost:5432/postgres npx tsx bench/orders.ts [--orders 1000000]
 *
 * The data is written set-based with triggers off (session_replication_role = replica);
 * nothing here reads the rollups, so they are not recomputed. The database is dropped
 * at the end, unless --keep.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '../supabase/emulator/database.ts';
import { createTestDatabase, type TestDatabase } from '../tests/helpers/test-database.ts';

const { values } = parseArgs({
  options: { orders: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false }, reuse: { type: 'string' } },
});
const ORDERS = Number(values.orders);
if (!process.env.DATABASE_URL) throw new Error('Set DATABASE_URL (a superuser connection); this benchmark runs on Postgres.');

const ORG = '00000000-0000-4000-8000-00000000b001';
const OWNER = '00000000-0000-4000-8000-00000000b002';

// --reuse <url>: time the calls again on a data set kept earlier with --keep.
const testDb: TestDatabase = values.reuse
  ? await openDatabase({ databaseUrl: values.reuse }).then((db) => ({ db, databaseUrl: values.reuse, close: () => db.close() }))
  : await createTestDatabase();
const db = testDb.db;
const started = performance.now();
try {
  if (!values.reuse) await db.transaction(async (tx) => {
    await tx.query(`set local session_replication_role = replica`);
    // The trigram index is built once after the load, not row by row.
    await tx.query(`drop index public.orders_buyer_search_idx`);
    await tx.query(
      `insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, created_at, updated_at)
       values ($1, 'authenticated', 'authenticated', 'bench-orders@example.com', '', now(), '{}', now(), now())`,
      [OWNER],
    );
    await tx.query(`insert into public.organizations (id, name, currency) values ($1, 'Bench Orders', 'EUR')`, [ORG]);
    await tx.query(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'owner')`, [ORG, OWNER]);
    await tx.query(
      `insert into public.events (id, organization_id, slug, name, starts_at, currency, status)
       select md5('event' || e)::uuid, $1, 'bench-event-' || e, 'Bench Event ' || e, now() + interval '30 days', 'EUR', 'published'
       from generate_series(1, 4) e`,
      [ORG],
    );
    await tx.query(
      `insert into public.promoters (id, organization_id, name, promo_code)
       select md5('promoter' || p)::uuid, $1, 'Promoter ' || p, 'BENCH' || p from generate_series(1, 20) p`,
      [ORG],
    );
    // Order i: event i % 4 + 1, attributed to promoter i % 20 + 1 when i % 5 < 2, refunded when i % 100 < 3.
    await tx.query(
      `insert into public.orders (id, organization_id, event_id, reference, buyer_name, buyer_email, currency, total_minor,
                                  ticket_count, status, idempotency_key, refunded_at, created_at, attribution_outcome)
       select md5('order' || i)::uuid, $1, md5('event' || (i % 4 + 1))::uuid,
              'PL-' || upper(lpad(to_hex(i), 8, '0')),
              (array['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken'])[i % 8 + 1] || ' ' ||
                (array['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Ritchie', 'Kay'])[(i / 8) % 10 + 1] ||
                ' ' || i,
              'buyer' || i || '@example.com', 'EUR', 2500 * (i % 4 + 1), i % 4 + 1,
              case when i % 100 < 3 then 'refunded' else 'paid' end::public.order_status,
              md5('key' || i)::uuid,
              case when i % 100 < 3 then now() - (($2 - i) * interval '31 seconds') + interval '1 hour' end,
              now() - (($2 - i) * interval '31 seconds'),
              case when i % 5 < 2 then 'attributed' else 'no_link' end
       from generate_series(1, $2) i`,
      [ORG, ORDERS],
    );
    await tx.query(
      `insert into public.promoter_visits (id, organization_id, event_id, promoter_id, session_id, token, visited_at)
       select md5('visit' || i)::uuid, $1, md5('event' || (i % 4 + 1))::uuid, md5('promoter' || (i % 20 + 1))::uuid,
              md5('session' || i)::uuid, md5('token' || i), now() - (($2 - i) * interval '31 seconds') - interval '5 minutes'
       from generate_series(1, $2) i where i % 5 < 2`,
      [ORG, ORDERS],
    );
    await tx.query(
      `insert into public.attributions (organization_id, order_id, promoter_id, event_id, visit_id)
       select $1, md5('order' || i)::uuid, md5('promoter' || (i % 20 + 1))::uuid, md5('event' || (i % 4 + 1))::uuid, md5('visit' || i)::uuid
       from generate_series(1, $2) i where i % 5 < 2`,
      [ORG, ORDERS],
    );
  });
  if (!values.reuse) {
    await db.query(`create index orders_buyer_search_idx on public.orders using gin ((buyer_name || ' ' || buyer_email) extensions.gin_trgm_ops)`);
    await db.query('analyze');
  }
  console.log(`${values.reuse ? 'reused' : 'generated'} ${ORDERS.toLocaleString('en')} orders in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

  const deepCursor = (
    await db.query<{ id: string }>(`select id from public.orders where organization_id = $1 order by created_at desc, id desc offset $2 limit 1`, [
      ORG,
      Math.floor(ORDERS / 2),
    ])
  ).rows[0].id;
  const lastWeekFrom = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);

  const cases: [string, Record<string, unknown>][] = [
    ['first page, no filter', {}],
    ['page after the 500,000th order', { p_after_id: deepCursor }],
    ['search: a reference', { p_search: 'pl-0000abcd' }],
    ['search: part of an email, one match', { p_search: 'buyer123457@' }],
    ['search: a common name', { p_search: 'grace hopper' }],
    ['search: no match', { p_search: 'nobody-by-this-name' }],
    ['filter: one event', { p_event_id: '$event' }],
    ['filter: one promoter', { p_promoter_id: '$promoter' }],
    ['filter: no promoter', { p_unattributed: true }],
    ['filter: refunded', { p_status: 'refunded' }],
    ['filter: last 7 days', { p_from: lastWeekFrom }],
    ['filter: one promoter, refunded, one event', { p_promoter_id: '$promoter', p_status: 'refunded', p_event_id: '$event' }],
    ['export page of 1,000', { p_limit: 1000 }],
  ];
  console.log('| call | rows | median ms (5 runs) |\n|---|---:|---:|');
  for (const [label, rawArgs] of cases) {
    const args = { p_organization_id: ORG, ...rawArgs } as Record<string, unknown>;
    for (const [key, value] of Object.entries(args)) {
      if (value === '$event') args[key] = (await db.query<{ id: string }>(`select md5('event1')::uuid as id`)).rows[0].id;
      if (value === '$promoter') args[key] = (await db.query<{ id: string }>(`select md5('promoter1')::uuid as id`)).rows[0].id;
    }
    const names = Object.keys(args);
    const sql = `select count(*)::int as n from public.list_orders(${names.map((name, i) => `${name} => $${i + 1}`).join(', ')})`;
    const times: number[] = [];
    let rows = 0;
    for (let run = 0; run < 5; run += 1) {
      const result = await db.transaction(async (tx) => {
        await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [
          JSON.stringify({ sub: OWNER, role: 'authenticated' }),
        ]);
        const t0 = performance.now();
        const r = await tx.query<{ n: number }>(sql, Object.values(args));
        return { ms: performance.now() - t0, n: r.rows[0].n };
      });
      times.push(result.ms);
      rows = result.n;
    }
    times.sort((a, b) => a - b);
    console.log(`| ${label} | ${rows} | ${times[2].toFixed(1)} |`);
  }
} finally {
  if (values.keep) console.log(`\nkept: ${testDb.databaseUrl}`);
  else if (values.reuse) await db.close();
  else await testDb.close();
}
