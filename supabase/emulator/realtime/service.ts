/**
 * Supabase Realtime over Phoenix channels (`/realtime/v1/websocket`, vsn 1.0.0 and
 * 2.0.0), split as Realtime is:
 * - socket.ts: the upgrade, heartbeats, frames routed to channels;
 * - channels.ts: the server's state (sockets, channels per topic) and writing frames;
 * - join.ts + tokens.ts: joining, and authorization by token and by the RLS policies
 *   on realtime.messages (at join and with each new access token);
 * - broadcast.ts: client, REST and database broadcasts fanned out to a topic;
 * - presence.ts: track, untrack, state and diffs;
 * - postgres-changes.ts: row changes of published tables, after commit;
 * - database-broadcasts.ts + deliveries.ts: realtime.send from the database, read from
 *   the WAL (or NOTIFY), delivered after commit in commit order.
 * This module puts them together and keeps realtime.messages' daily partitions.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Database } from '../database.ts';
import type { Reply, ServiceRequest } from '../http.ts';
import type { ProjectKeys } from '../jwt.ts';
import { handleBroadcastHttp } from './broadcast.ts';
import type { Log, RealtimeContext } from './channels.ts';
import { startBroadcastSource, type BroadcastSource, type BroadcastSourceChoice } from './database-broadcasts.ts';
import { createDeliveries } from './deliveries.ts';
import { createPostgresChanges } from './postgres-changes.ts';
import { handleUpgrade } from './socket.ts';

export interface RealtimeServiceOptions {
  db: Database;
  keys: ProjectKeys;
  logErrors: boolean;
  /** Where database broadcasts are read from; default `auto` (the WAL where possible). */
  broadcastSource?: BroadcastSourceChoice;
}

export interface RealtimeService {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  handleHttp(request: ServiceRequest): Promise<Reply>;
  /** A `realtime_messages` NOTIFY payload that reached the emulator some other way. */
  deliverNotification(payload: string): void;
  /** How database broadcasts reach this server: `wal` or `notify`. */
  readonly broadcastSource: BroadcastSource['kind'];
  close(): Promise<void>;
}

const MAX_FRAME_BYTES = 1024 * 1024;
/** How often the daily partitions of realtime.messages are created and dropped. */
const PARTITION_MAINTENANCE_MS = 60 * 60 * 1000;

/**
 * Daily partitions of realtime.messages, kept as the platform's realtime service keeps
 * them: on start, then every hour. Returns the stop function.
 */
async function maintainPartitions(db: Database, log: Log): Promise<() => void> {
  const maintain = () =>
    db.query('select realtime.emulator_maintain_partitions()').then(
      () => undefined,
      (error: unknown) => log('realtime.messages partition maintenance failed', error),
    );
  await maintain();
  const timer = setInterval(() => void maintain(), PARTITION_MAINTENANCE_MS);
  timer.unref();
  return () => clearInterval(timer);
}

export async function createRealtimeService(options: RealtimeServiceOptions): Promise<RealtimeService> {
  const { db, keys, logErrors } = options;
  const log: Log = (message, error) => {
    if (!logErrors) return;
    if (error === undefined) console.error(`[emulator] realtime: ${message}`);
    else console.error(`[emulator] realtime: ${message}`, error);
  };
  const ctx: RealtimeContext = {
    db,
    keys,
    log,
    connections: new Set(),
    registry: new Map(),
    presenceMetas: new WeakMap(),
    postgresChanges: createPostgresChanges(db, log),
  };
  // No compression: fan-out writes ready-made frames to the sockets (channels.ts sendFrame).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  const deliveries = createDeliveries(ctx);

  // Triggers also follow publication changes by themselves; this covers databases
  // prepared before the capture existed.
  await ctx.postgresChanges.sync().catch((error: unknown) => log('postgres_changes capture setup failed', error));
  const unlisten = await db.listen('realtime_messages', deliveries.notification);
  const source = await startBroadcastSource({ db, choice: options.broadcastSource ?? 'auto', onBroadcast: deliveries.broadcast, log });
  const stopMaintenance = await maintainPartitions(db, log);

  return {
    deliverNotification: deliveries.notification,
    broadcastSource: source.kind,
    handleUpgrade: (request, socket, head) => handleUpgrade(ctx, wss, request, socket, head),
    handleHttp: (request) => handleBroadcastHttp(ctx, request),
    async close() {
      stopMaintenance();
      await source.close();
      await unlisten();
      for (const connection of ctx.connections) {
        connection.closed = true;
        connection.ws.terminate();
      }
      ctx.connections.clear();
      ctx.registry.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await deliveries.drained();
    },
  };
}
