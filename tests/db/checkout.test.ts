import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { anonymous, claimsOf, inRollback, PersonaTx } from './support/personas.ts';
import { checkout, type CheckoutArgs, checkoutParams, type CheckoutResult, checkoutSql, databaseWithWorld, ids, people, slugs } from './support/world.ts';

const testDb = databaseWithWorld();

const sold = (s: PersonaTx, ticketTypeId: string) =>
  s.value<number>('select sold from public.ticket_types where id = $1', [ticketTypeId]);
const orderCount = (s: PersonaTx) => s.value<number>('select count(*)::int from public.orders');

/** Checks as the anonymous attendee that the checkout is refused with the given code and writes nothing. */
async function expectRefused(args: CheckoutArgs, message: string): Promise<void> {
  await inRollback(testDb.db, async (s) => {
    await s.asOwner();
    const ordersBefore = await orderCount(s);
    const soldBefore = await sold(s, ids.ticketTypes.aGeneral);
    await s.as(anonymous);
    const error = await s.refused(checkoutSql, checkoutParams(args));
    expect(error.message).toBe(message);
    expect(error.code).toBe('P0001');
    expect(error.hint).toBeTruthy();
    await s.asOwner();
    expect(await orderCount(s)).toBe(ordersBefore);
    expect(await sold(s, ids.ticketTypes.aGeneral)).toBe(soldBefore);
  });
}

