/**
 * Where database broadcasts come from (realtime/database-broadcasts.ts): the WAL through
 * a temporary logical replication slot on a Postgres with `wal_level = logical`, NOTIFY
 * elsewhere. Both deliver after commit only and in commit order, also for a burst of
 * checkouts committed in parallel; the slot disappears with its connection; two
 * emulators on one database each deliver.
 *
 * Every wait is on a condition. Absence is proven with a later marker: deliveries are in
 * commit order, so once the marker is in, anything committed before it would be too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { openDatabase, type Database } from '../../supabase/emulator/database.ts';
import { startBroadcastSource, SLOT_PREFIX } from '../../supabase/emulator/realtime/database-broadcasts.ts';
import { startEmulator, type Emulator } from '../../supabase/emulator/server.ts';
import { startTestEmulator, userId, waitFor, type TestEmulator } from '../helpers/emulator.ts';
import { factory, sqlStore, type OnSale } from '../helpers/factory.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);

/** Subscribes a public channel and collects the `n` of what it receives, in order. */
async function listenOn(channel: RealtimeChannel): Promise<unknown[]> {
  const received: unknown[] = [];
  channel.on('broadcast', { event: '*' }, (message) => received.push((message.payload as { n?: unknown }).n));
  await new Promise<void>((resolve, reject) => {
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      else if (status !== 'CLOSED') reject(error ?? new Error(status));
    });
  });
  return received;
}

/** A public database broadcast of `payload` on `topic`, as query arguments. */
const send = (topic: string, payload: Record<string, unknown>): [string, unknown[]] => [
  `select realtime.send($1::jsonb, 'note', $2, false)`,
  [JSON.stringify(payload), topic],
];

/** This database's emulator slots, as Postgres lists them. */
async function slots(db: Database): Promise<{ slot_name: string; temporary: boolean; active_pid: number | null }[]> {
  const { rows } = await db.query<{ slot_name: string; temporary: boolean; active_pid: number | null }>(
    `select slot_name, temporary, active_pid from pg_replication_slots
     where database = current_database() and slot_name like $1`,
    [`${SLOT_PREFIX}%`],
  );
  return rows;
}

/** Two transactions on their own connections: the first to send commits last. */
async function crossedCommits(databaseUrl: string, topic: string): Promise<void> {
  const first = new pg.Client({ connectionString: databaseUrl });
  const second = new pg.Client({ connectionString: databaseUrl });
  await Promise.all([first.connect(), second.connect()]);
  try {
    await first.query('begin');
    await first.query(...send(topic, { n: 'sent first, committed second' }));
    await second.query('begin');
    await second.query(...send(topic, { n: 'sent second, committed first' }));
    await second.query('commit');
    await first.query('commit');
  } finally {
    await Promise.all([first.end(), second.end()]);
  }
}

/** Sales a channel receives (their order ids) and markers, in the order they arrive. */
async function listenForSales(channel: RealtimeChannel): Promise<string[]> {
  const received: string[] = [];
  channel.on('broadcast', { event: '*' }, (message) =>
    received.push(message.event === 'attribution' ? String((message.payload as { order_id?: unknown }).order_id) : String(message.event)),
  );
  await new Promise<void>((resolve, reject) => {
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      else if (status !== 'CLOSED') reject(error ?? new Error(status));
    });
  });
  return received;
}

/**
 * The order in which transactions commit, told apart from the emulator: on Postgres a
 * slot of its own with the test_decoding plugin (logical decoding emits transactions in
 * commit order); on the embedded engine, whose one backend runs one transaction at a
 * time, the order of the transaction ids. `read` gives the order ids of the sales
 * broadcast since `start`, in that order.
 */
async function commitOrder(emulator: TestEmulator): Promise<{ read(topic: string): Promise<string[]>; close(): Promise<void> }> {
  if (!emulator.databaseUrl) {
    return {
      read: async (topic) =>
        (
          await emulator.db.query<{ id: string }>(
            `select payload ->> 'order_id' as id from realtime.messages
             where topic = $1 and event = 'attribution' order by xmin::text::bigint`,
            [topic],
          )
        ).rows.map((row) => row.id),
      close: async () => {},
    };
  }
  const decoder = new pg.Client({ connectionString: emulator.databaseUrl });
  await decoder.connect();
  const slot = `test_commit_order_${randomUUID().replaceAll('-', '')}`;
  // Temporary: it goes with this connection.
  await decoder.query(`select pg_create_logical_replication_slot($1, 'test_decoding', true)`, [slot]);
  return {
    async read(topic) {
      const { rows } = await decoder.query<{ data: string }>('select data from pg_logical_slot_get_changes($1, null, null)', [slot]);
      return rows
        .filter((row) => row.data.startsWith('table realtime.messages') && row.data.includes(`topic[text]:'${topic}'`))
        .map((row) => /"order_id": "([0-9a-f-]{36})"/.exec(row.data)?.[1])
        .filter((id): id is string => id !== undefined);
    },
    close: () => decoder.end(),
  };
}

