/**
 * Hot on-sale: many buyers of ONE ticket type of one event at the same moment, the
 * moment a popular event goes on sale. Every checkout carries an attribution token, so
 * it takes the full path (order, item, ticket count, attribution, rollups, broadcast),
 * and every one of them must update the same ticket-type row: the row lock that
 * guarantees no overselling is the queue.
 *
 * The reference is what this Postgres does with nothing but that queue: pgbench with a
 * one-row script (`update … set sold = sold + 1 where id = 1`), 10 clients, same run.
 * The sell-out phase then lets 50 buyers race for the last few hundred tickets and
 * checks that exactly the capacity was sold.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PGBENCH_DATABASE, checkoutArgs, pgbenchEnv, run, type CheckoutFixture } from './checkout.ts';
import { withDatabase } from './datasets.ts';
import { poster, type HttpTarget } from './lib/http-load.ts';

export interface OneRowResult {
  tps: number;
  latencyAverageMs: number;
}

/** pgbench with a custom one-row script: the rate of one hot counter row on this server. */
export async function pgbenchOneRow(adminUrl: string, pgbenchPath: string, durationSeconds: number, clients = 10): Promise<OneRowResult> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [PGBENCH_DATABASE]);
    if (!exists.rows.length) await admin.query(`create database ${PGBENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  const db = new pg.Client({ connectionString: withDatabase(adminUrl, PGBENCH_DATABASE) });
  await db.connect();
  try {
    await db.query('create table if not exists hot_row (id integer primary key, sold bigint not null)');
    await db.query('insert into hot_row values (1, 0) on conflict (id) do update set sold = 0');
  } finally {
    await db.end();
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pl-bench-hot-'));
  try {
    const script = path.join(dir, 'one-row.sql');
    await writeFile(script, 'update hot_row set sold = sold + 1 where id = 1;\n');
    const result = await run(
      pgbenchPath,
      ['-n', '-f', script, '-c', String(clients), '-j', '2', '-T', String(durationSeconds), PGBENCH_DATABASE],
      pgbenchEnv(adminUrl),
    );
    if (result.code !== 0) throw new Error(`pgbench (one row) failed: ${result.output.slice(-500)}`);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(result.output)?.[1]);
    const latency = Number(/latency average = ([\d.]+) ms/.exec(result.output)?.[1]);
    return { tps, latencyAverageMs: latency };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface SoldCheck {
  capacity: number;
  sold: number;
  /** Tickets of the type in paid orders' items. */
  inOrders: number;
}

/** The ticket type's counter against the order items that sold it. */
export async function soldCheck(databaseUrl: string, ticketTypeId: string): Promise<SoldCheck> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<SoldCheck>(
      `select t.capacity::int as capacity, t.sold::int as sold,
              coalesce((select sum(i.quantity) from public.order_items i join public.orders o on o.id = i.order_id
                        where i.ticket_type_id = t.id and o.status = 'paid'), 0)::int as "inOrders"
       from public.ticket_types t where t.id = $1`,
      [ticketTypeId],
    );
    return rows[0];
  } finally {
    await db.end();
  }
}

export interface SellOutResult {
  orders: number;
  soldOut: number;
  errors: number;
  firstError?: string;
}

/**
 * `clients` buyers check out one ticket each until every one of them has been told
 * `sold_out` (the answer that ends a buyer's attempts).
 */
export async function sellOut(target: HttpTarget, fixture: CheckoutFixture, clients: number): Promise<SellOutResult> {
  const result: SellOutResult = { orders: 0, soldOut: 0, errors: 0 };
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = poster(target);
      try {
        for (;;) {
          const { status, body } = await client.post('/rest/v1/rpc/checkout', JSON.stringify({ ...checkoutArgs(fixture), p_idempotency_key: randomUUID() }));
          if (status >= 200 && status < 300) {
            result.orders++;
            continue;
          }
          if (body.includes('"sold_out"')) {
            result.soldOut++;
            return;
          }
          result.errors++;
          result.firstError ??= `${status} ${body.slice(0, 300)}`;
          if (result.errors > 100) return;
        }
      } finally {
        client.close();
      }
    }),
  );
  return result;
}
