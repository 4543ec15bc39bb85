/**
 * postgres_changes as Supabase Realtime delivers them: row changes of tables in the
 * publication `supabase_realtime`, captured by an emulator trigger that NOTIFYs on
 * commit (see bootstrap.sql), matched against each channel's bindings (schema, table,
 * event, filter), checked for visibility with the subscriber's current claims, and
 * pushed with the ids of the bindings that matched.
 *
 * Visibility follows Realtime's apply_rls: INSERT and UPDATE reach a subscriber only if
 * the row is visible to it under RLS after commit; DELETE is not RLS-checked and, like
 * on hosted, not filtered either. Columns the subscriber's role may not select are left
 * out of `columns`, `record` and `old_record`.
 *
 * Split as Realtime splits the extension, one module each in postgres-changes/:
 * changes.ts (capture: reading notifications, commit timestamps), subscriptions.ts (the
 * bindings: matching a change, validating at join), filters.ts (parsing and evaluating
 * filters), authorization.ts (row visibility per subscriber), delivery.ts (the messages),
 * tables.ts (the catalog). This module puts them together for the server.
 */
import type { Database } from '../database.ts';
import type { Claims } from '../jwt.ts';
import { syncCapture, type CommitTimes } from './postgres-changes/changes.ts';
import { deliverChange } from './postgres-changes/delivery.ts';
import { validateBindings, type PostgresBinding, type Subscriber } from './postgres-changes/subscriptions.ts';

export { isChangeNotification } from './postgres-changes/changes.ts';
export { FilterSyntaxError, parseFilter, type FilterCondition } from './postgres-changes/filters.ts';
export type { PostgresBinding, Subscriber } from './postgres-changes/subscriptions.ts';

export interface PostgresChanges {
  /** Validates a join's bindings against the database; a message when they cannot work. */
  validate(bindings: PostgresBinding[], claims: Claims): Promise<string | undefined>;
  /** Delivers one captured change (a parsed NOTIFY payload) to the subscribers. */
  deliver(notification: unknown, subscribers: Iterable<Subscriber>): Promise<void>;
  /** Puts capture triggers on the published tables (they also follow DDL on their own). */
  sync(): Promise<void>;
}

/** The server's postgres_changes over one database; it remembers recent commit timestamps. */
export function createPostgresChanges(db: Database, log: (message: string, error: unknown) => void): PostgresChanges {
  const deps = { db, log, commitTimes: new Map() as CommitTimes };
  return {
    validate: (bindings, claims) => validateBindings(db, bindings, claims),
    deliver: (notification, subscribers) => deliverChange(deps, notification, subscribers),
    sync: () => syncCapture(db),
  };
}
