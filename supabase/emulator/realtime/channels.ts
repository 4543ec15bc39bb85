/**
 * The state of the Realtime server and its lowest layer, as Realtime's socket and
 * channel processes: sockets (connections), joined channels, the registry of channels
 * per topic, and writing frames to a socket.
 */
import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Database } from '../database.ts';
import type { Claims, ProjectKeys } from '../jwt.ts';
import type { Extension } from './authorization.ts';
import { encode, websocketFrame, type Frame, type Serializer } from './frames.ts';
import type { PostgresBinding, PostgresChanges } from './postgres-changes.ts';

export const TOPIC_PREFIX = 'realtime:';
/** setTimeout cannot wait longer than this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type Log = (message: string, error?: unknown) => void;

export interface Channel {
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

export interface Connection {
  ws: WebSocket;
  /** The TCP socket under `ws`: fanned-out frames are written to it directly (sendFrame). */
  socket: Writable;
  /** Whether `socket` is corked until the end of the current tick. */
  corked: boolean;
  /** The `vsn` the client connected with: how its frames are read and written. */
  serializer: Serializer;
  apiKey: string;
  channels: Map<string, Channel>;
  /** Frames are handled one at a time, so a join finishes before what follows it. */
  queue: Promise<void>;
  closed: boolean;
}

/** What every part of the server shares: its dependencies and its state. */
export interface RealtimeContext {
  db: Database;
  keys: ProjectKeys;
  log: Log;
  connections: Set<Connection>;
  /** Joined channels per topic, public and private apart (registryKey). */
  registry: Map<string, Set<Channel>>;
  /** Tracked presence per channel. */
  presenceMetas: WeakMap<Channel, Record<string, unknown>[]>;
  postgresChanges: PostgresChanges;
}

export function registryKey(isPrivate: boolean, subTopic: string): string {
  return `${isPrivate ? 'private' : 'public'}:${subTopic}`;
}

/**
 * The most bytes one socket may have waiting to be sent. A client that stops reading
 * would otherwise make the server keep every message for it in memory, without bound;
 * past this, the connection is dropped and the client's own reconnect takes over. This
 * is the emulator's own bound on its one process, not a copy of a documented platform
 * limit. Far above what a reader that keeps up ever has waiting (a burst is a few kB per
 * socket).
 */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * Writes a whole websocket frame (websocketFrame) to the connection's socket, so that a
 * broadcast framed once goes to every subscriber as the same bytes. This is safe beside
 * ws's own writes (pongs, close) because the server never compresses: ws then writes each
 * frame synchronously, and frames never interleave. The socket stays corked until the
 * tick ends, so what one tick sends to a socket leaves in one write.
 */
export function sendFrame(connection: Connection, frame: Buffer): void {
  const { ws, socket } = connection;
  if (connection.closed || ws.readyState !== ws.OPEN || socket.destroyed || !socket.writable) return;
  if (socket.writableLength + frame.length > MAX_BUFFERED_BYTES) {
    // Destroying the socket closes `ws`, whose close handler ends the connection.
    socket.destroy();
    return;
  }
  if (!connection.corked) {
    connection.corked = true;
    socket.cork();
    process.nextTick(() => {
      connection.corked = false;
      socket.uncork();
    });
  }
  // A failed write (the peer went away) errors the socket, and its error handler ends
  // the connection: nothing to report per frame.
  socket.write(frame);
}

export function sendText(connection: Connection, text: string): void {
  sendFrame(connection, websocketFrame(text));
}

export function reply(
  connection: Connection,
  frame: Frame,
  status: 'ok' | 'error',
  response: Record<string, unknown>,
): void {
  sendText(connection, encode(frame.joinRef, frame.ref, frame.topic, 'phx_reply', { status, response }, connection.serializer));
}

export function push(channel: Channel, event: string, payload: unknown): void {
  sendText(channel.connection, encode(channel.joinRef, null, channel.topic, event, payload, channel.connection.serializer));
}

/** Adds a joined channel to its topic's members; returns them. */
export function register(ctx: RealtimeContext, channel: Channel): Set<Channel> {
  channel.connection.channels.set(channel.topic, channel);
  const key = registryKey(channel.isPrivate, channel.subTopic);
  let members = ctx.registry.get(key);
  if (!members) {
    members = new Set();
    ctx.registry.set(key, members);
  }
  members.add(channel);
  return members;
}

/** Takes a channel out, and tells the topic's members that its presence left. */
export function unregister(ctx: RealtimeContext, channel: Channel): void {
  if (channel.expiry) clearTimeout(channel.expiry);
  const key = registryKey(channel.isPrivate, channel.subTopic);
  const members = ctx.registry.get(key);
  members?.delete(channel);
  if (members && members.size === 0) ctx.registry.delete(key);
  if (channel.connection.channels.get(channel.topic) === channel) channel.connection.channels.delete(channel.topic);
  if (channel.presenceRefs.length > 0 && members) {
    const leaves = { [channel.presenceKey]: { metas: channel.presenceRefs.map((ref) => ({ phx_ref: ref })) } };
    channel.presenceRefs = [];
    for (const member of members) push(member, 'presence_diff', { joins: {}, leaves });
  }
}

/** Ends a channel from the server side, as Realtime does when its token is no longer good. */
export function closeChannel(ctx: RealtimeContext, channel: Channel, message: string): void {
  push(channel, 'system', { extension: 'system', status: 'error', message, channel: channel.subTopic });
  sendText(channel.connection, encode(channel.joinRef, channel.joinRef, channel.topic, 'phx_close', {}, channel.connection.serializer));
  unregister(ctx, channel);
}

/** Closes the channel when its token expires. */
export function scheduleExpiry(ctx: RealtimeContext, channel: Channel): void {
  if (channel.expiry) clearTimeout(channel.expiry);
  channel.expiry = undefined;
  const exp = channel.claims.exp;
  if (typeof exp !== 'number') return;
  const delay = Math.min(Math.max(exp * 1000 - Date.now(), 0), MAX_TIMER_MS);
  channel.expiry = setTimeout(() => closeChannel(ctx, channel, 'Token has expired'), delay);
  channel.expiry.unref();
}
