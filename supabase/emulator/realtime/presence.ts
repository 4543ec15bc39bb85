/** Presence, as Realtime's presence extension: track, untrack, state and diffs. */
import { randomUUID } from 'node:crypto';
import { registryKey, push, reply, type Channel, type Connection, type RealtimeContext } from './channels.ts';
import { allowedToWrite } from './broadcast.ts';
import type { Frame } from './frames.ts';

type PresenceState = Record<string, { metas: Record<string, unknown>[] }>;

/** Everything tracked on a topic, by presence key. */
export function presenceState(ctx: RealtimeContext, members: Set<Channel>): PresenceState {
  const state: PresenceState = {};
  for (const member of members) {
    for (const meta of ctx.presenceMetas.get(member) ?? []) {
      (state[member.presenceKey] ??= { metas: [] }).metas.push(meta);
    }
  }
  return state;
}

async function track(ctx: RealtimeContext, connection: Connection, frame: Frame, channel: Channel, members: Set<Channel>): Promise<void> {
  if (!(await allowedToWrite(ctx, channel, 'presence'))) {
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
  ctx.presenceMetas.set(channel, [meta]);
  reply(connection, frame, 'ok', {});
  for (const member of members) {
    push(member, 'presence_diff', { joins: { [channel.presenceKey]: { metas: [meta] } }, leaves });
  }
}

export async function presence(ctx: RealtimeContext, connection: Connection, frame: Frame, channel: Channel): Promise<void> {
  const event = frame.payload.event;
  const members = ctx.registry.get(registryKey(channel.isPrivate, channel.subTopic));
  if (!members) return;
  if (event === 'track') {
    await track(ctx, connection, frame, channel, members);
  } else if (event === 'untrack') {
    const leaves = { [channel.presenceKey]: { metas: ctx.presenceMetas.get(channel) ?? [] } };
    channel.presenceRefs = [];
    ctx.presenceMetas.delete(channel);
    reply(connection, frame, 'ok', {});
    for (const member of members) push(member, 'presence_diff', { joins: {}, leaves });
  } else {
    reply(connection, frame, 'error', { reason: 'Unknown presence event' });
  }
}
