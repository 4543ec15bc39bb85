/**
 * The subscriptions of postgres_changes, as Realtime's subscription manager keeps them:
 * each joined channel's bindings (schema, table, event, filter), checked against the
 * database when the channel joins, and matched against every captured change.
 */
import type { Database } from '../../database.ts';
import type { Claims } from '../../jwt.ts';
import type { Change } from './changes.ts';
import { conditionsSql, filterQuery, type FilterCondition } from './filters.ts';
import { tableInfo } from './tables.ts';

/** A channel's postgres_changes binding as the join reply echoed it, plus its parsed filter. */
export interface PostgresBinding {
  id: number;
  event: string;
  schema: string;
  table?: string;
  filter?: string;
  select?: string[];
  conditions: FilterCondition[];
}

/** What the delivery needs from a joined channel. */
export interface Subscriber {
  bindings: PostgresBinding[];
  /** The claims as of now: a token refresh changes what the subscriber may see. */
  claims: Claims;
  /** False once the channel has left or been replaced. */
  isActive(): boolean;
  push(event: 'postgres_changes', payload: unknown): void;
}

/** One binding of one subscriber that a change concerns. */
export interface Match {
  subscriber: Subscriber;
  binding: PostgresBinding;
}

/** Whether the binding's schema, table and event cover the change (its filter is checked apart). */
export function bindingMatches(binding: PostgresBinding, change: Change): boolean {
  if (binding.schema !== '*' && binding.schema !== change.schema) return false;
  if (binding.table !== undefined && binding.table !== '*' && binding.table !== change.table) return false;
  const event = binding.event.toUpperCase();
  return event === '*' || event === change.type;
}

/** Every binding of an active subscriber that covers the change. */
export function matchSubscribers(subscribers: Iterable<Subscriber>, change: Change): Match[] {
  const matches: Match[] = [];
  for (const subscriber of subscribers) {
    if (!subscriber.isActive()) continue;
    for (const binding of subscriber.bindings) {
      if (bindingMatches(binding, change)) matches.push({ subscriber, binding });
    }
  }
  return matches;
}

/** Checks one filtered binding on a named table; a message when it cannot work. */
async function validateBinding(db: Database, binding: PostgresBinding, claims: Claims): Promise<string | undefined> {
  const table = await tableInfo(db, binding.schema, binding.table!, [claims.role]);
  if (!table) return `Table ${binding.schema}.${binding.table} does not exist`;
  const params: unknown[] = ['{}'];
  let columnsSql: string;
  try {
    columnsSql = conditionsSql(binding.conditions, table, params);
  } catch (error) {
    return `Invalid filter "${binding.filter ?? ''}": ${(error as Error).message}`;
  }
  try {
    // Casting the filter values to the column types finds bad values at join time.
    await db.transaction((tx) => tx.query(filterQuery(binding.schema, binding.table!, columnsSql), params), { rollback: true });
  } catch (error) {
    return `Invalid filter "${binding.filter ?? ''}": ${(error as Error).message}`;
  }
  return undefined;
}

/**
 * Validates a join's bindings against the database: a filter on a named table must name
 * its columns and values of their types. The first problem's message, or undefined.
 */
export async function validateBindings(db: Database, bindings: PostgresBinding[], claims: Claims): Promise<string | undefined> {
  for (const binding of bindings) {
    if (binding.conditions.length === 0 || binding.schema === '*' || !binding.table || binding.table === '*') continue;
    const problem = await validateBinding(db, binding, claims);
    if (problem) return problem;
  }
  return undefined;
}
