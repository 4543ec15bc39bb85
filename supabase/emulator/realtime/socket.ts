/**
 * The websocket endpoint, as Realtime's socket: the upgrade (apikey and serializer
 * version), frames read one at a time per socket and routed to their channel's handler.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocketServer } from 'ws';
import { broadcast } from './broadcast.ts';
import { TOPIC_PREFIX, reply, unregister, type Connection, type RealtimeContext } from './channels.ts';
import { SERIALIZERS, decodeBinary, decodeText, type Frame, type Serializer } from './frames.ts';
import { accessToken, join } from './join.ts';
import { presence } from './presence.ts';
import { checkToken } from './tokens.ts';

export async function handleFrame(ctx: RealtimeContext, connection: Connection, frame: Frame): Promise<void> {
  if (frame.topic === 'phoenix') {
    if (frame.event === 'heartbeat') reply(connection, frame, 'ok', {});
    return;
  }
  if (!frame.topic.startsWith(TOPIC_PREFIX)) {
    reply(connection, frame, 'error', { reason: 'unmatched topic' });
    return;
  }
  if (frame.event === 'phx_join') {
    await join(ctx, connection, frame);
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
      unregister(ctx, channel);
      return;
    case 'access_token':
      await accessToken(ctx, channel, frame);
      return;
    case 'broadcast':
      await broadcast(ctx, connection, frame, channel);
      return;
    case 'presence':
      await presence(ctx, connection, frame, channel);
      return;
    default:
      // Unknown events are ignored, as Realtime ignores them.
      return;
  }
}

function onMessage(ctx: RealtimeContext, connection: Connection, data: RawData, isBinary: boolean): void {
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
    .then(() => handleFrame(ctx, connection, frame))
    .catch((error: unknown) => ctx.log('frame handling failed', error));
}

function onClose(ctx: RealtimeContext, connection: Connection): void {
  connection.closed = true;
  ctx.connections.delete(connection);
  for (const channel of [...connection.channels.values()]) unregister(ctx, channel);
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message, message });
  const reason = status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** `/realtime/v1/websocket?apikey=…&vsn=…`: a socket once the apikey is good. */
export function handleUpgrade(
  ctx: RealtimeContext,
  wss: WebSocketServer,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
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
    const checked = apiKey ? await checkToken(ctx.keys, apiKey) : ({ ok: false, reason: 'apikey is required' } as const);
    if (!checked.ok) {
      rejectUpgrade(socket, 401, checked.reason);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const connection: Connection = {
        ws,
        socket,
        corked: false,
        serializer,
        apiKey,
        channels: new Map(),
        queue: Promise.resolve(),
        closed: false,
      };
      ctx.connections.add(connection);
      ws.on('message', (data, isBinary) => onMessage(ctx, connection, data, isBinary));
      ws.on('close', () => onClose(ctx, connection));
      ws.on('error', () => ws.terminate());
    });
  })().catch((error: unknown) => {
    ctx.log('upgrade failed', error);
    socket.destroy();
  });
}
