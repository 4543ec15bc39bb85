/**
 * Broadcast, as Realtime's broadcast extension: from a client on its channel (with
 * self and ack), from the REST API, and from the database (database-broadcasts.ts);
 * each message is encoded and framed once per serializer and the same bytes are written
 * to every member that may read.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { json, type Reply, type ServiceRequest } from '../http.ts';
import { API_ROLES, bearerToken, claimsForBearer } from '../jwt.ts';
import { AuthorizationUnavailable, canWrite, type Extension } from './authorization.ts';
import { TOPIC_PREFIX, registryKey, reply, sendFrame, type Channel, type Connection, type RealtimeContext } from './channels.ts';
import { encode, encodeBinaryBroadcast, websocketFrame, type Frame, type Serializer } from './frames.ts';

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
type RestMessage = z.infer<typeof restMessages>['messages'][number];

/** Whether a channel may send on an extension: asked once, then remembered for the channel. */
export async function allowedToWrite(ctx: RealtimeContext, channel: Channel, extension: Extension): Promise<boolean> {
  if (!channel.isPrivate) return true;
  let allowed = channel.writable.get(extension);
  if (allowed === undefined) {
    try {
      allowed = await canWrite(ctx.db, channel.claims, channel.subTopic, extension);
    } catch (error) {
      if (!(error instanceof AuthorizationUnavailable)) throw error;
      // Not remembered: the next message asks the database again.
      ctx.log('channel authorization failed', error.cause);
      return false;
    }
    channel.writable.set(extension, allowed);
  }
  return allowed;
}

export function fanOut(
  ctx: RealtimeContext,
  isPrivate: boolean,
  subTopic: string,
  message: { event: string; payload: unknown; meta?: Record<string, unknown> },
  sender?: Channel,
): void {
  const members = ctx.registry.get(registryKey(isPrivate, subTopic));
  if (!members) return;
  const topic = TOPIC_PREFIX + subTopic;
  let binary: Buffer | undefined;
  let body: Record<string, unknown> | undefined;
  if (Buffer.isBuffer(message.payload)) {
    binary = websocketFrame(encodeBinaryBroadcast(topic, message.event, message.meta ? JSON.stringify(message.meta) : '', message.payload));
  } else {
    body = { type: 'broadcast', event: message.event, payload: message.payload };
    if (message.meta) body.meta = message.meta;
  }
  // Serialized and framed once per serializer in use, not once per member: every member
  // gets the same bytes.
  const frames = new Map<Serializer, Buffer>();
  for (const member of members) {
    if (member === sender && !member.self) continue;
    // Realtime ignores broadcasts for a channel whose policies do not allow reading them.
    if (!member.readable.broadcast) continue;
    const serializer = member.connection.serializer;
    if (body) {
      let frame = frames.get(serializer);
      if (frame === undefined) {
        frame = websocketFrame(encode(null, null, topic, 'broadcast', body, serializer));
        frames.set(serializer, frame);
      }
      sendFrame(member.connection, frame);
    } else if (binary && serializer === '2.0.0') {
      // The 1.0.0 serializer is text only: raw bytes cannot reach such a socket.
      sendFrame(member.connection, binary);
    }
  }
}

/** A client's broadcast on its joined channel. */
export async function broadcast(ctx: RealtimeContext, connection: Connection, frame: Frame, channel: Channel): Promise<void> {
  const event = frame.payload.event;
  if (typeof event !== 'string' || event === '') return;
  if (!(await allowedToWrite(ctx, channel, 'broadcast'))) return;
  fanOut(ctx, channel.isPrivate, channel.subTopic, { event, payload: frame.payload.payload ?? {} }, channel);
  if (channel.ack && frame.ref !== null) reply(connection, frame, 'ok', {});
}

async function restBroadcast(ctx: RealtimeContext, request: ServiceRequest, messages: RestMessage[]): Promise<Reply> {
  const token = bearerToken(request.headers.authorization) ?? request.headers.apikey ?? '';
  const resolved = await claimsForBearer(token, ctx.keys);
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
          allowed = await canWrite(ctx.db, claims, message.topic, 'broadcast');
        } catch (error) {
          if (!(error instanceof AuthorizationUnavailable)) throw error;
          ctx.log('broadcast authorization failed', error.cause);
          return json(503, { error: 'Service Unavailable', message: error.message });
        }
        permitted.set(message.topic, allowed);
      }
      if (!allowed) continue;
      fanOut(ctx, true, message.topic, { event: message.event, payload: message.payload ?? {}, meta: { id: randomUUID() } });
    } else {
      fanOut(ctx, false, message.topic, { event: message.event, payload: message.payload ?? {} });
    }
  }
  return { status: 202, headers: {} };
}

/** The REST broadcast API: POST /api/broadcast and /api/broadcast/<topic>/events/<event>. */
export async function handleBroadcastHttp(ctx: RealtimeContext, request: ServiceRequest): Promise<Reply> {
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
    return restBroadcast(ctx, request, parsed.data.messages);
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
    return restBroadcast(ctx, request, [{ topic, event, payload, private: request.query.get('private') === 'true' }]);
  }
  return json(404, { error: 'Not found', message: 'Not found' });
}

