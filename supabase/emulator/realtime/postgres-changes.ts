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
 */
import { z } from 'zod';
import { actAs, roleSettings } from '../act-as.ts';
import type { Database, Queryable } from '../database.ts';
import type { Claims } from '../jwt.ts';

export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE';

type FilterOperator =
  | 'eq'
  | 'neq'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'in'
  | 'like'
  | 'ilike'
  | 'is'
  | 'match'
  | 'imatch'
  | 'isdistinct';

const OPERATORS = new Set<string>([
  'eq',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'like',
  'ilike',
  'is',
  'match',
  'imatch',
  'isdistinct',
]);

export interface FilterCondition {
  column: string;
  operator: FilterOperator;
  negate: boolean;
  /** One value, or the list of `in`; null only for `is.null`. */
  value: string | string[] | null;
}

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

export class FilterSyntaxError extends Error {}

/** Splits on a delimiter outside double quotes, keeping quotes for the value parser. */
function splitOutsideQuotes(text: string, delimiter: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && quoted && i + 1 < text.length) {
      current += char + text[i + 1];
      i++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === delimiter && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (quoted) throw new FilterSyntaxError(`unterminated quote in "${text}"`);
  parts.push(current);
  return parts;
}

/** A PostgREST-style value: `"a,b"` with backslash escapes, or the text as is. */
function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}

