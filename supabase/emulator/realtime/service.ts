/**
 * Supabase Realtime over Phoenix channels (`/realtime/v1/websocket`, vsn 2.0.0):
 * heartbeat, join/leave, token updates, client broadcast (text or binary) with self and
 * ack, presence, private channels authorized by RLS on realtime.messages, broadcasts
 * from the database (realtime.send → NOTIFY after commit), and the REST broadcast API.
 *
 * postgres_changes: bindings are echoed in the join reply with their ids, and row changes
 * of published tables are delivered after commit (see postgres-changes.ts).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import type { Database } from '../database.ts';
import { json, type Reply, type ServiceRequest } from '../http.ts';
import {
  API_ROLES,
  JwtError,
  apiKeyRole,
  bearerToken,
  claimsForBearer,
  isOpaqueKey,
  verifyJwt,
  type Claims,
  type ProjectKeys,
} from '../jwt.ts';
import { AuthorizationUnavailable, canRead, canWrite, type Extension } from './authorization.ts';
import { decodeBinary, decodeText, encode, encodeBinaryBroadcast, SERIALIZERS, type Frame, type Serializer } from './frames.ts';
import {
  firstDelivery,
  parseBroadcastNotification,
  startBroadcastSource,
  type BroadcastSource,
  type BroadcastSourceChoice,
  type DatabaseBroadcast,
} from './database-broadcasts.ts';
import {
  FilterSyntaxError,
  createPostgresChanges,
  isChangeNotification,
  parseFilter,
  type PostgresBinding,
  type Subscriber,
} from './postgres-changes.ts';

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
const TOPIC_PREFIX = 'realtime:';
/** Realtime's default per-socket channel limit; more is a runaway client. */
const MAX_CHANNELS_PER_SOCKET = 100;
/** setTimeout cannot wait longer than this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Channel {
  connection: Connection;
  topic: string;
  subTopic: string;
  joinRef: string | null;
  isPrivate: boolean;
  claims: Claims;
  token: string;
  self: boolean;
  ack: boolean;
  presenceKey: string;
  presenceEnabled: boolean;
  /**
   * Read permission per extension, from the policies at join and re-evaluated with each
   * new access token (as Realtime does); a private channel without broadcast read gets
   * no broadcasts.
   */
  readable: { broadcast: boolean; presence: boolean };
  /** Write permission per extension, checked once per channel as Realtime caches it. */
  writable: Map<Extension, boolean>;
  presenceRefs: string[];
  /** postgres_changes bindings that receive row changes; empty when setup failed. */
  bindings: PostgresBinding[];
  expiry?: NodeJS.Timeout;
}

interface Connection {
  ws: WebSocket;
  /** The `vsn` the client connected with: how its frames are read and written. */
  serializer: Serializer;
  apiKey: string;
  channels: Map<string, Channel>;
  /** Frames are handled one at a time, so a join finishes before what follows it. */
  queue: Promise<void>;
  closed: boolean;
}

const joinConfig = z.object({
  broadcast: z.object({ self: z.boolean().optional(), ack: z.boolean().optional() }).partial().optional().nullable(),
  presence: z.object({ key: z.string().optional(), enabled: z.boolean().optional() }).partial().optional().nullable(),
  postgres_changes: z
    .array(
      z
        .object({
          event: z.string(),
          schema: z.string(),
          table: z.string().optional(),
          filter: z.string().optional(),
          select: z.array(z.string()).optional(),
        })
        .loose(),
    )
    .optional()
    .nullable(),
  private: z.boolean().optional().nullable(),
});

const joinPayload = z
  .object({
    config: joinConfig.optional().nullable(),
    access_token: z.string().optional().nullable(),
  })
  .loose();

const restMessages = z.object({
  messages: z
    .array(
      z.object({
        topic: z.string().min(1),
        event: z.string().min(1),
        payload: z.unknown().optional(),
        private: z.boolean().optional(),
      }),
    )
    .max(1000),
});