describe('checkout', () => {
  it('lets an anonymous attendee buy tickets and returns the order with its lines', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const order = await checkout(s, {
        items: [
          { ticket_type_id: ids.ticketTypes.aGeneral, quantity: 3 },
          { ticket_type_id: ids.ticketTypes.aVip, quantity: 1 },
        ],
        name: '  Alex   Buyer ',
      });
      expect(order).toMatchObject({ status: 'paid', currency: 'USD', total_minor: 3 * 2500 + 9000, ticket_count: 4 });
      expect(order.reference).toMatch(/^PL-[0-9A-Z]{8}$/);
      expect(order.items).toEqual([
        { ticket_type_id: ids.ticketTypes.aGeneral, name: 'General', quantity: 3, unit_price_minor: 2500 },
        { ticket_type_id: ids.ticketTypes.aVip, name: 'VIP', quantity: 1, unit_price_minor: 9000 },
      ]);
      expect(Object.keys(order)).not.toContain('attributed');
      await s.asOwner();
      expect(await sold(s, ids.ticketTypes.aGeneral)).toBe(3);
      expect(await sold(s, ids.ticketTypes.aVip)).toBe(1);
      const stored = await s.one('select buyer_name, buyer_email, organization_id from public.orders where id = $1', [order.order_id]);
      expect(stored).toEqual({ buyer_name: 'Alex Buyer', buyer_email: 'alex@example.net', organization_id: ids.orgA });
    });
  });

  it('lets a signed-in user buy tickets too, for any organization', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerB);
      const order = await checkout(s);
      expect(order).toMatchObject({ status: 'paid', ticket_count: 2 });
    });
  });

  it('returns the same order when retried with the same idempotency key and payload', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const key = randomUUID();
      const first = await checkout(s, { key });
      const second = await checkout(s, { key });
      expect(second).toEqual(first);
      await s.asOwner();
      expect(await sold(s, ids.ticketTypes.aGeneral)).toBe(2);
      expect(await s.value<number>('select count(*)::int from public.orders where idempotency_key = $1', [key])).toBe(1);
    });
  });

  it('refuses an idempotency key reused for a different order', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const key = randomUUID();
      await checkout(s, { key });
      const differentQuantity = await s.refused(
        checkoutSql,
        checkoutParams({ key, items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 3 }] }),
      );
      expect(differentQuantity.message).toBe('idempotency_key_reused');
      const differentBuyer = await s.refused(checkoutSql, checkoutParams({ key, email: 'someone-else@example.net' }));
      expect(differentBuyer.message).toBe('idempotency_key_reused');
      const differentEvent = await s.refused(
        checkoutSql,
        checkoutParams({ key, slug: slugs.aOther, items: [{ ticket_type_id: ids.ticketTypes.aOtherEntry, quantity: 2 }] }),
      );
      expect(differentEvent.message).toBe('idempotency_key_reused');
      await s.asOwner();
      expect(await sold(s, ids.ticketTypes.aGeneral)).toBe(2);
    });
  });

  it('never sells beyond capacity and names the sold-out ticket type', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      await checkout(s, { items: [{ ticket_type_id: ids.ticketTypes.aVip, quantity: 2 }] });
      const error = await s.refused(checkoutSql, checkoutParams({ items: [{ ticket_type_id: ids.ticketTypes.aVip, quantity: 1 }] }));
      expect(error.message).toBe('sold_out');
      expect(JSON.parse(error.detail ?? '{}')).toMatchObject({ ticket_type_id: ids.ticketTypes.aVip, name: 'VIP', available: 0 });
      await s.asOwner();
      expect(await sold(s, ids.ticketTypes.aVip)).toBe(2);
    });
  });

  it('refuses the whole order when one of its lines is sold out', async () => {
    await expectRefused(
      {
        items: [
          { ticket_type_id: ids.ticketTypes.aGeneral, quantity: 2 },
          { ticket_type_id: ids.ticketTypes.aVip, quantity: 3 },
        ],
      },
      'sold_out',
    );
  });

  it('gives refunded tickets back to the inventory', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const order = await checkout(s, { items: [{ ticket_type_id: ids.ticketTypes.aVip, quantity: 2 }] });
      await s.as(people.ownerA);
      await s.rows('select public.refund_order($1)', [order.order_id]);
      await s.as(anonymous);
      const again = await checkout(s, { items: [{ ticket_type_id: ids.ticketTypes.aVip, quantity: 2 }] });
      expect(again.ticket_count).toBe(2);
    });
  });

  describe('refuses bad input with a stable error and writes nothing', () => {
    const ten = 'x'.repeat(10 * 1024 * 1024);
    it.each<[string, CheckoutArgs, string]>([
      ['a negative quantity', { items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: -1 }] }, 'invalid_quantity'],
      ['a zero quantity', { items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 0 }] }, 'invalid_quantity'],
      ['a fractional quantity', { items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 1.5 }] }, 'invalid_quantity'],
      ['more than 50 of one type', { items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 51 }] }, 'invalid_quantity'],
      ['a huge quantity', { items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 1e300 }] }, 'invalid_quantity'],
      ['a quantity given as text', { items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: '2' }] }, 'invalid_quantity'],
      ['a missing quantity', { items: [{ ticket_type_id: ids.ticketTypes.aGeneral }] }, 'invalid_quantity'],
      [
        'more than 100 tickets in one order',
        {
          items: [
            { ticket_type_id: ids.ticketTypes.aGeneral, quantity: 50 },
            { ticket_type_id: ids.ticketTypes.aVip, quantity: 50 },
            { ticket_type_id: randomUUID(), quantity: 1 },
          ],
        },
        'invalid_quantity',
      ],
      ['items that are not an array', { items: { ticket_type_id: ids.ticketTypes.aGeneral, quantity: 1 } }, 'invalid_items'],
      ['items given as a string', { items: 'two tickets please' }, 'invalid_items'],
      ['an empty list of items', { items: [] }, 'invalid_items'],
      ['a line that is not an object', { items: [42] }, 'invalid_items'],
      ['a malformed ticket type id', { items: [{ ticket_type_id: 'general', quantity: 1 }] }, 'invalid_items'],
      ['a numeric ticket type id', { items: [{ ticket_type_id: 7, quantity: 1 }] }, 'invalid_items'],
      [
        'the same ticket type twice',
        {
          items: [
            { ticket_type_id: ids.ticketTypes.aGeneral, quantity: 1 },
            { ticket_type_id: ids.ticketTypes.aGeneral, quantity: 1 },
          ],
        },
        'invalid_items',
      ],
      ['an unknown ticket type', { items: [{ ticket_type_id: randomUUID(), quantity: 1 }] }, 'ticket_type_not_found'],
      ['a ticket type of another event', { items: [{ ticket_type_id: ids.ticketTypes.aOtherEntry, quantity: 1 }] }, 'ticket_type_not_found'],
      ['an empty name', { name: '   ' }, 'invalid_buyer_name'],
      ['a name over 200 characters', { name: 'n'.repeat(201) }, 'invalid_buyer_name'],
      ['a 10 MB name', { name: ten }, 'invalid_buyer_name'],
      ['an email without @', { email: 'alex.example.net' }, 'invalid_buyer_email'],
      ['an email without a domain dot', { email: 'alex@localhost' }, 'invalid_buyer_email'],
      ['an email with spaces', { email: 'alex buyer@example.net' }, 'invalid_buyer_email'],
      ['an email over 254 characters', { email: `${'a'.repeat(60)}@${'b'.repeat(190)}.com` }, 'invalid_buyer_email'],
      ['a 10 MB email', { email: ten }, 'invalid_buyer_email'],
      ['an unknown event', { slug: 'no-such-show' }, 'event_not_found'],
      ['a 10 MB event slug', { slug: ten }, 'event_not_found'],
      ['a draft event', { slug: slugs.aDraft, items: [{ ticket_type_id: ids.ticketTypes.aDraftEntry, quantity: 1 }] }, 'event_not_found'],
      ['a past event', { slug: slugs.aPast, items: [{ ticket_type_id: ids.ticketTypes.aPastEntry, quantity: 1 }] }, 'event_not_on_sale'],
      ['a cancelled event', { slug: slugs.aCancelled }, 'event_not_on_sale'],
    ])('%s', async (_name, args, message) => {
      await expectRefused(args, message);
    });

    it('a missing idempotency key', async () => {
      await inRollback(testDb.db, async (s) => {
        await s.as(anonymous);
        const params = checkoutParams();
        params[4] = null;
        const error = await s.refused(checkoutSql, params);
        expect(error.message).toBe('invalid_idempotency_key');
        expect(await s.refused('select public.checkout($1, $2::jsonb, $3, $4, $5::uuid, $6)', [...params.slice(0, 4), 'not-a-uuid', null])).toMatchObject({
          code: '22P02',
        });
      });
    });
  });

  it('is the only way to write orders: attendees and organizers cannot insert or change them directly', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [anonymous, people.ownerA]) {
        await s.as(persona);
        const insert = await s.refused(
          `insert into public.orders (organization_id, event_id, reference, buyer_name, buyer_email, currency, total_minor, ticket_count, idempotency_key)
           values ($1, $2, 'PL-AAAAAAAA', 'X', 'x@example.net', 'USD', 0, 1, gen_random_uuid())`,
          [ids.orgA, ids.events.aLive],
        );
        expect(insert.code).toBe('42501');
        expect((await s.refused('update public.ticket_types set sold = 0 where id = $1', [ids.ticketTypes.aGeneral])).code).toBe('42501');
      }
    });
  });
});