/** Parses `col=op.value[,col=op.value…]`; an empty filter has no conditions. */
export function parseFilter(filter: string | undefined): FilterCondition[] {
  if (filter === undefined || filter.trim() === '') return [];
  const conditions: FilterCondition[] = [];
  // Conditions are comma-separated, but `in.(a,b)` and quoted values contain commas.
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < filter.length; i++) {
    const char = filter[i];
    if (char === '\\' && quoted && i + 1 < filter.length) {
      current += char + filter[i + 1];
      i++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === '(') depth++;
    else if (!quoted && char === ')') depth = Math.max(0, depth - 1);
    if (char === ',' && !quoted && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);

  for (const part of parts) {
    const equals = part.indexOf('=');
    if (equals <= 0) throw new FilterSyntaxError(`"${part}" is not of the form column=operator.value`);
    const column = part.slice(0, equals).trim();
    let rest = part.slice(equals + 1);
    let negate = false;
    if (rest.startsWith('not.')) {
      negate = true;
      rest = rest.slice(4);
    }
    const dot = rest.indexOf('.');
    if (dot <= 0) throw new FilterSyntaxError(`"${part}" has no operator`);
    const operator = rest.slice(0, dot);
    const raw = rest.slice(dot + 1);
    if (!OPERATORS.has(operator)) throw new FilterSyntaxError(`unknown operator "${operator}"`);
    if (operator === 'in') {
      if (!raw.startsWith('(') || !raw.endsWith(')')) throw new FilterSyntaxError(`"${part}": in needs a list in parentheses`);
      const inner = raw.slice(1, -1);
      const items = inner === '' ? [] : splitOutsideQuotes(inner, ',').map((item) => unquote(item.trim()));
      if (items.length === 0) throw new FilterSyntaxError(`"${part}": in needs at least one value`);
      conditions.push({ column, operator, negate, value: items });
    } else if (operator === 'is') {
      const value = raw.toLowerCase();
      if (!['null', 'true', 'false', 'unknown'].includes(value)) {
        throw new FilterSyntaxError(`"${part}": is takes null, true, false or unknown`);
      }
      conditions.push({ column, operator, negate, value: value === 'null' ? null : value });
    } else {
      conditions.push({ column, operator: operator as FilterOperator, negate, value: unquote(raw) });
    }
  }
  return conditions;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

interface ColumnInfo {
  name: string;
  type: string;
  sqlType: string;
  isKey: boolean;
  /** API roles allowed to SELECT this column. */
  readers: string[];
}

interface TableInfo {
  rls: boolean;
  columns: ColumnInfo[];
}

/**
 * The SQL for one binding's conditions over the changed row `r`, with its parameters;
 * null is never true, as in a WHERE clause.
 */
function conditionsSql(conditions: FilterCondition[], table: TableInfo, params: unknown[]): string {
  const parts = conditions.map((condition) => {
    const column = table.columns.find((c) => c.name === condition.column);
    if (!column) throw new FilterSyntaxError(`column "${condition.column}" does not exist`);
    const ref = `r.${ident(column.name)}`;
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const typed = (value: string): string => `cast(${param(value)}::text as ${column.sqlType})`;
    let expression: string;
    switch (condition.operator) {
      case 'eq':
        expression = `${ref} = ${typed(condition.value as string)}`;
        break;
      case 'neq':
        expression = `${ref} <> ${typed(condition.value as string)}`;
        break;
      case 'lt':
        expression = `${ref} < ${typed(condition.value as string)}`;
        break;
      case 'lte':
        expression = `${ref} <= ${typed(condition.value as string)}`;
        break;
      case 'gt':
        expression = `${ref} > ${typed(condition.value as string)}`;
        break;
      case 'gte':
        expression = `${ref} >= ${typed(condition.value as string)}`;
        break;
      case 'isdistinct':
        expression = `${ref} is distinct from ${typed(condition.value as string)}`;
        break;
      case 'in':
        expression = `${ref} in (select cast(v as ${column.sqlType}) from jsonb_array_elements_text(${param(
          JSON.stringify(condition.value),
        )}::jsonb) v)`;
        break;
      case 'like':
        expression = `${ref}::text like ${param(condition.value)}::text`;
        break;
      case 'ilike':
        expression = `${ref}::text ilike ${param(condition.value)}::text`;
        break;
      case 'match':
        expression = `${ref}::text ~ ${param(condition.value)}::text`;
        break;
      case 'imatch':
        expression = `${ref}::text ~* ${param(condition.value)}::text`;
        break;
      case 'is':
        expression = condition.value === null ? `${ref} is null` : `${ref} is ${condition.value as string}`;
        break;
    }
    return condition.negate ? `coalesce(not (${expression}), false)` : `coalesce((${expression}), false)`;
  });
  return parts.length === 0 ? 'true' : parts.join(' and ');
}

async function tableInfo(db: Queryable, schema: string, table: string, roles: string[]): Promise<TableInfo | undefined> {
  const result = await db.query<{
    name: string;
    type: string;
    sql_type: string;
    is_key: boolean;
    readers: string[];
    rls: boolean;
  }>(
    `select a.attname::text as name, t.typname::text as type,
            format_type(a.atttypid, a.atttypmod) as sql_type,
            coalesce(a.attnum = any (i.indkey), false) as is_key,
            array(select r from unnest($3::text[]) r where has_column_privilege(r, c.oid, a.attnum, 'SELECT')) as readers,
            c.relrowsecurity as rls
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       join pg_type t on t.oid = a.atttypid
       left join pg_index i on i.indrelid = c.oid and i.indisprimary
      where n.nspname = $1 and c.relname = $2
      order by a.attnum`,
    [schema, table, roles],
  );
  if (result.rows.length === 0) return undefined;
  return {
    rls: result.rows[0].rls,
    columns: result.rows.map((row) => ({
      name: row.name,
      type: row.type,
      sqlType: row.sql_type,
      isKey: row.is_key,
      readers: row.readers,
    })),
  };
}

const changeSchema = z.object({
  xid: z.string(),
  schema: z.string(),
  table: z.string(),
  type: z.enum(['INSERT', 'UPDATE', 'DELETE']),
  record: z.record(z.string(), z.unknown()).nullable().optional(),
  old_record: z.record(z.string(), z.unknown()).nullable().optional(),
});
type Change = z.infer<typeof changeSchema>;

const notificationSchema = z.union([
  z.object({ kind: z.literal('postgres_changes'), queued: z.number() }),
  changeSchema.extend({ kind: z.literal('postgres_changes') }),
]);

/** Whether a NOTIFY payload on the realtime channel is a captured row change. */
export function isChangeNotification(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'postgres_changes';
}

interface Match {
  subscriber: Subscriber;
  binding: PostgresBinding;
}

/** The changes of one transaction share a commit timestamp, as they do in the WAL. */
const COMMIT_TIMES_KEPT = 256;
/** Queued large changes are kept this long, for any other server listening to the database. */
const QUEUE_RETENTION = '5 minutes';

export interface PostgresChanges {
  /** Validates a join's bindings against the database; a message when they cannot work. */
  validate(bindings: PostgresBinding[], claims: Claims): Promise<string | undefined>;
  /** Delivers one captured change (a parsed NOTIFY payload) to the subscribers. */
  deliver(notification: unknown, subscribers: Iterable<Subscriber>): Promise<void>;
  /** Puts capture triggers on the published tables (they also follow DDL on their own). */
  sync(): Promise<void>;
}

export function createPostgresChanges(db: Database, log: (message: string, error: unknown) => void): PostgresChanges {
  const commitTimes = new Map<string, string>();

  function commitTimestamp(xid: string): string {
    let stamp = commitTimes.get(xid);
    if (!stamp) {
      // Notifications arrive right after commit; the first one of a transaction stamps it.
      stamp = new Date().toISOString();
      commitTimes.set(xid, stamp);
      if (commitTimes.size > COMMIT_TIMES_KEPT) commitTimes.delete(commitTimes.keys().next().value as string);
    }
    return stamp;
  }

  async function load(notification: unknown): Promise<Change | undefined> {
    const parsed = notificationSchema.safeParse(notification);
    if (!parsed.success) return undefined;
    if ('queued' in parsed.data) {
      const id = parsed.data.queued;
      const row = await db.query<{ payload: unknown }>('select payload from realtime.emulator_changes where id = $1', [id]);
      await db.query(`delete from realtime.emulator_changes where created_at < now() - interval '${QUEUE_RETENTION}'`);
      const change = changeSchema.safeParse(row.rows[0]?.payload);
      return change.success ? change.data : undefined;
    }
    return parsed.data;
  }

  function bindingMatches(binding: PostgresBinding, change: Change): boolean {
    if (binding.schema !== '*' && binding.schema !== change.schema) return false;
    if (binding.table !== undefined && binding.table !== '*' && binding.table !== change.table) return false;
    const event = binding.event.toUpperCase();
    return event === '*' || event === change.type;
  }

  /** Which distinct filters pass for the changed row; DELETE passes them all, as on hosted. */
  async function passingFilters(change: Change, table: TableInfo, matches: Match[]): Promise<Set<string>> {
    const filters = [...new Set(matches.filter((m) => m.binding.conditions.length > 0).map((m) => m.binding.filter ?? ''))];
    const passing = new Set<string>(['']);
    if (filters.length === 0) return passing;
    if (change.type === 'DELETE') {
      for (const filter of filters) passing.add(filter);
      return passing;
    }
    const params: unknown[] = [JSON.stringify(change.record ?? {})];
    const columns: string[] = [];
    const kept: string[] = [];
    for (const filter of filters) {
      const binding = matches.find((m) => m.binding.filter === filter)!.binding;
      try {
        columns.push(`${conditionsSql(binding.conditions, table, params)} as f${kept.length}`);
        kept.push(filter);
      } catch (error) {
        // A `table: '*'` binding's filter may name a column this table lacks: no match.
        if (!(error instanceof FilterSyntaxError)) throw error;
      }
    }
    if (kept.length === 0) return passing;
    try {
      const result = await db.query<Record<string, boolean>>(
        `select ${columns.join(', ')} from jsonb_populate_record(null::${ident(change.schema)}.${ident(change.table)}, $1::jsonb) r`,
        params,
      );
      const row = result.rows[0] ?? {};
      kept.forEach((filter, index) => {
        if (row[`f${index}`] === true) passing.add(filter);
      });
    } catch (error) {
      log(`filters on ${change.schema}.${change.table} failed`, error);
    }
    return passing;
  }

  /**
   * Row visibility per distinct claims, all in one rolled-back transaction: each group
   * runs under its own role and claims, inside a savepoint so a policy that raises
   * only hides the row from that group.
   */
  async function visibleTo(change: Change, table: TableInfo, claimsGroups: Map<string, Claims>): Promise<Set<string>> {
    const visible = new Set<string>();
    const keys = table.columns.filter((c) => c.isKey);
    const record = change.record ?? {};
    const params = keys.map((key) => {
      const value = record[key.name];
      return value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value);
    });
    const where = keys.map((key, index) => `t.${ident(key.name)} = cast($${index + 1}::text as ${key.sqlType})`).join(' and ');
    const sql = `select exists(select 1 from ${ident(change.schema)}.${ident(change.table)} t where ${where}) as visible`;
    const settings = await roleSettings(db);
    await db.transaction(
      async (tx) => {
        for (const [key, claims] of claimsGroups) {
          await tx.query('savepoint visibility');
          try {
            await actAs(tx, { role: claims.role, claims }, { roleSettings: settings });
            const result = await tx.query<{ visible: boolean }>(sql, params);
            if (result.rows[0]?.visible === true) visible.add(key);
            await tx.query('rollback to savepoint visibility');
          } catch {
            await tx.query('rollback to savepoint visibility');
          }
        }
      },
      { rollback: true },
    );
    return visible;
  }

  function pick(row: Record<string, unknown> | null | undefined, names: Set<string>): Record<string, unknown> {
    const picked: Record<string, unknown> = {};
    if (!row) return picked;
    for (const [name, value] of Object.entries(row)) if (names.has(name)) picked[name] = value;
    return picked;
  }

  async function deliver(notification: unknown, subscribers: Iterable<Subscriber>): Promise<void> {
    const change = await load(notification);
    if (!change) return;

    const matches: Match[] = [];
    for (const subscriber of subscribers) {
      if (!subscriber.isActive()) continue;
      for (const binding of subscriber.bindings) {
        if (bindingMatches(binding, change)) matches.push({ subscriber, binding });
      }
    }
    if (matches.length === 0) return;

    const roles = [...new Set(matches.map((m) => m.subscriber.claims.role))];
    const table = await tableInfo(db, change.schema, change.table, roles);
    if (!table) return;
    const timestamp = commitTimestamp(change.xid);

    const passing = await passingFilters(change, table, matches);
    const filtered = matches.filter((m) => passing.has(m.binding.conditions.length > 0 ? (m.binding.filter ?? '') : ''));
    if (filtered.length === 0) return;

    const keys = table.columns.filter((c) => c.isKey);
    const claimsKey = (claims: Claims): string => JSON.stringify(claims);
    const readableKey = (role: string): boolean => keys.length > 0 && keys.every((key) => key.readers.includes(role));

    // Only INSERT and UPDATE on an RLS table need a look at the row as the subscriber.
    let visible: Set<string> | undefined;
    if (change.type !== 'DELETE' && table.rls && keys.length > 0) {
      const groups = new Map<string, Claims>();
      for (const match of filtered) {
        const claims = match.subscriber.claims;
        if (readableKey(claims.role)) groups.set(claimsKey(claims), claims);
      }
      visible = groups.size > 0 ? await visibleTo(change, table, groups) : new Set();
    }

    // One message per subscriber (and per column selection), carrying every binding id that matched.
    const bySubscriber = new Map<Subscriber, Map<string, PostgresBinding[]>>();
    for (const match of filtered) {
      const claims = match.subscriber.claims;
      if (change.type !== 'DELETE' && keys.length > 0 && readableKey(claims.role) && visible && !visible.has(claimsKey(claims))) {
        continue;
      }
      const selections = bySubscriber.get(match.subscriber) ?? new Map<string, PostgresBinding[]>();
      bySubscriber.set(match.subscriber, selections);
      const selection = match.binding.select ? JSON.stringify(match.binding.select) : '';
      const list = selections.get(selection) ?? [];
      list.push(match.binding);
      selections.set(selection, list);
    }

    for (const [subscriber, selections] of bySubscriber) {
      if (!subscriber.isActive()) continue;
      const role = subscriber.claims.role;
      for (const [selection, bindings] of selections) {
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
        if (keys.length === 0) {
          data.columns = [];
          data.errors = ['Error 400: Bad Request, no primary key'];
        } else if (!readableKey(role)) {
          data.columns = [];
          data.errors = ['Error 401: Unauthorized'];
        } else {
          if (change.type !== 'DELETE') data.record = pick(change.record, names);
          if (change.type !== 'INSERT') data.old_record = pick(change.old_record, names);
          data.errors = null;
        }
        subscriber.push('postgres_changes', { ids: bindings.map((b) => b.id), data });
      }
    }
  }

  async function validate(bindings: PostgresBinding[], claims: Claims): Promise<string | undefined> {
    for (const binding of bindings) {
      if (binding.conditions.length === 0 || binding.schema === '*' || !binding.table || binding.table === '*') continue;
      const table = await tableInfo(db, binding.schema, binding.table, [claims.role]);
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
        await db.transaction(
          (tx) =>
            tx.query(
              `select ${columnsSql} from jsonb_populate_record(null::${ident(binding.schema)}.${ident(binding.table!)}, $1::jsonb) r`,
              params,
            ),
          { rollback: true },
        );
      } catch (error) {
        return `Invalid filter "${binding.filter ?? ''}": ${(error as Error).message}`;
      }
    }
    return undefined;
  }

  async function sync(): Promise<void> {
    await db.query('select realtime.emulator_sync_capture()');
  }

  return { deliver, validate, sync };
}