/**
 * `count` attributed checkouts, each with its own visit, sent at once: on Postgres each
 * on its own connection, so they commit in parallel. From SQL without request headers,
 * so no per-client limit applies. Resolves with their order ids.
 */
async function parallelCheckouts(emulator: TestEmulator, fixture: OnSale, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const visit = await emulator.db.query<{ token: string }>('select public.track_promoter_visit($1, $2, $3) as token', [
      fixture.eventSlug,
      fixture.promoCode,
      randomUUID(),
    ]);
    tokens.push(visit.rows[0]!.token);
  }
  const sql = `select public.checkout($1, $2::jsonb, 'Grace', 'grace@example.com', $3::uuid, $4) ->> 'order_id' as id`;
  const args = (token: string) => [fixture.eventSlug, JSON.stringify([{ ticket_type_id: fixture.ticketTypeId, quantity: 1 }]), randomUUID(), token];
  if (!emulator.databaseUrl) {
    return Promise.all(tokens.map(async (token) => (await emulator.db.query<{ id: string }>(sql, args(token))).rows[0]!.id));
  }
  const connections = tokens.map(() => new pg.Client({ connectionString: emulator.databaseUrl }));
  await Promise.all(connections.map((c) => c.connect()));
  try {
    return await Promise.all(connections.map(async (c, i) => (await c.query<{ id: string }>(sql, args(tokens[i]!))).rows[0]!.id));
  } finally {
    await Promise.all(connections.map((c) => c.end()));
  }
}

const BURST = 20;