/** As PostgREST passes the gateway's headers: the caller's address in cf-connecting-ip. */
async function fromAddress(s: PersonaTx, address: string): Promise<void> {
  await s.rows("select set_config('request.headers', $1, true)", [JSON.stringify({ 'cf-connecting-ip': address, 'x-forwarded-for': address })]);
}

describe('checkout bounds', () => {
  it('lets one client address place at most 10 new orders a minute, refused with too_many_checkouts (HTTP 429); retries do not count', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      await fromAddress(s, '203.0.113.20');
      const one = [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 1 }];
      const keys = Array.from({ length: 10 }, () => randomUUID());
      const placed: CheckoutResult[] = [];
      for (const key of keys.slice(0, 5)) placed.push(await checkout(s, { key, items: one }));
      // Retrying an order already placed answers it again and costs nothing.
      for (let round = 0; round < 4; round++) {
        for (const [i, key] of keys.slice(0, 5).entries()) expect((await checkout(s, { key, items: one })).order_id).toBe(placed[i].order_id);
      }
      for (const key of keys.slice(5)) placed.push(await checkout(s, { key, items: one }));
      const error = await s.refused(checkoutSql, checkoutParams({ items: one }));
      expect(error).toMatchObject({ message: 'too_many_checkouts', code: 'PT429' });
      expect(error.hint).toMatch(/minute/);
      expect((await checkout(s, { key: keys[9], items: one })).order_id).toBe(placed[9].order_id);
      // Another address is not affected.
      await fromAddress(s, '198.51.100.20');
      expect((await checkout(s, { items: one })).status).toBe('paid');
      await s.asOwner();
      expect(await s.value<number>('select count(*)::int from public.orders where idempotency_key = any($1::uuid[])', [keys])).toBe(10);
    });
  });

  it('credits at most 3 orders to one visit token; later orders with it sell, unattributed', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const token = await s.value<string>('select public.track_promoter_visit($1, $2, $3::uuid)', [slugs.aLive, 'MAYA', randomUUID()]);
      const orders: CheckoutResult[] = [];
      for (let i = 0; i < 6; i++) orders.push(await checkout(s, { token, items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 10 }] }));
      expect(orders.every((order) => order.status === 'paid' && order.ticket_count === 10)).toBe(true);
      await s.asOwner();
      const attributed = await s.rows<{ order_id: string }>(
        'select order_id from public.attributions where order_id = any($1::uuid[]) order by created_at',
        [orders.map((order) => order.order_id)],
      );
      expect(attributed.map((row) => row.order_id).sort()).toEqual(orders.slice(0, 3).map((order) => order.order_id).sort());
      const totals = await s.one<{ tickets: number; orders: number }>(
        'select tickets::int, orders::int from private.promoter_totals where promoter_id = $1',
        [ids.promoters.maya],
      );
      expect(totals).toEqual({ tickets: 30, orders: 3 });
    });
  });

  it('keeps its private steps to itself: anonymous and signed-in callers cannot call them', async () => {
    const steps = [
      `select private.checkout_validate($1::uuid, 'Alex', 'alex@example.net', '[]')`,
      `select private.checkout_replay(null, $1::uuid, null, '[]', 'Alex', 'alex@example.net')`,
      `select private.checkout_referral_promoter(null::public.events, null, 'MAYA' || $1)`,
      `select private.checkout_resolve_credit(null::public.events, $1, null, null)`,
      `select private.checkout_refuse_ticket_type(null::public.ticket_types, length($1))`,
      `select private.checkout_price_lines(null, array[$1::uuid], array[1])`,
      `select private.checkout_insert_order(null::public.events, $1::uuid, 'Alex', 'alex@example.net', 0, 1, 'no_link', null, null)`,
      `select private.checkout_take_ticket_types(null, array[$1::uuid], array[1], array[0::bigint])`,
    ];
    await inRollback(testDb.db, async (s) => {
      const ordersBefore = await orderCount(s);
      for (const persona of [anonymous, people.ownerA]) {
        await s.as(persona);
        for (const sql of steps) {
          expect((await s.refused(sql, [randomUUID()])).code, `${persona.label}: ${sql}`).toBe('42501');
        }
      }
      await s.asOwner();
      expect(await orderCount(s)).toBe(ordersBefore);
    });
  });
});

