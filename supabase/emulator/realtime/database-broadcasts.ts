/**
 * Where broadcasts from the database come from: rows inserted into realtime.messages
 * (realtime.send, realtime.broadcast_changes), delivered after commit only, in commit
 * order.
 *
 * - On a Postgres with `wal_level = logical`, as hosted Realtime does: the inserts are
 *   read from the write-ahead log through a temporary logical replication slot of this
 *   server (built-in `pgoutput`, publication `emulator_realtime_messages`). Logical
 *   decoding sends a transaction only once it has committed, and transactions in commit
 *   order; nothing is serialized at commit. The slot is TEMPORARY: Postgres drops it
 *   when its connection ends, so a stopped or crashed emulator never leaves a slot that
 *   holds WAL back. Each emulator has its own slot, so two on one database both deliver.
 * - Elsewhere (the embedded engine, a Postgres without logical WAL, or when asked):
 *   NOTIFY from a trigger on realtime.messages (bootstrap.sql), which Postgres sends on
 *   commit only — but under a database-wide lock taken by every notifying commit. The
 *   trigger stays silent while an emulator's slot exists, and speaks again once none is
 *   left (so a lost replication connection falls back by itself until it is back).
 */
import { randomBytes } from 'node:crypto';
import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import pg from 'pg';
import { z } from 'zod';
import type { Database } from '../database.ts';

/** A committed row of realtime.messages, as the fan-out needs it. */
export interface DatabaseBroadcast {
  id: string;
  topic: string;
  event: string;
  isPrivate: boolean;
  /** Undefined when the NOTIFY left it out (too large): read back by id. */
  payload?: unknown;
}

/** `auto`: the WAL where Postgres allows it, NOTIFY otherwise; `notify`: NOTIFY always. */
export type BroadcastSourceChoice = 'auto' | 'notify';

export interface BroadcastSource {
  readonly kind: 'wal' | 'notify';
  /** Why NOTIFY is used, when it is. */
  readonly reason?: string;
  /** Ends the replication connection, which drops the slot. */
  close(): Promise<void>;
}

export interface BroadcastSourceDeps {
  db: Database;
  choice: BroadcastSourceChoice;
  onBroadcast: (message: DatabaseBroadcast) => void;
  log: (message: string, error?: unknown) => void;
}

/** The publication the slot decodes: inserts into realtime.messages, under the parent's name. */
export const PUBLICATION = 'emulator_realtime_messages';
/** Slot names the NOTIFY trigger looks for (bootstrap.sql). */
export const SLOT_PREFIX = 'emulator_realtime_';
/** Waits between reconnection attempts after the replication connection is lost. */
const RECONNECT_MS = [100, 500, 1000, 5000];

const notification = z.object({
  id: z.string(),
  topic: z.string(),
  event: z.string().nullable(),
  private: z.boolean().nullable(),
  payload: z.unknown().optional(),
});

/**
 * Remembers the last `limit` message ids: true the first time an id is seen. While a
 * new slot becomes consistent, a message may come both as a NOTIFY (its insert ran
 * before the slot was ready) and from the WAL (it committed after); it is sent once.
 */
export function firstDelivery(limit = 4096): (id: string) => boolean {
  const seen = new Set<string>();
  return (id) => {
    if (seen.has(id)) return false;
    seen.add(id);
    if (seen.size > limit) seen.delete(seen.values().next().value!);
    return true;
  };
}

/** A `realtime_messages` NOTIFY of a broadcast; undefined for anything else. */
export function parseBroadcastNotification(value: unknown): DatabaseBroadcast | undefined {
  const parsed = notification.safeParse(value);
  if (!parsed.success) return undefined;
  const { id, topic, event, payload } = parsed.data;
  return { id, topic, event: event ?? '', isPrivate: parsed.data.private === true, payload: payload ?? undefined };
}

/** A decoded insert into realtime.messages, when it is a broadcast. */
export function broadcastFromInsert(message: Pgoutput.Message): DatabaseBroadcast | undefined {
  if (message.tag !== 'insert' || message.relation.schema !== 'realtime' || message.relation.name !== 'messages') return undefined;
  const row = message.new as Record<string, unknown>;
  if (row.extension !== 'broadcast' || row.payload === null || row.payload === undefined) return undefined;
  return {
    id: String(row.id),
    topic: String(row.topic),
    event: typeof row.event === 'string' ? row.event : '',
    isPrivate: row.private === true,
    payload: row.payload,
  };
}

/** Why the WAL cannot be used on this database, or undefined when it can. */
async function walUnavailable(db: Database, choice: BroadcastSourceChoice): Promise<string | undefined> {
  if (choice === 'notify') return 'NOTIFY was asked for';
  if (db.engine !== 'postgres' || !db.connectionString) return 'the embedded engine has no logical replication';
  const { rows } = await db.query<{ wal_level: string }>(`select current_setting('wal_level') as wal_level`);
  const level = rows[0]?.wal_level;
  if (level !== 'logical') return `wal_level is ${level} (set wal_level = logical to read them from the WAL)`;
  return undefined;
}