/** What every delivery path must do: after commit only, in commit order. */
function deliveryContract(emulator: () => TestEmulator): void {
  it('delivers after commit only: a rolled-back transaction sends nothing', async () => {
    const topic = `room-${randomUUID()}`;
    const received = await listenOn(emulator().client().channel(topic));
    await emulator().db.transaction((tx) => tx.query(...send(topic, { n: 'rolled back' })), { rollback: true });
    await emulator().db.query(...send(topic, { n: 'marker' }));
    await waitFor(() => received.length >= 1);
    expect(received).toEqual(['marker']);
  });

  it.skipIf(!onPostgres)('delivers in commit order, not in the order of the inserts', async () => {
    const topic = `room-${randomUUID()}`;
    const received = await listenOn(emulator().client().channel(topic));
    await crossedCommits(emulator().databaseUrl!, topic);
    await emulator().db.query(...send(topic, { n: 'marker' }));
    await waitFor(() => received.length >= 3);
    expect(received).toEqual(['sent second, committed first', 'sent first, committed second', 'marker']);
  });

  it(`delivers a burst of ${BURST} checkouts committed in parallel to every member, each sale once, in commit order`, async () => {
    const owner = await emulator().signUpUser();
    const fixture = await factory(sqlStore(emulator().db)).onSale({ owner: await userId(owner) });
    const members = [owner, await emulator().signUpUser(), await emulator().signUpUser()];
    for (const member of members.slice(1)) {
      await emulator().db.query(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'member')`, [
        fixture.organizationId,
        await userId(member),
      ]);
    }
    const { data: topic } = await owner.rpc('organization_live_topic', { p_organization_id: fixture.organizationId });
    const received = await Promise.all(members.map((m) => listenForSales(m.channel(topic as string, { config: { private: true } }))));
    const commits = await commitOrder(emulator());
    try {
      const orderIds = await parallelCheckouts(emulator(), fixture, BURST);
      // A later marker on the same topic: whatever the burst sent has arrived once it has.
      await emulator().db.query(`select realtime.send('{}'::jsonb, 'marker', $1, true)`, [topic]);
      await waitFor(() => received.every((r) => r.includes('marker')), 20_000);

      const committed = await commits.read(topic as string);
      expect([...committed].sort()).toEqual([...orderIds].sort());
      for (const r of received) expect(r).toEqual([...committed, 'marker']);
    } finally {
      await commits.close();
    }
  });
}

describe('where logical WAL is not available', () => {
  it('uses NOTIFY and says why', async () => {
    const messages: string[] = [];
    const replica = {
      engine: 'postgres',
      connectionString: 'postgres://nowhere.invalid/db',
      query: async () => ({ rows: [{ wal_level: 'replica' }], rowCount: 1, fields: [] }),
    } as unknown as Database;
    const source = await startBroadcastSource({ db: replica, choice: 'auto', onBroadcast: () => {}, log: (m) => messages.push(m) });
    expect(source.kind).toBe('notify');
    expect(messages).toEqual([expect.stringContaining('wal_level is replica')]);
  });

  it('the embedded engine uses NOTIFY', async () => {
    const embedded = { engine: 'pglite' } as unknown as Database;
    const source = await startBroadcastSource({ db: embedded, choice: 'auto', onBroadcast: () => {}, log: () => {} });
    expect(source).toMatchObject({ kind: 'notify', reason: expect.stringContaining('embedded') });
  });
});

describe('NOTIFY', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({ emulator: { realtimeBroadcasts: onPostgres ? 'notify' : 'auto' } });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it.skipIf(!onPostgres)('holds no replication slot', async () => {
    expect(await slots(emulator.db)).toEqual([]);
  });

  deliveryContract(() => emulator);
});

describe.skipIf(!onPostgres)('the WAL, on a Postgres with wal_level = logical', () => {
  let emulator: TestEmulator;
  let walLevel = '';
  beforeAll(async () => {
    emulator = await startTestEmulator();
    walLevel = (await emulator.db.query<{ w: string }>(`select current_setting('wal_level') as w`)).rows[0]!.w;
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('runs on a cluster with logical WAL (CI sets wal_level = logical)', () => {
    expect(walLevel).toBe('logical');
  });

  it('reads through a temporary slot of its own, and no NOTIFY is sent', async () => {
    const held = await slots(emulator.db);
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ temporary: true, active_pid: expect.any(Number) });

    const listener = new pg.Client({ connectionString: emulator.databaseUrl });
    await listener.connect();
    try {
      const heard: string[] = [];
      listener.on('notification', (message) => heard.push(message.payload ?? ''));
      await listener.query('listen realtime_messages');
      const topic = `room-${randomUUID()}`;
      const received = await listenOn(emulator.client().channel(topic));
      await emulator.db.query(...send(topic, { n: 1 }));
      await waitFor(() => received.length === 1);
      // NOTIFYs arrive in commit order: the marker, committed later, comes after any other.
      await emulator.db.query(`select pg_notify('realtime_messages', 'marker')`);
      await waitFor(() => heard.includes('marker'));
      expect(heard).toEqual(['marker']);
    } finally {
      await listener.end();
    }
  });

  deliveryContract(() => emulator);

  it('loses nothing when the replication connection dies: NOTIFY covers until a new slot streams', async () => {
    const [held] = await slots(emulator.db);
    const topic = `room-${randomUUID()}`;
    const received = await listenOn(emulator.client().channel(topic));
    await emulator.db.query('select pg_terminate_backend($1)', [held!.active_pid]);
    // The temporary slot went with its connection.
    const gone = async () => !(await slots(emulator.db)).some((slot) => slot.slot_name === held!.slot_name);
    await waitForAsync(gone);
    await emulator.db.query(...send(topic, { n: 'while reconnecting' }));
    await waitForAsync(async () => (await slots(emulator.db)).some((slot) => slot.active_pid !== null));
    await emulator.db.query(...send(topic, { n: 'after' }));
    await waitFor(() => received.length >= 2);
    expect(received).toEqual(['while reconnecting', 'after']);
  });

  it('two emulators on one database each deliver, each from its own slot, and a stopped one leaves no slot', async () => {
    const secondDb = await openDatabase({ databaseUrl: emulator.databaseUrl! });
    let second: Emulator | undefined = await startEmulator({ db: secondDb, port: 0, authRateLimit: false });
    try {
      expect(await slots(emulator.db)).toHaveLength(2);
      const topic = `room-${randomUUID()}`;
      const first = await listenOn(emulator.client().channel(topic));
      const { createClient } = await import('@supabase/supabase-js');
      const { WebSocket } = await import('ws');
      const client = createClient(second.url, second.anonKey, {
        auth: { persistSession: false, autoRefreshToken: false },
        realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
      });
      const other = await listenOn(client.channel(topic));
      await emulator.db.query(...send(topic, { n: 1 }));
      await waitFor(() => first.length === 1 && other.length === 1);
      expect(other).toEqual([1]);
      await client.removeAllChannels();
      client.realtime.disconnect();
      await second.stop();
      second = undefined;
      // stop() returns once Postgres has dropped the slot.
      expect(await slots(emulator.db)).toHaveLength(1);
    } finally {
      await second?.stop();
      await secondDb.close();
    }
  });
});

async function waitForAsync(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > timeoutMs) throw new Error('Timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