describe('checkout under concurrency', () => {
  const lastTickets = (setup: (s: PersonaTx) => Promise<void>) => testDb.db.transaction((tx) => setup(new PersonaTx(tx)));

  it('never oversells the last tickets when many buyers check out at once', async () => {
    // A dedicated ticket type with 5 seats left; 12 buyers want 1 each.
    const ticketTypeId = randomUUID();
    await lastTickets(async (s) => {
      await s.rows(
        `insert into public.ticket_types (id, organization_id, event_id, name, price_minor, capacity, sold, sort_order)
         values ($1, $2, $3, 'Last Call', 1000, 5, 0, 9)`,
        [ticketTypeId, ids.orgA, ids.events.aLive],
      );
    });
    const attempts = Array.from({ length: 12 }, () =>
      checkoutParams({ items: [{ ticket_type_id: ticketTypeId, quantity: 1 }], key: randomUUID() }),
    );
    const outcomes = await runConcurrently(attempts);
    const succeeded = outcomes.filter((o) => o === 'ok').length;
    expect(succeeded).toBe(5);
    expect(outcomes.filter((o) => o === 'sold_out')).toHaveLength(7);
    const row = await testDb.db.query<{ sold: number; orders: number }>(
      `select t.sold, (select count(*)::int from public.order_items i where i.ticket_type_id = t.id) as orders
       from public.ticket_types t where t.id = $1`,
      [ticketTypeId],
    );
    expect(row.rows[0]).toEqual({ sold: 5, orders: 5 });
  });

  it('creates one order when the same idempotency key arrives several times at once', async () => {
    const key = randomUUID();
    const params = checkoutParams({ key, items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 1 }] });
    const outcomes = await runConcurrently(Array.from({ length: 6 }, () => params));
    expect(outcomes.every((o) => o === 'ok')).toBe(true);
    const orders = await testDb.db.query<{ n: number }>('select count(*)::int as n from public.orders where idempotency_key = $1', [key]);
    expect(orders.rows[0].n).toBe(1);
  });
});

