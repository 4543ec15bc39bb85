/**
 * SQL text for reads: projections with embedded resources, filters and ordering.
 * Identifiers are checked or quoted, JSON keys become escaped literals, and every
 * request value is a bind parameter with no declared type, so Postgres coerces it to
 * the column's type exactly as PostgREST relies on.
 */
import { RestError, syntaxError } from './errors.ts';
import { outputName, type Field, type Filter, type OrderTerm, type SelectItem } from './parse.ts';
import type { ForeignKey, SchemaCache, TableInfo } from './schema-cache.ts';

/** Postgres accepts at most 65535 bind parameters; stay well below with a clear 400. */
const MAX_PARAMS = 30_000;

export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    if (this.values.length >= MAX_PARAMS) throw syntaxError(`A request may carry at most ${MAX_PARAMS} filter values`);
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export function ident(name: string): string {
  if (name.includes('\0')) throw syntaxError(`"${name}" is not a valid name`);
  return `"${name.replace(/"/g, '""')}"`;
}

export function literal(text: string): string {
  if (text.includes('\0')) throw syntaxError('Text may not contain a NUL character');
  return `'${text.replace(/'/g, "''")}'`;
}

export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

function fieldSql(field: Field, alias: string): string {
  let sql = `${ident(alias)}.${ident(field.name)}`;
  for (const step of field.path) {
    sql += step.arrow + (/^-?\d{1,9}$/.test(step.key) ? step.key : literal(step.key));
  }
  return sql;
}

const COMPARISON: Record<string, string> = {
  eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=', like: 'like', ilike: 'ilike',
  match: '~', imatch: '~*', cs: '@>', cd: '<@', ov: '&&', sl: '<<', sr: '>>', nxl: '&>', nxr: '&<', adj: '-|-',
};
const TEXT_SEARCH: Record<string, string> = {
  fts: 'to_tsquery', plfts: 'plainto_tsquery', phfts: 'phraseto_tsquery', wfts: 'websearch_to_tsquery',
};
const IS_VALUES: Record<string, string> = {
  null: 'null', not_null: 'not null', true: 'true', false: 'false', unknown: 'unknown',
};

