/**
 * What the database sends after commit, handed to subscribers one delivery after the
 * other: broadcasts (from the WAL or NOTIFY, see database-broadcasts.ts) and row
 * changes for postgres_changes (NOTIFY, see postgres-changes.ts).
 */
import { fanOut } from './broadcast.ts';
import { push, type RealtimeContext } from './channels.ts';
import { firstDelivery, parseBroadcastNotification, type DatabaseBroadcast } from './database-broadcasts.ts';
import { isChangeNotification, type Subscriber } from './postgres-changes.ts';

export interface Deliveries {
  /** A committed row of realtime.messages. */
  broadcast(message: DatabaseBroadcast): void;
  /** A `realtime_messages` NOTIFY payload: a row change or a broadcast. */
  notification(raw: string): void;
  /** Resolves once everything handed over so far is delivered. */
  drained(): Promise<void>;
}

/** Joined channels with postgres_changes bindings, seen as the delivery needs them. */
export function* changeSubscribers(ctx: RealtimeContext): Iterable<Subscriber> {
  for (const members of ctx.registry.values()) {
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

/** A broadcast whose NOTIFY left the payload out (too large) is read back by id. */
async function deliverBroadcast(ctx: RealtimeContext, message: DatabaseBroadcast): Promise<void> {
  let payload = message.payload;
  if (payload === undefined) {
    const row = await ctx.db.query<{ payload: unknown }>('select payload from realtime.messages where id = $1', [message.id]);
    payload = row.rows[0]?.payload;
    if (payload === undefined || payload === null) return;
  }
  fanOut(ctx, message.isPrivate, message.topic, { event: message.event, payload, meta: { id: message.id } });
}

export function createDeliveries(ctx: RealtimeContext): Deliveries {
  let queue = Promise.resolve();
  const isFirst = firstDelivery();
  const enqueue = (work: () => Promise<void>, failure: string) => {
    queue = queue.then(work).catch((error: unknown) => ctx.log(failure, error));
  };
  const broadcast = (message: DatabaseBroadcast) => {
    if (isFirst(message.id)) enqueue(() => deliverBroadcast(ctx, message), 'database broadcast failed');
  };
  return {
    broadcast,
    notification(raw) {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        ctx.log('unreadable notification', error);
        return;
      }
      // Row changes share the channel with database broadcasts.
      if (isChangeNotification(value)) {
        enqueue(() => ctx.postgresChanges.deliver(value, changeSubscribers(ctx)), 'postgres_changes delivery failed');
        return;
      }
      const message = parseBroadcastNotification(value);
      if (message) broadcast(message);
    },
    drained: () => queue,
  };
}