/** Creates the publication once per database; a concurrent creation by another emulator is fine. */
async function ensurePublication(db: Database): Promise<void> {
  const { rows } = await db.query('select 1 from pg_catalog.pg_publication where pubname = $1', [PUBLICATION]);
  if (rows.length > 0) return;
  try {
    await db.exec(
      `create publication ${PUBLICATION} for table realtime.messages ` +
        `with (publish = 'insert', publish_via_partition_root = true)`,
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 42710: created meanwhile by another emulator; 23505: the same race on the catalog.
    if (code !== '42710' && code !== '23505') throw error;
  }
}

/** pgoutput on a slot it creates itself, TEMPORARY, on the replication connection. */
class TemporarySlotPlugin extends PgoutputPlugin {
  override async start(client: pg.Client, slotName: string, lastLsn: string): Promise<unknown> {
    await client.query(`CREATE_REPLICATION_SLOT ${pg.escapeIdentifier(slotName)} TEMPORARY LOGICAL pgoutput NOEXPORT_SNAPSHOT`);
    return super.start(client, slotName, lastLsn);
  }
}

/**
 * Waits until Postgres has dropped the temporary slot of a closed connection (its
 * walsender exits a moment after the client), so that a database can be dropped at once.
 */
async function slotDropped(db: Database, slot: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await db.query('select 1 from pg_catalog.pg_replication_slots where slot_name = $1', [slot]);
    if (rows.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Streams committed inserts of realtime.messages; resolves once the stream is live. */
async function startWal(connectionString: string, deps: BroadcastSourceDeps): Promise<BroadcastSource> {
  // Received positions are confirmed every 10 s and whenever the server asks: a
  // temporary slot only needs them so that Postgres can recycle its WAL.
  const service = new LogicalReplicationService({ connectionString }, { acknowledge: { auto: false, timeoutSeconds: 10 } });
  const plugin = new TemporarySlotPlugin({ protoVersion: 1, publicationNames: [PUBLICATION] });
  let closed = false;
  let live = false;
  let slot = '';
  let attempt = 0;
  let retry: NodeJS.Timeout | undefined;

  service.on('data', (_lsn: string, message: Pgoutput.Message) => {
    const broadcast = broadcastFromInsert(message);
    if (broadcast) deps.onBroadcast(broadcast);
  });
  service.on('heartbeat', (lsn: string, _timestamp: number, shouldRespond: boolean) => {
    if (shouldRespond) void service.acknowledge(lsn);
  });
  // Failures are reported through subscribe()'s rejection.
  service.on('error', () => {});

  /** Opens a new slot and streams from it; rejects when the stream does not start. */
  const subscribe = () =>
    new Promise<void>((resolve, reject) => {
      slot = SLOT_PREFIX + randomBytes(8).toString('hex');
      const started = () => {
        live = true;
        attempt = 0;
        resolve();
      };
      service.once('start', started);
      service.subscribe(plugin, slot).then(
        () => reconnect(new Error('the replication stream ended')),
        (error: unknown) => {
          service.off('start', started);
          reject(error instanceof Error ? error : new Error(String(error)));
          if (live) reconnect(error);
        },
      );
    });

  // A lost connection dropped its slot, so the NOTIFY trigger delivers meanwhile; a
  // new slot takes over once the connection is back.
  function reconnect(error: unknown): void {
    if (closed || retry) return;
    deps.log('the replication stream of realtime.messages stopped; NOTIFY delivers until it is back', error);
    const wait = RECONNECT_MS[Math.min(attempt++, RECONNECT_MS.length - 1)]!;
    retry = setTimeout(() => {
      retry = undefined;
      subscribe().catch(() => {});
    }, wait);
    retry.unref();
  }

  try {
    await subscribe();
  } catch (error) {
    await service.destroy();
    throw error;
  }
  return {
    kind: 'wal',
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await service.destroy();
      await slotDropped(deps.db, slot);
    },
  };
}

/**
 * Starts reading database broadcasts from the WAL where Postgres allows it. Resolves
 * with the NOTIFY source (the service's listener does the work) and logs why once
 * otherwise, or when the replication stream cannot start.
 */
export async function startBroadcastSource(deps: BroadcastSourceDeps): Promise<BroadcastSource> {
  const notify = (reason: string): BroadcastSource => {
    deps.log(`database broadcasts use NOTIFY: ${reason}`);
    return { kind: 'notify', reason, close: async () => {} };
  };
  const reason = await walUnavailable(deps.db, deps.choice);
  if (reason) return notify(reason);
  try {
    await ensurePublication(deps.db);
    return await startWal(deps.db.connectionString!, deps);
  } catch (error) {
    deps.log('logical replication could not start', error);
    return notify(`logical replication could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
}