/**
 * Fires the checkouts at the same time: on Postgres over separate connections as the
 * anon role (real concurrency and row locks); on the embedded engine, which has one
 * connection, as concurrent promises that the engine interleaves one transaction at
 * a time.
 */
async function runConcurrently(paramsList: unknown[][]): Promise<string[]> {
  const claims = JSON.stringify(claimsOf(anonymous));
  const attempt = async (run: (sql: string, params: unknown[]) => Promise<unknown>, params: unknown[]) => {
    try {
      await run('begin', []);
      await run("select set_config('role', 'anon', true), set_config('request.jwt.claims', $1, true)", [claims]);
      await run(checkoutSql, params);
      await run('commit', []);
      return 'ok';
    } catch (error) {
      await run('rollback', []).catch(() => undefined);
      return (error as Error).message;
    }
  };
  if (testDb.databaseUrl) {
    const clients = await Promise.all(
      paramsList.map(async () => {
        const client = new pg.Client({ connectionString: testDb.databaseUrl });
        await client.connect();
        return client;
      }),
    );
    try {
      return await Promise.all(paramsList.map((params, i) => attempt((sql, p) => clients[i].query(sql, p), params)));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }
  return Promise.all(
    paramsList.map((params) =>
      testDb.db
        .transaction(async (tx) => {
          await tx.query("select set_config('role', 'anon', true), set_config('request.jwt.claims', $1, true)", [claims]);
          await tx.query(checkoutSql, params);
          return 'ok';
        })
        .catch((error: Error) => error.message),
    ),
  );
}

/**
 * The hot on-sale path (Postgres: real row locks): every buyer of one ticket type
 * passes its row, the lock that guarantees no overselling. Checkout takes it last, so a
 * buyer waiting for it has already written everything else, and the row is held only
 * for its own update and the commit.
 */
describe.runIf(process.env.DATABASE_URL)('checkout on a hot ticket type', () => {
  async function hotTicketType(capacity: number): Promise<string> {
    const ticketTypeId = randomUUID();
    await testDb.db.query(
      `insert into public.ticket_types (id, organization_id, event_id, name, price_minor, capacity, sold, sort_order)
       values ($1, $2, $3, 'Hot', 1000, $4, 0, 9)`,
      [ticketTypeId, ids.orgA, ids.events.aLive, capacity],
    );
    return ticketTypeId;
  }

  /**
   * `change` runs in an open transaction holding the ticket type's row; a buyer checks
   * out meanwhile (with an attribution token, so the attribution, rollups and broadcast
   * are written too). `whileWaiting` sees the buyer blocked on the row; then `change`
   * commits and the buyer's outcome is returned.
   */
  async function buyWhileHeld(
    ticketTypeId: string,
    change: string,
    whileWaiting: (buyerPid: number, admin: pg.Client) => Promise<void> = async () => {},
  ): Promise<{ outcome: string; key: string }> {
    const [holder, buyer, admin] = await Promise.all(
      [0, 1, 2].map(async () => {
        const client = new pg.Client({ connectionString: testDb.databaseUrl });
        await client.connect();
        return client;
      }),
    );
    const key = randomUUID();
    try {
      await buyer.query('begin');
      await buyer.query("select set_config('role', 'anon', true), set_config('request.jwt.claims', $1, true)", [JSON.stringify(claimsOf(anonymous))]);
      const token = (await buyer.query<{ token: string }>('select public.track_promoter_visit($1, $2, $3::uuid) as token', [slugs.aLive, 'MAYA', randomUUID()])).rows[0].token;
      expect(token).toBeTruthy();
      const buyerPid = (await buyer.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
      await holder.query('begin');
      await holder.query(change, [ticketTypeId]);
      const purchase = buyer.query(checkoutSql, checkoutParams({ items: [{ ticket_type_id: ticketTypeId, quantity: 1 }], key, token })).then(
        async () => {
          await buyer.query('commit');
          return 'ok';
        },
        async (error: Error) => {
          await buyer.query('rollback');
          return error.message;
        },
      );
      // Wait (on a condition, not a clock) until the buyer is blocked by the holder.
      for (;;) {
        const { rows } = await admin.query<{ blocked: boolean }>('select cardinality(pg_blocking_pids($1)) > 0 as blocked', [buyerPid]);
        if (rows[0].blocked) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await whileWaiting(buyerPid, admin);
      await holder.query('commit');
      return { outcome: await purchase, key };
    } finally {
      await Promise.all([holder, buyer, admin].map((c) => c.end()));
    }
  }

  const written = async (ticketTypeId: string, key: string) =>
    (
      await testDb.db.query<{ orders: number; sold: number }>(
        `select (select count(*)::int from public.orders where idempotency_key = $2) as orders,
                (select sold from public.ticket_types where id = $1) as sold`,
        [ticketTypeId, key],
      )
    ).rows[0];

  it('has written the order, its items, the attribution and the rollups when it waits for the ticket type', async () => {
    const ticketTypeId = await hotTicketType(100);
    const { outcome, key } = await buyWhileHeld(ticketTypeId, 'update public.ticket_types set sold = sold where id = $1', async (pid, admin) => {
      const { rows } = await admin.query<{ name: string }>(
        `select distinct c.oid::regclass::text as name from pg_locks l join pg_class c on c.oid = l.relation
         where l.pid = $1 and l.granted and l.mode = 'RowExclusiveLock' and c.relkind in ('r', 'p')`,
        [pid],
      );
      expect(rows.map((r) => r.name)).toEqual(
        expect.arrayContaining(['orders', 'order_items', 'attributions', 'private.event_stats', 'private.promoter_daily_stats', 'private.promoter_totals']),
      );
    });
    expect(outcome).toBe('ok');
    expect(await written(ticketTypeId, key)).toEqual({ orders: 1, sold: 1 });
  });

  it('refuses with price_changed and writes nothing when the price changes while it waits for the ticket type', async () => {
    const ticketTypeId = await hotTicketType(100);
    const { outcome, key } = await buyWhileHeld(ticketTypeId, 'update public.ticket_types set price_minor = 1500 where id = $1');
    expect(outcome).toBe('price_changed');
    expect(await written(ticketTypeId, key)).toEqual({ orders: 0, sold: 0 });
  });

  it('refuses with sold_out and writes nothing when the last tickets go while it waits for the ticket type', async () => {
    const ticketTypeId = await hotTicketType(3);
    const { outcome, key } = await buyWhileHeld(ticketTypeId, 'update public.ticket_types set sold = capacity where id = $1');
    expect(outcome).toBe('sold_out');
    expect(await written(ticketTypeId, key)).toEqual({ orders: 0, sold: 3 });
  });
});