/** A stable integer per binding, as Realtime's phash2 of the parameters. */
function bindingId(binding: Record<string, unknown>): number {
  const text = JSON.stringify([binding.event, binding.schema, binding.table ?? null, binding.filter ?? null, binding.select ?? null]);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7ffffff;
}

function registryKey(isPrivate: boolean, subTopic: string): string {
  return `${isPrivate ? 'private' : 'public'}:${subTopic}`;
}

/** How often the daily partitions of realtime.messages are created and dropped. */
const PARTITION_MAINTENANCE_MS = 60 * 60 * 1000;

type TokenCheck = { ok: true; claims: Claims } | { ok: false; reason: string };

export async function createRealtimeService(options: RealtimeServiceOptions): Promise<RealtimeService> {
  const { db, keys, logErrors } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const connections = new Set<Connection>();
  const registry = new Map<string, Set<Channel>>();

  function log(message: string, error?: unknown): void {
    if (!logErrors) return;
    if (error === undefined) console.error(`[emulator] realtime: ${message}`);
    else console.error(`[emulator] realtime: ${message}`, error);
  }

  /** Realtime's token rules: an opaque key gives its role; a JWT needs a role and an expiry. */
  async function checkToken(token: string): Promise<TokenCheck> {
    if (isOpaqueKey(token)) {
      const role = await apiKeyRole(token, keys);
      return role ? { ok: true, claims: { role } } : { ok: false, reason: 'InvalidJWTToken: Invalid API key' };
    }
    let claims: Record<string, unknown>;
    try {
      claims = await verifyJwt(token, keys.jwtSecret);
    } catch (error) {
      if (error instanceof JwtError) {
        const reason = error.reason === 'expired' ? 'Token has expired' : error.message;
        return { ok: false, reason: `InvalidJWTToken: ${reason}` };
      }
      throw error;
    }
    if (typeof claims.role !== 'string' || typeof claims.exp !== 'number') {
      return { ok: false, reason: 'InvalidJWTToken: Fields `role` and `exp` are required in JWT' };
    }
    if (!API_ROLES.has(claims.role)) return { ok: false, reason: `InvalidJWTToken: Invalid role ${claims.role}` };
    return { ok: true, claims: claims as Claims };
  }

  function sendText(connection: Connection, text: string): void {
    if (connection.closed || connection.ws.readyState !== connection.ws.OPEN) return;
    connection.ws.send(text, (error) => {
      if (error) log('send failed', error);
    });
  }

  function reply(connection: Connection, frame: Frame, status: 'ok' | 'error', response: Record<string, unknown>): void {
    sendText(connection, encode(frame.joinRef, frame.ref, frame.topic, 'phx_reply', { status, response }, connection.serializer));
  }

  function push(channel: Channel, event: string, payload: unknown): void {
    sendText(channel.connection, encode(channel.joinRef, null, channel.topic, event, payload, channel.connection.serializer));
  }

  function unregister(channel: Channel): void {
    if (channel.expiry) clearTimeout(channel.expiry);
    const key = registryKey(channel.isPrivate, channel.subTopic);
    const members = registry.get(key);
    members?.delete(channel);
    if (members && members.size === 0) registry.delete(key);
    if (channel.connection.channels.get(channel.topic) === channel) channel.connection.channels.delete(channel.topic);
    if (channel.presenceRefs.length > 0 && members) {
      const leaves = { [channel.presenceKey]: { metas: channel.presenceRefs.map((ref) => ({ phx_ref: ref })) } };
      channel.presenceRefs = [];
      for (const member of members) push(member, 'presence_diff', { joins: {}, leaves });
    }
  }

  /** Ends a channel from the server side, as Realtime does when its token is no longer good. */
  function closeChannel(channel: Channel, message: string): void {
    push(channel, 'system', { extension: 'system', status: 'error', message, channel: channel.subTopic });
    sendText(
      channel.connection,
      encode(channel.joinRef, channel.joinRef, channel.topic, 'phx_close', {}, channel.connection.serializer),
    );
    unregister(channel);
  }

  function scheduleExpiry(channel: Channel): void {
    if (channel.expiry) clearTimeout(channel.expiry);
    channel.expiry = undefined;
    const exp = channel.claims.exp;
    if (typeof exp !== 'number') return;
    const delay = Math.min(Math.max(exp * 1000 - Date.now(), 0), MAX_TIMER_MS);
    channel.expiry = setTimeout(() => closeChannel(channel, 'Token has expired'), delay);
    channel.expiry.unref();
  }

  async function join(connection: Connection, frame: Frame): Promise<void> {
    const subTopic = frame.topic.slice(TOPIC_PREFIX.length);
    if (subTopic === '') {
      reply(connection, frame, 'error', { reason: 'TopicNameRequired: You must provide a topic name' });
      return;
    }
    if (!connection.channels.has(frame.topic) && connection.channels.size >= MAX_CHANNELS_PER_SOCKET) {
      reply(connection, frame, 'error', { reason: 'ChannelRateLimitReached: Too many channels' });
      return;
    }
    const parsed = joinPayload.safeParse(frame.payload);
    if (!parsed.success) {
      reply(connection, frame, 'error', { reason: 'MalformedJoin: The join payload is not valid' });
      return;
    }
    const config = parsed.data.config ?? {};
    const token = parsed.data.access_token || connection.apiKey;
    const checked = await checkToken(token);
    if (!checked.ok) {
      reply(connection, frame, 'error', { reason: checked.reason });
      return;
    }
    const isPrivate = config.private === true;
    const presenceEnabled = config.presence?.enabled === true;
    let readable = { broadcast: true, presence: true };
    if (isPrivate) {
      try {
        readable = await canRead(db, checked.claims, subTopic, presenceEnabled);
      } catch (error) {
        if (!(error instanceof AuthorizationUnavailable)) throw error;
        // No answer from the database is not a refusal: say so, as Realtime does.
        log('channel authorization failed', error.cause);
        reply(connection, frame, 'error', { reason: error.message });
        return;
      }
      if (!readable.broadcast && !readable.presence) {
        reply(connection, frame, 'error', {
          reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}`,
        });
        return;
      }
    }

    // A second join of the same topic on one socket replaces the first.
    const previous = connection.channels.get(frame.topic);
    if (previous) unregister(previous);

    // The reply echoes each binding verbatim plus its id; the client compares them.
    const echoed = (config.postgres_changes ?? []).map((binding) => ({ ...binding, id: bindingId(binding) }));
    let setupError: string | undefined;
    let bindings: PostgresBinding[];
    try {
      bindings = echoed.map((binding) => ({
        id: binding.id,
        event: binding.event,
        schema: binding.schema,
        table: binding.table,
        filter: binding.filter,
        select: binding.select,
        conditions: parseFilter(binding.filter),
      }));
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
      setupError = `Error parsing \`filter\` params: ${error.message}`;
      bindings = [];
    }
    const channel: Channel = {
      connection,
      topic: frame.topic,
      subTopic,
      joinRef: frame.joinRef,
      isPrivate,
      claims: checked.claims,
      token,
      self: config.broadcast?.self === true,
      ack: config.broadcast?.ack === true,
      presenceKey: config.presence?.key || randomUUID(),
      presenceEnabled,
      readable,
      writable: new Map(),
      presenceRefs: [],
      bindings: [],
    };
    connection.channels.set(frame.topic, channel);
    const key = registryKey(isPrivate, subTopic);
    let members = registry.get(key);
    if (!members) {
      members = new Set();
      registry.set(key, members);
    }
    members.add(channel);
    scheduleExpiry(channel);

    // Bindings are live before the reply, so a change made right after SUBSCRIBED is
    // never missed (hosted Realtime has a short window here; tests should not).
    if (echoed.length > 0 && !setupError) {
      setupError = await postgresChanges.validate(bindings, checked.claims).catch((error: unknown) => {
        log('postgres_changes setup failed', error);
        return 'The database could not be reached';
      });
      if (!setupError) channel.bindings = bindings;
    }
    reply(connection, frame, 'ok', { postgres_changes: echoed });
    if (echoed.length > 0) {
      push(
        channel,
        'system',
        setupError
          ? {
              extension: 'postgres_changes',
              status: 'error',
              message: `Unable to subscribe to changes with given parameters. ${setupError}`,
              channel: subTopic,
            }
          : { extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: subTopic },
      );
    }
    if (presenceEnabled) push(channel, 'presence_state', presenceState(members));
  }

  function presenceState(members: Set<Channel>): Record<string, { metas: Record<string, unknown>[] }> {
    const state: Record<string, { metas: Record<string, unknown>[] }> = {};
    for (const member of members) {
      for (const meta of presenceMetas.get(member) ?? []) {
        (state[member.presenceKey] ??= { metas: [] }).metas.push(meta);
      }
    }
    return state;
  }

  const presenceMetas = new WeakMap<Channel, Record<string, unknown>[]>();

  async function allowedToWrite(channel: Channel, extension: Extension): Promise<boolean> {
    if (!channel.isPrivate) return true;
    let allowed = channel.writable.get(extension);
    if (allowed === undefined) {
      try {
        allowed = await canWrite(db, channel.claims, channel.subTopic, extension);
      } catch (error) {
        if (!(error instanceof AuthorizationUnavailable)) throw error;
        // Not remembered: the next message asks the database again.
        log('channel authorization failed', error.cause);
        return false;
      }
      channel.writable.set(extension, allowed);
    }
    return allowed;
  }

  function fanOut(
    isPrivate: boolean,
    subTopic: string,
    message: { event: string; payload: unknown; meta?: Record<string, unknown> },
    sender?: Channel,
  ): void {
    const members = registry.get(registryKey(isPrivate, subTopic));
    if (!members) return;
    const topic = TOPIC_PREFIX + subTopic;
    let binary: Buffer | undefined;
    let body: Record<string, unknown> | undefined;
    if (Buffer.isBuffer(message.payload)) {
      binary = encodeBinaryBroadcast(topic, message.event, message.meta ? JSON.stringify(message.meta) : '', message.payload);
    } else {
      body = { type: 'broadcast', event: message.event, payload: message.payload };
      if (message.meta) body.meta = message.meta;
    }
    // Encoded once per serializer in use, not once per member.
    const texts = new Map<Serializer, string>();
    for (const member of members) {
      if (member === sender && !member.self) continue;
      // Realtime ignores broadcasts for a channel whose policies do not allow reading them.
      if (!member.readable.broadcast) continue;
      const serializer = member.connection.serializer;
      if (body) {
        let text = texts.get(serializer);
        if (text === undefined) {
          text = encode(null, null, topic, 'broadcast', body, serializer);
          texts.set(serializer, text);
        }
        sendText(member.connection, text);
      } else if (binary && serializer === '2.0.0' && !member.connection.closed) {
        // The 1.0.0 serializer is text only: raw bytes cannot reach such a socket.
        member.connection.ws.send(binary);
      }
    }
  }

  async function broadcast(connection: Connection, frame: Frame, channel: Channel): Promise<void> {
    const event = frame.payload.event;
    if (typeof event !== 'string' || event === '') return;
    if (!(await allowedToWrite(channel, 'broadcast'))) return;
    fanOut(channel.isPrivate, channel.subTopic, { event, payload: frame.payload.payload ?? {} }, channel);
    if (channel.ack && frame.ref !== null) reply(connection, frame, 'ok', {});
  }

  async function presence(connection: Connection, frame: Frame, channel: Channel): Promise<void> {
    const event = frame.payload.event;
    const members = registry.get(registryKey(channel.isPrivate, channel.subTopic));
    if (!members) return;
    if (event === 'track') {
      if (!(await allowedToWrite(channel, 'presence'))) {
        reply(connection, frame, 'error', { reason: 'Unauthorized: You do not have permissions to track presence' });
        return;
      }
      const raw = frame.payload.payload;
      const state = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
      const leaves = channel.presenceRefs.length
        ? { [channel.presenceKey]: { metas: channel.presenceRefs.map((ref) => ({ phx_ref: ref })) } }
        : {};
      const ref = randomUUID();
      const meta = { phx_ref: ref, ...state };
      channel.presenceRefs = [ref];
      presenceMetas.set(channel, [meta]);
      reply(connection, frame, 'ok', {});
      for (const member of members) {
        push(member, 'presence_diff', { joins: { [channel.presenceKey]: { metas: [meta] } }, leaves });
      }
    } else if (event === 'untrack') {
      const leaves = { [channel.presenceKey]: { metas: presenceMetas.get(channel) ?? [] } };
      channel.presenceRefs = [];
      presenceMetas.delete(channel);
      reply(connection, frame, 'ok', {});
      for (const member of members) push(member, 'presence_diff', { joins: {}, leaves });
    } else {
      reply(connection, frame, 'error', { reason: 'Unknown presence event' });
    }
  }

  async function accessToken(channel: Channel, frame: Frame): Promise<void> {
    const token = frame.payload.access_token;
    if (typeof token !== 'string' || token === '' || isOpaqueKey(token) || token === channel.token) return;
    const checked = await checkToken(token);
    if (!checked.ok) {
      closeChannel(channel, checked.reason);
      return;
    }
    if (channel.isPrivate) {
      // The policies are evaluated again with the new token, as on Realtime: no read at
      // all ends the channel, and so does losing a read the previous token had.
      let access: Awaited<ReturnType<typeof canRead>>;
      try {
        access = await canRead(db, checked.claims, channel.subTopic, channel.presenceEnabled);
      } catch (error) {
        if (!(error instanceof AuthorizationUnavailable)) throw error;
        // The database did not answer: the channel keeps its current token and access.
        log('channel authorization failed', error.cause);
        return;
      }
      if (!access.broadcast && !access.presence) {
        closeChannel(channel, `You do not have permissions to read from this Channel topic: ${channel.subTopic}`);
        return;
      }
      const revoked =
        (channel.readable.broadcast && !access.broadcast) || (channel.readable.presence && !access.presence);
      if (revoked) {
        closeChannel(channel, `You no longer have permission to read from this Channel topic: ${channel.subTopic}`);
        return;
      }
      channel.readable = access;
    }
    channel.claims = checked.claims;
    channel.token = token;
    channel.writable.clear();
    scheduleExpiry(channel);
  }

  async function handleFrame(connection: Connection, frame: Frame): Promise<void> {
    if (frame.topic === 'phoenix') {
      if (frame.event === 'heartbeat') reply(connection, frame, 'ok', {});
      return;
    }
    if (!frame.topic.startsWith(TOPIC_PREFIX)) {
      reply(connection, frame, 'error', { reason: 'unmatched topic' });
      return;
    }
    if (frame.event === 'phx_join') {
      await join(connection, frame);
      return;
    }
    const channel = connection.channels.get(frame.topic);
    if (!channel) {
      if (frame.event !== 'phx_leave') reply(connection, frame, 'error', { reason: 'unmatched topic' });
      else reply(connection, frame, 'ok', {});
      return;
    }
    switch (frame.event) {
      case 'phx_leave':
        reply(connection, frame, 'ok', {});
        unregister(channel);
        return;
      case 'access_token':
        await accessToken(channel, frame);
        return;
      case 'broadcast':
        await broadcast(connection, frame, channel);
        return;
      case 'presence':
        await presence(connection, frame, channel);
        return;
      default:
        // Unknown events are ignored, as Realtime ignores them.
        return;
    }
  }

  function onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    // Binary frames are a 2.0.0 feature; a 1.0.0 socket sends text only.
    const frame = isBinary
      ? connection.serializer === '2.0.0'
        ? decodeBinary(buffer)
        : undefined
      : decodeText(buffer.toString('utf8'), connection.serializer);
    // Garbage is dropped: one bad frame must not cost the socket or the process.
    if (!frame) return;
    connection.queue = connection.queue
      .then(() => handleFrame(connection, frame))
      .catch((error: unknown) => log('frame handling failed', error));
  }

  function onClose(connection: Connection): void {
    connection.closed = true;
    connections.delete(connection);
    for (const channel of [...connection.channels.values()]) unregister(channel);
  }

  function rejectUpgrade(socket: Duplex, status: number, message: string): void {
    const body = JSON.stringify({ error: message, message });
    const reason = status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Bad Request';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  // Database broadcasts, after commit only and in commit order (database-broadcasts.ts):
  // from the WAL or from NOTIFY. A NOTIFY may leave a large payload out; it is read
  // back by id. Deliveries are handled one after the other.
  let delivery = Promise.resolve();
  const isFirstDelivery = firstDelivery();
  const deliverBroadcast = (message: DatabaseBroadcast): void => {
    if (!isFirstDelivery(message.id)) return;
    delivery = delivery
      .then(async () => {
        let payload = message.payload;
        if (payload === undefined) {
          const row = await db.query<{ payload: unknown }>('select payload from realtime.messages where id = $1', [message.id]);
          payload = row.rows[0]?.payload;
          if (payload === undefined || payload === null) return;
        }
        fanOut(message.isPrivate, message.topic, { event: message.event, payload, meta: { id: message.id } });
      })
      .catch((error: unknown) => log('database broadcast failed', error));
  };
  /** Joined channels with postgres_changes bindings, seen as the delivery needs them. */
  function* subscribers(): Iterable<Subscriber> {
    for (const members of registry.values()) {
      for (const channel of members) {
        if (channel.bindings.length === 0) continue;
        yield {
          bindings: channel.bindings,
          get claims() {
            return channel.claims;
          },
          isActive: () => !channel.connection.closed && channel.connection.channels.get(channel.topic) === channel,
          push: (event, payload) => push(channel, event, payload),
        };
      }
    }
  }

  const deliverNotification = (raw: string): void => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      log('unreadable notification', error);
      return;
    }
    // Row changes share the channel with database broadcasts.
    if (isChangeNotification(value)) {
      delivery = delivery
        .then(() => postgresChanges.deliver(value, subscribers()))
        .catch((error: unknown) => log('postgres_changes delivery failed', error));
      return;
    }
    const message = parseBroadcastNotification(value);
    if (message) deliverBroadcast(message);
  };
  const postgresChanges = createPostgresChanges(db, log);
  // Triggers also follow publication changes by themselves; this covers databases
  // prepared before the capture existed.
  await postgresChanges.sync().catch((error: unknown) => log('postgres_changes capture setup failed', error));
  const unlisten = await db.listen('realtime_messages', deliverNotification);
  const broadcastSource = await startBroadcastSource({
    db,
    choice: options.broadcastSource ?? 'auto',
    onBroadcast: deliverBroadcast,
    log,
  });

  // Daily partitions of realtime.messages, kept as the platform's realtime service keeps
  // them: on start, then every hour.
  const maintainPartitions = () =>
    db.query('select realtime.emulator_maintain_partitions()').then(
      () => undefined,
      (error: unknown) => log('realtime.messages partition maintenance failed', error),
    );
  await maintainPartitions();
  const partitionTimer = setInterval(() => void maintainPartitions(), PARTITION_MAINTENANCE_MS);
  partitionTimer.unref();

  async function restBroadcast(request: ServiceRequest, messages: z.infer<typeof restMessages>['messages']): Promise<Reply> {
    const token = bearerToken(request.headers.authorization) ?? request.headers.apikey ?? '';
    const resolved = await claimsForBearer(token, keys);
    if (!resolved.ok || !API_ROLES.has(resolved.claims.role)) {
      return json(401, { error: 'Unauthorized', message: resolved.ok ? 'Invalid role' : resolved.message });
    }
    const claims = resolved.claims;
    const permitted = new Map<string, boolean>();
    for (const message of messages) {
      if (message.private === true) {
        let allowed = permitted.get(message.topic);
        if (allowed === undefined) {
          try {
            allowed = await canWrite(db, claims, message.topic, 'broadcast');
          } catch (error) {
            if (!(error instanceof AuthorizationUnavailable)) throw error;
            log('broadcast authorization failed', error.cause);
            return json(503, { error: 'Service Unavailable', message: error.message });
          }
          permitted.set(message.topic, allowed);
        }
        if (!allowed) continue;
        fanOut(true, message.topic, { event: message.event, payload: message.payload ?? {}, meta: { id: randomUUID() } });
      } else {
        fanOut(false, message.topic, { event: message.event, payload: message.payload ?? {} });
      }
    }
    return { status: 202, headers: {} };
  }

  return {
    deliverNotification,
    handleUpgrade(request, socket, head) {
      socket.on('error', () => socket.destroy());
      const url = new URL(request.url ?? '/', 'http://emulator');
      if (url.pathname !== '/realtime/v1/websocket' && url.pathname !== '/realtime/v1/websocket/') {
        rejectUpgrade(socket, 404, 'Not found');
        return;
      }
      const apiKey = url.searchParams.get('apikey') ?? (request.headers.apikey as string | undefined) ?? '';
      const vsn = url.searchParams.get('vsn') ?? '1.0.0';
      if (!(SERIALIZERS as readonly string[]).includes(vsn)) {
        rejectUpgrade(socket, 400, `Unsupported serializer version ${vsn}`);
        return;
      }
      const serializer = vsn as Serializer;
      void (async () => {
        const checked = apiKey ? await checkToken(apiKey) : ({ ok: false, reason: 'apikey is required' } as const);
        if (!checked.ok) {
          rejectUpgrade(socket, 401, checked.reason);
          return;
        }
        wss.handleUpgrade(request, socket, head, (ws) => {
          const connection: Connection = { ws, serializer, apiKey, channels: new Map(), queue: Promise.resolve(), closed: false };
          connections.add(connection);
          ws.on('message', (data, isBinary) => onMessage(connection, data, isBinary));
          ws.on('close', () => onClose(connection));
          ws.on('error', () => ws.terminate());
        });
      })().catch((error: unknown) => {
        log('upgrade failed', error);
        socket.destroy();
      });
    },

    async handleHttp(request) {
      const path = request.path.replace(/\/+$/, '');
      if (request.method !== 'POST') return json(405, { error: 'Method not allowed', message: 'Method not allowed' });
      if (path === '/api/broadcast') {
        let value: unknown;
        try {
          value = JSON.parse(request.body?.toString('utf8') ?? '');
        } catch {
          return json(400, { error: 'Bad Request', message: 'The body must be JSON' });
        }
        const parsed = restMessages.safeParse(value);
        if (!parsed.success) return json(422, { error: 'Unprocessable Entity', message: 'messages must be a list of {topic, event, payload, private}' });
        return restBroadcast(request, parsed.data.messages);
      }
      const single = /^\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/.exec(path);
      if (single) {
        let topic: string;
        let event: string;
        try {
          topic = decodeURIComponent(single[1]);
          event = decodeURIComponent(single[2]);
        } catch {
          return json(400, { error: 'Bad Request', message: 'Bad topic or event in the path' });
        }
        let payload: unknown;
        const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (contentType === 'application/octet-stream') {
          // httpSend() of an ArrayBuffer or typed array: delivered as raw bytes (binary frames).
          payload = Buffer.from(request.body ?? Buffer.alloc(0));
        } else {
          try {
            payload = JSON.parse(request.body?.toString('utf8') ?? '');
          } catch {
            return json(400, { error: 'Bad Request', message: 'The body must be JSON' });
          }
        }
        return restBroadcast(request, [{ topic, event, payload, private: request.query.get('private') === 'true' }]);
      }
      return json(404, { error: 'Not found', message: 'Not found' });
    },

    broadcastSource: broadcastSource.kind,
    async close() {
      clearInterval(partitionTimer);
      await broadcastSource.close();
      await unlisten();
      for (const connection of connections) {
        connection.closed = true;
        connection.ws.terminate();
      }
      connections.clear();
      registry.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await delivery;
    },
  };
}