/** A Postgres array literal, every element quoted. */
function arrayLiteral(items: string[]): string {
  return `{${items.map((item) => `"${item.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

const likePattern = (value: string): string => value.replace(/\*/g, '%');

export function filterSql(filter: Filter, alias: string, params: SqlParams): string {
  if (filter.kind === 'logic') {
    const joined = filter.children.map((child) => filterSql(child, alias, params)).join(` ${filter.operator} `);
    return filter.negate ? `not (${joined})` : `(${joined})`;
  }
  const column = fieldSql(filter.field, alias);
  const op = filter.operator;
  let sql: string;
  if (op === 'is') sql = `${column} is ${IS_VALUES[filter.value]}`;
  else if (op === 'in') {
    const list = filter.list ?? [];
    sql = list.length === 0 ? 'false' : `${column} in (${list.map((item) => params.add(item)).join(', ')})`;
  } else if (op === 'isdistinct') sql = `${column} is distinct from ${params.add(filter.value)}`;
  else if (op in TEXT_SEARCH) {
    const language = filter.language ? `${params.add(filter.language)}::regconfig, ` : '';
    sql = `${column} @@ ${TEXT_SEARCH[op]}(${language}${params.add(filter.value)})`;
  } else if (filter.quantifier) {
    const items = (filter.list ?? []).map((item) => (op === 'like' || op === 'ilike' ? likePattern(item) : item));
    sql = `${column} ${COMPARISON[op]} ${filter.quantifier}(${params.add(arrayLiteral(items))})`;
  } else {
    let value = filter.value;
    if (op === 'like' || op === 'ilike') value = likePattern(value);
    // PostgREST accepts the list form (a,b) for array overlap.
    if (op === 'ov' && value.startsWith('(') && value.endsWith(')')) value = `{${value.slice(1, -1)}}`;
    sql = `${column} ${COMPARISON[op]} ${params.add(value)}`;
  }
  return filter.negate ? `not (${sql})` : sql;
}

export function orderSql(terms: OrderTerm[] | undefined, alias: string): string {
  if (!terms || terms.length === 0) return '';
  const parts = terms.map((term) => {
    let sql = `${fieldSql(term.field, alias)} ${term.descending ? 'desc' : 'asc'}`;
    if (term.nulls) sql += ` nulls ${term.nulls}`;
    return sql;
  });
  return ` order by ${parts.join(', ')}`;
}

export function pageSql(limit: number | undefined, offset: number | undefined): string {
  let sql = '';
  if (limit !== undefined) sql += ` limit ${limit}`;
  if (offset) sql += ` offset ${offset}`;
  return sql;
}

/** Filters, order and paging that apply to one embedded resource (`items.status=eq.x`). */
export interface EmbedOptions {
  filters: Filter[];
  order?: OrderTerm[];
  limit?: number;
  offset?: number;
}

export interface ProjectionContext {
  cache: SchemaCache;
  params: SqlParams;
  embedOptions: Map<string, EmbedOptions>;
  usedPaths: Set<string>;
  /** Every embedded resource, filled in by projectionSql, for the row budget. */
  levels?: EmbedLevel[];
  /** Aggregate functions in `select` are allowed (PostgREST's db-aggregates-enabled). */
  aggregates?: boolean;
}

/** One embedded resource, as the row budget counts it. */
export interface EmbedLevel {
  /** Index of the parent embedding in `levels`, or -1 for the top-level relation. */
  parent: number;
  alias: string;
  /** `from …` of the embedded relation (with its junction table). */
  from: string;
  /** The join to the parent, without the embedding's own filters. */
  join: string;
  /** Its order/limit/offset (`limit 1` for to-one), '' for none. */
  tail: string;
  /** Whether the embedding has filters of its own or an `!inner` child. */
  filtered: boolean;
  inner: boolean;
}

interface Junction {
  table: string;
  /** [junction column, parent column] pairs. */
  toParent: [string, string][];
  /** [junction column, embedded table column] pairs. */
  toTarget: [string, string][];
}

interface Relationship {
  target: TableInfo;
  fk: ForeignKey;
  /** [column of the parent, column of the embedded table] pairs (direct relationships). */
  pairs: [string, string][];
  toOne: boolean;
  /** Set for many-to-many relationships through a junction table. */
  junction?: Junction;
  /** Set for computed relationships: the function called with the parent row. */
  computed?: string;
}

const sameColumns = (a: string[], b: string[]): boolean =>
  a.length === b.length && [...a].sort().every((column, i) => column === [...b].sort()[i]);

function relationshipCandidates(cache: SchemaCache, source: string, target: string): Relationship[] {
  const found: Relationship[] = [];
  // A function of the parent row named like the embedding comes first, as in PostgREST.
  for (const rel of cache.computed) {
    const targetTable = cache.tables.get(rel.target);
    if (rel.table === source && rel.name === target && targetTable) {
      const fk: ForeignKey = { name: rel.name, table: source, columns: [], refTable: rel.target, refColumns: [] };
      found.push({ target: targetTable, fk, pairs: [], toOne: rel.toOne, computed: rel.name });
    }
  }
  if (found.length > 0) return found;
  const targetTable = cache.tables.get(target);
  if (targetTable) {
    for (const fk of cache.foreignKeys) {
      if (fk.table === source && fk.refTable === target) {
        found.push({ target: targetTable, fk, pairs: fk.columns.map((c, i) => [c, fk.refColumns[i]]), toOne: true });
      }
      if (fk.table === target && fk.refTable === source) {
        const toOne = targetTable.uniques.some((unique) => sameColumns(unique, fk.columns));
        found.push({ target: targetTable, fk, pairs: fk.refColumns.map((c, i) => [c, fk.columns[i]]), toOne });
      }
    }
    if (found.length > 0) return found;
    // Many-to-many: a junction table with foreign keys to both sides.
    for (const toParent of cache.foreignKeys) {
      if (toParent.refTable !== source || toParent.table === source || toParent.table === target) continue;
      for (const toTarget of cache.foreignKeys) {
        if (toTarget === toParent || toTarget.table !== toParent.table || toTarget.refTable !== target) continue;
        found.push({
          target: targetTable,
          fk: toTarget,
          pairs: [],
          toOne: false,
          junction: {
            table: toParent.table,
            toParent: toParent.columns.map((c, i) => [c, toParent.refColumns[i]]),
            toTarget: toTarget.columns.map((c, i) => [c, toTarget.refColumns[i]]),
          },
        });
      }
    }
    return found;
  }
  // `select=*,organization_id(*)` or `…,events_organization_fkey(*)`: the foreign key named by column or constraint.
  for (const fk of cache.foreignKeys) {
    if (fk.table !== source) continue;
    if (fk.name === target || (fk.columns.length === 1 && fk.columns[0] === target)) {
      const refTable = cache.tables.get(fk.refTable);
      if (refTable) found.push({ target: refTable, fk, pairs: fk.columns.map((c, i) => [c, fk.refColumns[i]]), toOne: true });
    }
  }
  return found;
}

/** Thrown when a relationship is missing, so the caller can reload the cache once. */
export class MissingRelationship extends RestError {}

function resolveRelationship(cache: SchemaCache, source: string | null, target: string, hint?: string): Relationship {
  let candidates = source ? relationshipCandidates(cache, source, target) : [];
  if (hint) {
    candidates = candidates.filter(
      (rel) =>
        rel.fk.name === hint || rel.junction?.table === hint || rel.fk.columns.includes(hint) || rel.fk.refColumns.includes(hint),
    );
  }
  if (candidates.length === 1) return candidates[0];
  const shownSource = source ?? 'the function result';
  if (candidates.length === 0) {
    throw new MissingRelationship(
      400,
      'PGRST200',
      `Could not find a relationship between '${shownSource}' and '${target}' in the schema cache`,
      `Searched for a foreign key relationship between '${shownSource}' and '${target}'${hint ? ` using the hint '${hint}'` : ''} in the schema '${cache.schema}', but no matches were found.`,
    );
  }
  const options = candidates.map((rel) => `'${target}!${rel.junction?.table ?? rel.fk.name}'`).join(', ');
  throw new RestError(
    300,
    'PGRST201',
    `Could not embed because more than one relationship was found for '${shownSource}' and '${target}'`,
    candidates.map((rel) => describeRelationship(shownSource, target, rel)),
    `Try changing '${target}' to one of the following: ${options}. Find the desired relationship in the 'details' key.`,
  );
}

/** One PGRST201 `details` entry, in PostgREST's shape: embedding, cardinality, relationship. */
function describeRelationship(source: string, target: string, rel: Relationship): Record<string, string> {
  const columns = (list: string[]) => `(${list.join(', ')})`;
  const embedding = `${source} with ${target}`;
  if (rel.junction) {
    const { table, toParent, toTarget } = rel.junction;
    return {
      cardinality: 'many-to-many',
      embedding,
      relationship: `${table} using ${source}${columns(toParent.map(([, parent]) => parent))} and ${target}${columns(toTarget.map(([, child]) => child))}`,
    };
  }
  const cardinality = rel.toOne ? (rel.fk.table === source ? 'many-to-one' : 'one-to-one') : 'one-to-many';
  return {
    cardinality,
    embedding,
    relationship: `${rel.fk.name} using ${source}${columns(rel.pairs.map(([parent]) => parent))} and ${target}${columns(rel.pairs.map(([, child]) => child))}`,
  };
}

export interface Projection {
  /** The select list. */
  sql: string;
  /** ` group by …` when the select list aggregates, else ''. */
  groupBy: string;
  /** `exists (…)` conditions from `!inner` embeds, for the parent's WHERE. */
  innerConditions: string[];
}

/**
 * The select list for `items` over the relation aliased `alias`. `table` is the
 * relation's name in the schema cache (for relationships), null for results without
 * foreign keys.
 */
export function projectionSql(
  items: SelectItem[],
  alias: string,
  table: string | null,
  ctx: ProjectionContext,
  pathPrefix = '',
  parentLevel = -1,
): Projection {
  const columns: string[] = [];
  const innerConditions: string[] = [];
  let embedCount = 0;
  // PostgREST names each embedding's subquery after the parent, the name and the depth,
  // so the same name twice on one level is Postgres' duplicate-alias error.
  const embedNames = new Set<string>();
  // With an aggregate, the rows are grouped by every other column (and by the parent
  // columns each embedding joins on, which its value depends on).
  const groupTerms: string[] = [];
  let aggregated = false;
  const depth = pathPrefix ? pathPrefix.split('.').length + 1 : 1;
  for (const item of items) {
    if (item.kind === 'embed') {
      const name = item.alias ?? item.target;
      if (embedNames.has(name)) {
        throw new RestError(400, '42712', `table name "${table ?? alias}_${name}_${depth}" specified more than once`);
      }
      embedNames.add(name);
    }
  }
  for (const item of items) {
    if (item.kind === 'star') {
      columns.push(`${ident(alias)}.*`);
      const columnsOfTable = table ? ctx.cache.tables.get(table)?.columns : undefined;
      if (columnsOfTable) groupTerms.push(...columnsOfTable.map((column) => `${ident(alias)}.${ident(column.name)}`));
      else groupTerms.push(`${ident(alias)}.*`);
    } else if (item.kind === 'column' && item.aggregate) {
      if (!ctx.aggregates) throw new RestError(400, 'PGRST123', 'Use of aggregate functions is not allowed');
      aggregated = true;
      let argument = item.field.name === '*' && item.field.path.length === 0 ? '*' : fieldSql(item.field, alias);
      if (item.cast) argument = `(${argument})::${item.cast}`;
      let expr = `${item.aggregate}(${argument})`;
      if (item.aggregateCast) expr = `(${expr})::${item.aggregateCast}`;
      columns.push(`${expr} as ${ident(item.alias ?? item.aggregate)}`);
    } else if (item.kind === 'column') {
      let expr = fieldSql(item.field, alias);
      if (item.cast) expr = `(${expr})::${item.cast}`;
      columns.push(`${expr} as ${ident(item.alias ?? outputName(item.field))}`);
      groupTerms.push(expr);
    } else {
      const rel = resolveRelationship(ctx.cache, table, item.target, item.hint);
      const key = item.alias ?? item.target;
      const path = pathPrefix ? `${pathPrefix}.${key}` : key;
      ctx.usedPaths.add(path);
      const options = ctx.embedOptions.get(path);
      embedCount++;
      // A distinct alias per embed keeps self-references (parent_id → same table) apart.
      const childAlias = rel.target.name === alias ? `${rel.target.name}_${embedCount}` : rel.target.name;
      const junctionAlias = `pgrst_j${embedCount}`;
      const join = rel.junction
        ? rel.junction.toParent.map(([column, parent]) => `${ident(junctionAlias)}.${ident(column)} = ${ident(alias)}.${ident(parent)}`)
        : rel.pairs.map(([parent, child]) => `${ident(childAlias)}.${ident(child)} = ${ident(alias)}.${ident(parent)}`);
      const parentColumns = rel.junction ? rel.junction.toParent.map(([, parent]) => parent) : rel.pairs.map(([parent]) => parent);
      groupTerms.push(...parentColumns.map((parent) => `${ident(alias)}.${ident(parent)}`));
      const own = (options?.filters ?? []).map((filter) => filterSql(filter, childAlias, ctx.params));
      let from = rel.computed
        ? `${qualified(ctx.cache.schema, rel.computed)}(${ident(alias)}) as ${ident(childAlias)}`
        : `${qualified(ctx.cache.schema, rel.target.name)} as ${ident(childAlias)}`;
      if (rel.junction) {
        const on = rel.junction.toTarget.map(([column, child]) => `${ident(junctionAlias)}.${ident(column)} = ${ident(childAlias)}.${ident(child)}`);
        from += ` join ${qualified(ctx.cache.schema, rel.junction.table)} as ${ident(junctionAlias)} on ${on.join(' and ')}`;
      }
      const level =
        (ctx.levels?.push({
          parent: parentLevel,
          alias: childAlias,
          from,
          join: join.length > 0 ? join.join(' and ') : 'true',
          tail: rel.toOne ? ' limit 1' : orderSql(options?.order, childAlias) + pageSql(options?.limit, options?.offset),
          filtered: own.length > 0,
          inner: item.inner,
        }) ?? 0) - 1;
      const child = projectionSql(item.select, childAlias, rel.target.name, ctx, path, level);
      if (ctx.levels && child.innerConditions.length > 0) ctx.levels[level].filtered = true;
      const conditions = [...join, ...child.innerConditions, ...own];
      const where = conditions.length > 0 ? conditions.join(' and ') : 'true';
      if (item.spread) {
        columns.push(...spreadColumns(item.select, rel, childAlias, from, where));
        if (item.inner) innerConditions.push(`exists (select 1 from ${from} where ${where})`);
        continue;
      }
      let expr: string;
      if (rel.toOne) {
        expr = `(select row_to_json(pgrst_r) from (select ${child.sql} from ${from} where ${where}${child.groupBy} limit 1) pgrst_r)`;
      } else {
        const tail = orderSql(options?.order, childAlias) + pageSql(options?.limit, options?.offset);
        expr = `(select coalesce(json_agg(pgrst_r), '[]') from (select ${child.sql} from ${from} where ${where}${child.groupBy}${tail}) pgrst_r)`;
      }
      if (item.inner) innerConditions.push(`exists (select 1 from ${from} where ${where})`);
      if (isEmptyEmbed(item.select)) continue;
      columns.push(`${expr} as ${ident(key)}`);
    }
  }
  // Only empty embeddings selected: rows without columns (`{}`), as PostgREST gives them.
  const onlyEmptyEmbeds = items.length > 0 && items.every((item) => item.kind === 'embed' && !item.spread && isEmptyEmbed(item.select));
  const unique = [...new Set(groupTerms)];
  const groupBy = aggregated && unique.length > 0 ? ` group by ${unique.join(', ')}` : '';
  return { sql: columns.length > 0 ? columns.join(', ') : onlyEmptyEmbeds ? '' : `${ident(alias)}.*`, groupBy, innerConditions };
}

/** An embedding that selects nothing, itself or through its own embeddings. */
function isEmptyEmbed(items: SelectItem[]): boolean {
  return items.every((item) => item.kind === 'embed' && !item.spread && isEmptyEmbed(item.select));
}

/**
 * The columns of a spread to-one embedding, each as its own scalar subquery so they
 * sit beside the parent's columns in the same JSON object.
 */
function spreadColumns(items: SelectItem[], rel: Relationship, childAlias: string, from: string, where: string): string[] {
  if (!rel.toOne) {
    throw new RestError(400, 'PGRST119', `A spread operation on '${rel.target.name}' is only supported on to-one relationships`);
  }
  const columns: string[] = [];
  const one = (expr: string, name: string) => columns.push(`(select ${expr} from ${from} where ${where} limit 1) as ${ident(name)}`);
  for (const item of items) {
    if (item.kind === 'star') {
      for (const column of rel.target.columns) one(`${ident(childAlias)}.${ident(column.name)}`, column.name);
    } else if (item.kind === 'column') {
      if (item.aggregate) {
        throw new RestError(400, 'PGRST127', 'Feature not implemented', `Aggregates inside the spread of '${rel.target.name}' are not supported.`);
      }
      let expr = fieldSql(item.field, childAlias);
      if (item.cast) expr = `(${expr})::${item.cast}`;
      one(expr, item.alias ?? outputName(item.field));
    } else {
      throw syntaxError(`Embedding inside the spread of '${rel.target.name}' is not supported`);
    }
  }
  return columns;
}

/**
 * A CTE named `pgrst_budget` that counts, stopping at `budget + 1`, the rows the
 * embedded resources read under the top-level rows `rootRows`, and fails the
 * statement with BUDGET_MARKER in the message when there are more than `budget`.
 * Each embedding path is walked as a chain of lateral joins, so the count costs at
 * most about `budget` rows however the embedding multiplies; the projection only runs
 * behind BUDGET_GUARD, a one-time filter evaluated before any scan.
 *
 * What is counted is what the database has to visit, not what it returns: an
 * embedding's own filters are left out (rows they reject are still read), and so is
 * its limit when it has filters. `!inner` embeddings are explored under every parent
 * row, not only the returned page, so with one of them `rootRows` must be unpaged.
 */
export function budgetCte(rootRows: string, rootAlias: string, levels: EmbedLevel[], budget: number): string {
  const anyInner = levels.some((level) => level.inner);
  const rows = (level: EmbedLevel): string => {
    const tail = anyInner || level.filtered ? '' : level.tail;
    return `(select ${ident(level.alias)}.* from ${level.from} where ${level.join}${tail})`;
  };
  const chain = (index: number): string => {
    const path: EmbedLevel[] = [];
    for (let i = index; i !== -1; i = levels[i].parent) path.unshift(levels[i]);
    let sql = '';
    for (let i = path.length - 1; i >= 0; i--) {
      sql = `select 1 from ${rows(path[i])} as ${ident(path[i].alias)}${sql ? ` cross join lateral (${sql} offset 0) as pgrst_c${i}` : ''}`;
    }
    // `offset 0` keeps each level a parameterized subquery run per parent row, so the
    // planner cannot turn the chain into hash joins that build the whole product
    // before the limit is reached.
    return `select 1 from ${rootRows} as ${ident(rootAlias)} cross join lateral (${sql} offset 0) as pgrst_c`;
  };
  const chains = levels.map((_, index) => chain(index)).join(' union all ');
  return (
    `pgrst_budget as materialized (select case when count(*) > ${budget}` +
    ` then (${literal(`${BUDGET_MARKER}:`)} || count(*))::int else 0 end as pgrst_over` +
    ` from (${chains} limit ${budget + 1}) pgrst_b)`
  );
}

/** Whether any embedding is `!inner`: then the budget counts under every parent row. */
export const hasInnerEmbedding = (levels: EmbedLevel[]): boolean => levels.some((level) => level.inner);

/** Appears in the error Postgres raises when the row budget is exceeded. */
export const BUDGET_MARKER = 'pgrst_embedding_row_budget_exceeded';
/** A condition without row references: the planner evaluates it once, before any scan. */
export const BUDGET_GUARD = '(select pgrst_over from pgrst_budget) = 0';

export type BodyMode = 'array' | 'object' | 'none' | 'csv';

/**
 * The statement that answers a read or a representation: `total` (the count, or
 * null), `n` (rows in the page) and `body`, over the rows `rows` selects. CSV needs
 * the rows twice (the header names the first row's keys), so they become a CTE.
 */
export function resultSql(ctes: string[], rows: string, total: string, mode: BodyMode, stripNulls: boolean): string {
  const head = `select ${total}::bigint as total, count(*)::bigint as n`;
  if (mode === 'csv') {
    const header =
      `(select coalesce(string_agg(pgrst_k.k, ','), '') from` +
      ` (select json_object_keys(row_to_json(pgrst_h)) as k from (select * from pgrst_rows limit 1) pgrst_h) pgrst_k)`;
    const lines = `coalesce(string_agg(substring(pgrst_t::text, 2, length(pgrst_t::text) - 2), chr(10)), '')`;
    return `with ${[...ctes, `pgrst_rows as (${rows})`].join(', ')} ${head}, ${header} || chr(10) || ${lines} as body from pgrst_rows pgrst_t`;
  }
  return `${ctes.length > 0 ? `with ${ctes.join(', ')} ` : ''}${head}, ${bodySql(mode, stripNulls)} as body from (${rows}) pgrst_t`;
}

function bodySql(mode: BodyMode, stripNulls: boolean): string {
  if (mode === 'none') return 'null::text';
  if (mode === 'object') {
    const object = `json_agg(pgrst_t) -> 0`;
    return `case when count(*) = 1 then (${stripNulls ? `json_strip_nulls(${object})` : object})::text end`;
  }
  const array = `coalesce(json_agg(pgrst_t), '[]')`;
  return `(${stripNulls ? `json_strip_nulls(${array})` : array})::text`;
}
