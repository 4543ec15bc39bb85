/**
 * Joining a channel and keeping it authorized, as Realtime's channel join: the token,
 * the RLS policies on realtime.messages for a private channel (at join and again with
 * each new access token), postgres_changes bindings, and the join reply.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isOpaqueKey, type Claims } from '../jwt.ts';
import { AuthorizationUnavailable, canRead } from './authorization.ts';
import {
  TOPIC_PREFIX,
  closeChannel,
  push,
  register,
  reply,
  scheduleExpiry,
  unregister,
  type Channel,
  type Connection,
  type RealtimeContext,
} from './channels.ts';
import type { Frame } from './frames.ts';
import { FilterSyntaxError, parseFilter, type PostgresBinding } from './postgres-changes.ts';
import { presenceState } from './presence.ts';
import { checkToken } from './tokens.ts';

/** Realtime's default per-socket channel limit; more is a runaway client. */
const MAX_CHANNELS_PER_SOCKET = 100;

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

type JoinConfig = z.infer<typeof joinConfig>;
type Readable = Channel['readable'];

/**
 * What a join may read: everything on a public channel; on a private one what the
 * policies allow. Undefined once the join has been refused (the reply is sent).
 */
async function readableAtJoin(
  ctx: RealtimeContext,
  connection: Connection,
  frame: Frame,
  claims: Claims,
  subTopic: string,
  config: JoinConfig,
): Promise<Readable | undefined> {
  if (config.private !== true) return { broadcast: true, presence: true };
  let readable: Readable;
  try {
    readable = await canRead(ctx.db, claims, subTopic, config.presence?.enabled === true);
  } catch (error) {
    if (!(error instanceof AuthorizationUnavailable)) throw error;
    // No answer from the database is not a refusal: say so, as Realtime does.
    ctx.log('channel authorization failed', error.cause);
    reply(connection, frame, 'error', { reason: error.message });
    return undefined;
  }
  if (!readable.broadcast && !readable.presence) {
    reply(connection, frame, 'error', {
      reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}`,
    });
    return undefined;
  }
  return readable;
}

/** The join's postgres_changes bindings, echoed verbatim with their ids, and parsed. */
function parseBindings(config: JoinConfig): { echoed: Record<string, unknown>[]; bindings: PostgresBinding[]; setupError?: string } {
  const echoed = (config.postgres_changes ?? []).map((binding) => ({ ...binding, id: bindingId(binding) }));
  try {
    const bindings = echoed.map((binding) => ({
      id: binding.id,
      event: binding.event,
      schema: binding.schema,
      table: binding.table,
      filter: binding.filter,
      select: binding.select,
      conditions: parseFilter(binding.filter),
    }));
    return { echoed, bindings };
  } catch (error) {
    if (!(error instanceof FilterSyntaxError)) throw error;
    return { echoed, bindings: [], setupError: `Error parsing \`filter\` params: ${error.message}` };
  }
}

/** Checks what a join asks before anything is authorized; false once refused. */
function acceptableJoin(connection: Connection, frame: Frame, subTopic: string): boolean {
  if (subTopic === '') {
    reply(connection, frame, 'error', { reason: 'TopicNameRequired: You must provide a topic name' });
    return false;
  }
  if (!connection.channels.has(frame.topic) && connection.channels.size >= MAX_CHANNELS_PER_SOCKET) {
    reply(connection, frame, 'error', { reason: 'ChannelRateLimitReached: Too many channels' });
    return false;
  }
  return true;
}

export async function join(ctx: RealtimeContext, connection: Connection, frame: Frame): Promise<void> {
  const subTopic = frame.topic.slice(TOPIC_PREFIX.length);
  if (!acceptableJoin(connection, frame, subTopic)) return;
  const parsed = joinPayload.safeParse(frame.payload);
  if (!parsed.success) {
    reply(connection, frame, 'error', { reason: 'MalformedJoin: The join payload is not valid' });
    return;
  }
  const config = parsed.data.config ?? {};
  const token = parsed.data.access_token || connection.apiKey;
  const checked = await checkToken(ctx.keys, token);
  if (!checked.ok) {
    reply(connection, frame, 'error', { reason: checked.reason });
    return;
  }
  const readable = await readableAtJoin(ctx, connection, frame, checked.claims, subTopic, config);
  if (!readable) return;

  // A second join of the same topic on one socket replaces the first.
  const previous = connection.channels.get(frame.topic);
  if (previous) unregister(ctx, previous);

  const { echoed, bindings, setupError: filterError } = parseBindings(config);
  const channel: Channel = {
    connection,
    topic: frame.topic,
    subTopic,
    joinRef: frame.joinRef,
    isPrivate: config.private === true,
    claims: checked.claims,
    token,
    self: config.broadcast?.self === true,
    ack: config.broadcast?.ack === true,
    presenceKey: config.presence?.key || randomUUID(),
    presenceEnabled: config.presence?.enabled === true,
    readable,
    writable: new Map(),
    presenceRefs: [],
    bindings: [],
  };
  const members = register(ctx, channel);
  scheduleExpiry(ctx, channel);

  // Bindings are live before the reply, so a change made right after SUBSCRIBED is
  // never missed (hosted Realtime has a short window here; tests should not).
  let setupError = filterError;
  if (echoed.length > 0 && !setupError) {
    setupError = await ctx.postgresChanges.validate(bindings, checked.claims).catch((error: unknown) => {
      ctx.log('postgres_changes setup failed', error);
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
  if (channel.presenceEnabled) push(channel, 'presence_state', presenceState(ctx, members));
}

/** A new access token for a joined channel: checked, and the policies evaluated again. */
export async function accessToken(ctx: RealtimeContext, channel: Channel, frame: Frame): Promise<void> {
  const token = frame.payload.access_token;
  if (typeof token !== 'string' || token === '' || isOpaqueKey(token) || token === channel.token) return;
  const checked = await checkToken(ctx.keys, token);
  if (!checked.ok) {
    closeChannel(ctx, channel, checked.reason);
    return;
  }
  if (channel.isPrivate) {
    // The policies are evaluated again with the new token, as on Realtime: no read at
    // all ends the channel, and so does losing a read the previous token had.
    let access: Readable;
    try {
      access = await canRead(ctx.db, checked.claims, channel.subTopic, channel.presenceEnabled);
    } catch (error) {
      if (!(error instanceof AuthorizationUnavailable)) throw error;
      // The database did not answer: the channel keeps its current token and access.
      ctx.log('channel authorization failed', error.cause);
      return;
    }
    if (!access.broadcast && !access.presence) {
      closeChannel(ctx, channel, `You do not have permissions to read from this Channel topic: ${channel.subTopic}`);
      return;
    }
    const revoked = (channel.readable.broadcast && !access.broadcast) || (channel.readable.presence && !access.presence);
    if (revoked) {
      closeChannel(ctx, channel, `You no longer have permission to read from this Channel topic: ${channel.subTopic}`);
      return;
    }
    channel.readable = access;
  }
  channel.claims = checked.claims;
  channel.token = token;
  channel.writable.clear();
  scheduleExpiry(ctx, channel);
}
