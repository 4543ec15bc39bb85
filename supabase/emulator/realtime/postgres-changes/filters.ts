/**
 * postgres_changes filters as Realtime reads them: `column=operator.value`, comma
 * separated, PostgREST-style values; checked against a changed row in SQL, with the
 * column's type, so `eq.5` on an integer compares numbers.
 */
import type { Queryable } from '../../database.ts';
import type { Change } from './changes.ts';
import type { PostgresBinding } from './subscriptions.ts';
import { unquote } from '../../postgrest-syntax.ts';
import { ident, type TableInfo } from './tables.ts';

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

/** Comparisons written as one SQL operator against the value cast to the column's type. */
const COMPARISONS: Partial<Record<FilterOperator, string>> = {
  eq: '=',
  neq: '<>',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
  isdistinct: 'is distinct from',
};

/** Pattern operators, applied to the column as text. */
const PATTERNS: Partial<Record<FilterOperator, string>> = { like: 'like', ilike: 'ilike', match: '~', imatch: '~*' };

export interface FilterCondition {
  column: string;
  operator: FilterOperator;
  negate: boolean;
  /** One value, or the list of `in`; null only for `is.null`. */
  value: string | string[] | null;
}

export class FilterSyntaxError extends Error {}

/**
 * Splits on commas outside double quotes and, with `nested`, outside parentheses;
 * quotes and escapes are kept for `unquote`. Lenient where PostgREST refuses: a stray
 * `)` is passed over and an open quote is reported rather than thrown, since hosted
 * Realtime's handling of such filters is not known to match the REST API's.
 */
function splitCommas(text: string, nested: boolean): { parts: string[]; openQuote: boolean } {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && quoted && i + 1 < text.length) {
      current += char + text[i + 1];
      i++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    else if (nested && !quoted && char === '(') depth++;
    else if (nested && !quoted && char === ')') depth = Math.max(0, depth - 1);
    if (char === ',' && !quoted && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return { parts, openQuote: quoted };
}

/** The values of `in.(a,b)`: a quote left open is refused. */
function splitList(inner: string): string[] {
  const { parts, openQuote } = splitCommas(inner, false);
  if (openQuote) throw new FilterSyntaxError(`unterminated quote in "${inner}"`);
  return parts;
}

/** Conditions are comma-separated, but `in.(a,b)` and quoted values contain commas. */
function splitConditions(filter: string): string[] {
  return splitCommas(filter, true).parts;
}

/** One `column=[not.]operator.value`. */
export function parseCondition(part: string): FilterCondition {
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
    const items = inner === '' ? [] : splitList(inner).map((item) => unquote(item.trim()));
    if (items.length === 0) throw new FilterSyntaxError(`"${part}": in needs at least one value`);
    return { column, operator, negate, value: items };
  }
  if (operator === 'is') {
    const value = raw.toLowerCase();
    if (!['null', 'true', 'false', 'unknown'].includes(value)) {
      throw new FilterSyntaxError(`"${part}": is takes null, true, false or unknown`);
    }
    return { column, operator, negate, value: value === 'null' ? null : value };
  }
  return { column, operator: operator as FilterOperator, negate, value: unquote(raw) };
}

/** Parses `col=op.value[,col=op.value…]`; an empty filter has no conditions. */
export function parseFilter(filter: string | undefined): FilterCondition[] {
  if (filter === undefined || filter.trim() === '') return [];
  return splitConditions(filter).map(parseCondition);
}

/** One condition over the changed row `r`; its values are appended to `params`. */
function conditionSql(condition: FilterCondition, table: TableInfo, params: unknown[]): string {
  const column = table.columns.find((c) => c.name === condition.column);
  if (!column) throw new FilterSyntaxError(`column "${condition.column}" does not exist`);
  const ref = `r.${ident(column.name)}`;
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const comparison = COMPARISONS[condition.operator];
  const pattern = PATTERNS[condition.operator];
  let expression: string;
  if (comparison) {
    expression = `${ref} ${comparison} cast(${param(condition.value as string)}::text as ${column.sqlType})`;
  } else if (pattern) {
    expression = `${ref}::text ${pattern} ${param(condition.value)}::text`;
  } else if (condition.operator === 'in') {
    expression = `${ref} in (select cast(v as ${column.sqlType}) from jsonb_array_elements_text(${param(
      JSON.stringify(condition.value),
    )}::jsonb) v)`;
  } else {
    expression = condition.value === null ? `${ref} is null` : `${ref} is ${condition.value as string}`;
  }
  return condition.negate ? `coalesce(not (${expression}), false)` : `coalesce((${expression}), false)`;
}

/**
 * The SQL for one binding's conditions over the changed row `r`, with its parameters;
 * null is never true, as in a WHERE clause.
 */
export function conditionsSql(conditions: FilterCondition[], table: TableInfo, params: unknown[]): string {
  const parts = conditions.map((condition) => conditionSql(condition, table, params));
  return parts.length === 0 ? 'true' : parts.join(' and ');
}

/** `select <conditions> from <the row as the table's type>`: what evaluates filters on a row. */
export function filterQuery(schema: string, table: string, columnsSql: string): string {
  return `select ${columnsSql} from jsonb_populate_record(null::${ident(schema)}.${ident(table)}, $1::jsonb) r`;
}

/** The key a binding's filter is known by: '' for a binding without conditions. */
export function filterKey(binding: PostgresBinding): string {
  return binding.conditions.length > 0 ? (binding.filter ?? '') : '';
}

/**
 * Which distinct filters of the bindings pass for the changed row ('' always does);
 * DELETE passes them all, as on hosted. A filter that cannot be evaluated does not pass.
 */
export async function passingFilters(
  db: Queryable,
  log: (message: string, error: unknown) => void,
  change: Change,
  table: TableInfo,
  bindings: PostgresBinding[],
): Promise<Set<string>> {
  const filters = [...new Set(bindings.filter((b) => b.conditions.length > 0).map((b) => b.filter ?? ''))];
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
    const binding = bindings.find((b) => b.filter === filter)!;
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
    const result = await db.query<Record<string, boolean>>(filterQuery(change.schema, change.table, columns.join(', ')), params);
    const row = result.rows[0] ?? {};
    kept.forEach((filter, index) => {
      if (row[`f${index}`] === true) passing.add(filter);
    });
  } catch (error) {
    log(`filters on ${change.schema}.${change.table} failed`, error);
  }
  return passing;
}
