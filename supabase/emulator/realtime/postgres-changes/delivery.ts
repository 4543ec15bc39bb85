/**
 * Delivering one captured change as Realtime does: one `postgres_changes` message per
 * subscriber (and per column selection), carrying the ids of every binding that
 * matched, with only the columns the subscriber's role may select.
 */
import type { Database } from '../../database.ts';
import { authorizedClaims, isWithheld } from './authorization.ts';
import { commitTimestamp, loadChange, type Change, type CommitTimes } from './changes.ts';
import { filterKey, passingFilters } from './filters.ts';
import { matchSubscribers, type Match, type PostgresBinding, type Subscriber } from './subscriptions.ts';
import { canReadKey, keyColumns, tableInfo, type TableInfo } from './tables.ts';

/** What delivering changes depends on. */
export interface DeliveryDeps {
  db: Database;
  log: (message: string, error: unknown) => void;
  commitTimes: CommitTimes;
}

/** Bindings per column selection ('' for all columns), per subscriber. */
type Selections = Map<Subscriber, Map<string, PostgresBinding[]>>;

/** The matches grouped by subscriber and column selection. */
export function groupBySubscriber(matches: Match[]): Selections {
  const bySubscriber: Selections = new Map();
  for (const match of matches) {
    const selections = bySubscriber.get(match.subscriber) ?? new Map<string, PostgresBinding[]>();
    bySubscriber.set(match.subscriber, selections);
    const selection = match.binding.select ? JSON.stringify(match.binding.select) : '';
    const list = selections.get(selection) ?? [];
    list.push(match.binding);
    selections.set(selection, list);
  }
  return bySubscriber;
}

function pick(row: Record<string, unknown> | null | undefined, names: Set<string>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  if (!row) return picked;
  for (const [name, value] of Object.entries(row)) if (names.has(name)) picked[name] = value;
  return picked;
}

/** The message's `data` for a role and a column selection ('' for all columns). */
export function changeData(change: Change, table: TableInfo, role: string, selection: string, timestamp: string): Record<string, unknown> {
  const chosen = selection === '' ? undefined : new Set<string>(JSON.parse(selection) as string[]);
  const columns = table.columns.filter((c) => c.readers.includes(role) && (!chosen || chosen.has(c.name)));
  const names = new Set(columns.map((c) => c.name));
  const data: Record<string, unknown> = {
    schema: change.schema,
    table: change.table,
    commit_timestamp: timestamp,
    type: change.type,
    columns: columns.map((c) => ({ name: c.name, type: c.type })),
  };
  if (keyColumns(table).length === 0) {
    data.columns = [];
    data.errors = ['Error 400: Bad Request, no primary key'];
  } else if (!canReadKey(table, role)) {
    data.columns = [];
    data.errors = ['Error 401: Unauthorized'];
  } else {
    if (change.type !== 'DELETE') data.record = pick(change.record, names);
    if (change.type !== 'INSERT') data.old_record = pick(change.old_record, names);
    data.errors = null;
  }
  return data;
}

/** Pushes the grouped messages to the subscribers still joined. */
function push(change: Change, table: TableInfo, bySubscriber: Selections, timestamp: string): void {
  for (const [subscriber, selections] of bySubscriber) {
    if (!subscriber.isActive()) continue;
    const role = subscriber.claims.role;
    for (const [selection, bindings] of selections) {
      const data = changeData(change, table, role, selection, timestamp);
      subscriber.push('postgres_changes', { ids: bindings.map((b) => b.id), data });
    }
  }
}

/** Delivers one captured change (a parsed NOTIFY payload) to the subscribers it concerns. */
export async function deliverChange(deps: DeliveryDeps, notification: unknown, subscribers: Iterable<Subscriber>): Promise<void> {
  const change = await loadChange(deps.db, notification);
  if (!change) return;
  const matches = matchSubscribers(subscribers, change);
  if (matches.length === 0) return;

  const roles = [...new Set(matches.map((m) => m.subscriber.claims.role))];
  const table = await tableInfo(deps.db, change.schema, change.table, roles);
  if (!table) return;
  const timestamp = commitTimestamp(deps.commitTimes, change.xid);

  const passing = await passingFilters(deps.db, deps.log, change, table, matches.map((m) => m.binding));
  const filtered = matches.filter((m) => passing.has(filterKey(m.binding)));
  if (filtered.length === 0) return;

  const visible = await authorizedClaims(deps.db, change, table, filtered);
  const delivered = filtered.filter((m) => !isWithheld(change, table, m.subscriber.claims, visible));
  push(change, table, groupBySubscriber(delivered), timestamp);
}
