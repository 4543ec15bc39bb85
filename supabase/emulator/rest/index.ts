/**
 * The PostgREST subset that supabase-js uses, over one `Database`.
 *
 * Each request becomes one transaction that first switches to the caller's role and
 * claims (so GRANTs and RLS decide everything), then runs one statement whose JSON
 * is produced by Postgres. Request values are bind parameters; names are checked
 * against the schema cache and quoted.
 */
import type { Queryable } from '../database.ts';
import { RestError, driverErrorBody, invalidBody, isDriverError, statusForSqlState } from './errors.ts';
import {
  parseAccept,
  parseCondition,
  parseField,
  parseLogic,
  parseNonNegativeInteger,
  parseOrder,
  parsePrefer,
  parseSelect,
  splitTopLevel,
  unquote,
  type AcceptInfo,
  type Filter,
  type OrderTerm,
  type Preferences,
  type SelectItem,
} from './parse.ts';
import {
  EXPOSED_SCHEMA,
  reloadSchemaCache,
  schemaCache,
  type FunctionInfo,
  type SchemaCache,
  type TableInfo,
} from './schema-cache.ts';
import {
  BUDGET_GUARD,
  BUDGET_MARKER,
  MissingRelationship,
  SqlParams,
  budgetCte,
  bodySql,
  hasInnerEmbedding,
  filterSql,
  ident,
  literal,
  orderSql,
  pageSql,
  projectionSql,
  qualified,
  type BodyMode,
  type EmbedOptions,
  type ProjectionContext,
} from './sql.ts';
import { openApiDocument } from './openapi.ts';
import { MAX_EMBEDDED_ROWS, checkBodyDepth, checkValueDepth, tooComplex } from './limits.ts';
import type { HandleRest, RestContext, RestRequest, RestResponse } from './types.ts';

const API_ROLES = new Set(['anon', 'authenticated', 'service_role']);
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
/** Query parameters that are not filters. */
const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict']);

/**
 * Per-role statement timeouts, as the platform sets them on the roles. JIT is off for
 * API statements: a nested embedding's cost estimate passes the JIT thresholds, and
 * compiling hundreds of expressions took seconds on Postgres for a millisecond query
 * (PGlite has no JIT).
 */
const PREAMBLE = new Map(
  [...API_ROLES].map((role) => {
    const timeout = role === 'anon' ? '3s' : role === 'authenticated' ? '8s' : undefined;
    const sql =
      `select set_config('search_path', 'public, extensions', true), set_config('jit', 'off', true)` +
      (timeout ? `, set_config('statement_timeout', '${timeout}', true)` : '') +
      `, set_config('role', $1, true), set_config('request.jwt.claims', $2, true)` +
      `, set_config('request.method', $3, true), set_config('request.path', $4, true)` +
      `, set_config('request.headers', $5, true), set_config('request.cookies', $6, true)` +
      `, set_config('request.jwt.claim.sub', $7, true), set_config('request.jwt.claim.role', $1, true)` +
      `, set_config('request.jwt.claim.email', $8, true)`;
    return [role, sql];
  }),
);

interface ParsedQuery {
  select: SelectItem[];
  filters: Filter[];
  order?: OrderTerm[];
  limit?: number;
  offset?: number;
  embedOptions: Map<string, EmbedOptions>;
}

interface QueryResultRow {
  total: number | string | null;
  n: number | string;
  body: string | null;
}

/** Thrown inside a transaction to roll a write back and answer with `error`. */
class AbortWith extends Error {
  constructor(readonly error: RestError) {
    super(error.message);
  }
}

/** Answers one REST request; the caller (server.ts) has refused roles outside API_ROLES. */
export const handleRest: HandleRest = async (request, context) => {
  try {
    return await route(request, context);
  } catch (error) {
    const role = typeof context.claims.role === 'string' ? context.claims.role : 'anon';
    return errorResponse(error instanceof AbortWith ? error.error : error, request.method, role === 'anon');
  }
};

function errorResponse(error: unknown, method: string, anonymous = false): RestResponse {
  if (error instanceof RestError) {
    return { status: error.status, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body: JSON.stringify(error.toBody()) };
  }
  if (isDriverError(error) && error.message.includes(BUDGET_MARKER)) {
    return errorResponse(embeddedRowsError(), method);
  }
  if (isDriverError(error)) {
    return {
      status: statusForSqlState(error.code, method, anonymous),
      headers: { 'Content-Type': JSON_CONTENT_TYPE },
      body: JSON.stringify(driverErrorBody(error)),
    };
  }
  // Not the caller's fault: report it without details that could leak internals.
  console.error('REST request failed', error);
  return {
    status: 500,
    headers: { 'Content-Type': JSON_CONTENT_TYPE },
    body: JSON.stringify({ code: 'PGRSTX00', message: 'Internal server error', details: null, hint: null }),
  };
}

function embeddedRowsError(): RestError {
  return tooComplex(
    'The request is too expensive: its embedded resources would read too many rows',
    `The embedded resources of this request would read more than ${MAX_EMBEDDED_ROWS} rows; at most ${MAX_EMBEDDED_ROWS} are read for one request.`,
    'Ask for fewer or shallower embedded resources, filter or limit them, or split the request.',
  );
}

/** The row budget for embedded resources: none for the trusted service role. */
function embeddedRowBudget(context: RestContext): number | undefined {
  return context.claims.role === 'service_role' ? undefined : MAX_EMBEDDED_ROWS;
}

async function route(request: RestRequest, context: RestContext): Promise<RestResponse> {
  const method = request.method.toUpperCase();
  const profileHeader = method === 'GET' || method === 'HEAD' ? request.headers['accept-profile'] : request.headers['content-profile'];
  if (profileHeader !== undefined && profileHeader !== EXPOSED_SCHEMA) {
    throw new RestError(406, 'PGRST106', `The schema must be one of the following: ${EXPOSED_SCHEMA}`);
  }
  const segments = request.path.replace(/\/+$/, '').split('/').slice(1).map(decodeSegment);
  if (segments.length === 0 || (segments.length === 1 && segments[0] === '')) {
    if (method !== 'GET' && method !== 'HEAD') throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
    const body = await inRequestTransaction(request, context, { readOnly: true, rollback: false }, openApiDocument);
    return {
      status: 200,
      headers: { 'Content-Type': 'application/openapi+json; charset=utf-8' },
      body: method === 'HEAD' ? undefined : body,
    };
  }
  const accept = parseAccept(request.headers['accept']);
  if (!accept) {
    throw new RestError(406, 'PGRST107', `None of these media types are available: ${request.headers['accept']}`);
  }
  const prefs = parsePrefer(request.headers['prefer']);
  if (segments.length === 1 && segments[0]) {
    return handleTable(segments[0], method, request, context, accept, prefs);
  }
  if (segments.length === 2 && segments[0] === 'rpc' && segments[1]) {
    return handleRpc(segments[1], method, request, context, accept, prefs);
  }
  throw new RestError(404, 'PGRST125', `Invalid path specified in request URL: ${request.path}`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RestError(404, 'PGRST125', `Invalid path segment: ${segment}`);
  }
}

/** Runs `fn` in the caller's transaction, after switching role and claims. */
async function inRequestTransaction<T>(
  request: RestRequest,
  context: RestContext,
  options: { readOnly: boolean; rollback: boolean },
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const { claims } = context;
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const email = typeof claims.email === 'string' ? claims.email : '';
  const preamble = [
    claims.role,
    JSON.stringify(claims),
    request.method.toUpperCase(),
    request.path,
    JSON.stringify(request.headers),
    JSON.stringify(parseCookies(request.headers['cookie'])),
    sub,
    email,
  ];
  return context.db.transaction(async (tx) => {
    await tx.query(PREAMBLE.get(claims.role)!, preamble);
    return fn(tx);
  }, options);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

/** Looks a table up, reloading the cache once if it is not known yet. */
async function findTable(context: RestContext, name: string): Promise<{ cache: SchemaCache; table: TableInfo }> {
  let cache = await schemaCache(context.db);
  let table = cache.tables.get(name);
  if (!table) {
    cache = await reloadSchemaCache(context.db, cache);
    table = cache.tables.get(name);
  }
  if (!table) {
    throw new RestError(404, 'PGRST205', `Could not find the table '${EXPOSED_SCHEMA}.${name}' in the schema cache`);
  }
  return { cache, table };
}

/**
 * Builds SQL with `build`; when it names a relationship the cache does not know,
 * reloads the cache once and tries again (the relationship may be new).
 */
async function withRelationshipRetry<T>(
  context: RestContext,
  cache: SchemaCache,
  build: (cache: SchemaCache) => T,
): Promise<T> {
  try {
    return build(cache);
  } catch (error) {
    if (!(error instanceof MissingRelationship)) throw error;
    const fresh = await reloadSchemaCache(context.db, cache);
    return build(fresh);
  }
}

/**
 * Splits the query string into select, root filters, order, paging and per-embed
 * options. `skip` names parameters consumed elsewhere (function arguments).
 */
function parseQuery(query: URLSearchParams, skip: Set<string> = new Set()): ParsedQuery {
  const parsed: ParsedQuery = { select: parseSelect(query.get('select')), filters: [], embedOptions: new Map() };
  const embed = (path: string): EmbedOptions => {
    let options = parsed.embedOptions.get(path);
    if (!options) {
      options = { filters: [] };
      parsed.embedOptions.set(path, options);
    }
    return options;
  };
  for (const [key, value] of query) {
    if (skip.has(key) || key === 'apikey') continue;
    if (key === 'select' || key === 'columns' || key === 'on_conflict') continue;
    if (key === 'order') parsed.order = parseOrder(value);
    else if (key === 'limit') parsed.limit = parseNonNegativeInteger('limit', value);
    else if (key === 'offset') parsed.offset = parseNonNegativeInteger('offset', value);
    else if (key === 'or' || key === 'and') parsed.filters.push(parseLogic(key, false, value));
    else if (key === 'not.or' || key === 'not.and') parsed.filters.push(parseLogic(key === 'not.or' ? 'or' : 'and', true, value));
    else if (key.split('->')[0].includes('.')) {
      // `comments.body` or `comments.meta->>kind`: the dots before any JSON arrow name the embedding.
      const arrow = key.indexOf('->');
      const head = arrow === -1 ? key : key.slice(0, arrow);
      const parts = head.split('.');
      const last = parts.pop()! + (arrow === -1 ? '' : key.slice(arrow));
      const options = embed(parts.join('.'));
      if (last === 'order') options.order = parseOrder(value);
      else if (last === 'limit') options.limit = parseNonNegativeInteger(`${key}`, value);
      else if (last === 'offset') options.offset = parseNonNegativeInteger(`${key}`, value);
      else if (last === 'or' || last === 'and') options.filters.push(parseLogic(last, false, value));
      else options.filters.push(parseCondition(parseField(last), value, false));
    } else {
      parsed.filters.push(parseCondition(parseField(key), value, false));
    }
  }
  return parsed;
}

function checkEmbedPaths(parsed: ParsedQuery, ctx: ProjectionContext): void {
  for (const path of parsed.embedOptions.keys()) {
    if (!ctx.usedPaths.has(path)) {
      throw new RestError(400, 'PGRST108', `'${path}' is not an embedded resource in this request`, null,
        `Verify that '${path}' is included in the 'select' query parameter.`);
    }
  }
}

/** Applies the `Range` header (rarely sent by supabase-js) under the query's own paging. */
function applyRangeHeader(parsed: ParsedQuery, header: string | undefined): void {
  if (!header) return;
  const match = /^(?:items=)?\s*(\d+)-(\d*)$/.exec(header.trim());
  if (!match) return;
  const from = Number(match[1]);
  const to = match[2] === '' ? undefined : Number(match[2]);
  if (to !== undefined && to < from) {
    throw new RestError(416, 'PGRST103', 'Requested range not satisfiable', `The range ${header} is not valid.`);
  }
  parsed.offset ??= from;
  if (to !== undefined) parsed.limit = Math.min(parsed.limit ?? Infinity, to - from + 1);
}

function effectiveLimit(limit: number | undefined, maxRows: number): number | undefined {
  if (maxRows > 0) return Math.min(limit ?? maxRows, maxRows);
  return limit;
}

interface ReadSpec {
  /** A CTE the FROM item reads, so a function runs once even when counted. */
  with?: string;
  /** FROM item, e.g. `"public"."events" as "events"`. */
  from: string;
  alias: string;
  table: string | null;
  parsed: ParsedQuery;
  count: boolean;
  mode: BodyMode;
  stripNulls: boolean;
  maxRows: number;
  /** Rows all embedded resources may read together; undefined for no limit. */
  embeddedRowBudget: number | undefined;
}

function buildRead(spec: ReadSpec, cache: SchemaCache, params: SqlParams): string {
  const ctx: ProjectionContext = { cache, params, embedOptions: spec.parsed.embedOptions, usedPaths: new Set(), levels: [] };
  const projection = projectionSql(spec.parsed.select, spec.alias, spec.table, ctx);
  checkEmbedPaths(spec.parsed, ctx);
  const filters = spec.parsed.filters.map((filter) => filterSql(filter, spec.alias, params));
  const conditions = [...filters, ...projection.innerConditions];
  const tail = orderSql(spec.parsed.order, spec.alias) + pageSql(effectiveLimit(spec.parsed.limit, spec.maxRows), spec.parsed.offset);
  const ctes = spec.with ? [spec.with] : [];
  if (spec.embeddedRowBudget !== undefined && ctx.levels!.length > 0) {
    // `!inner` embeddings are searched under every row the filters let through.
    const rootRows = hasInnerEmbedding(ctx.levels!)
      ? `(select ${ident(spec.alias)}.* from ${spec.from}${whereSql(filters)})`
      : `(select ${ident(spec.alias)}.* from ${spec.from}${whereSql(conditions)}${tail})`;
    ctes.push(budgetCte(rootRows, spec.alias, ctx.levels!, spec.embeddedRowBudget));
    conditions.push(BUDGET_GUARD);
  }
  const where = whereSql(conditions);
  const total = spec.count ? `(select count(*) from ${spec.from}${where})` : 'null';
  return (
    (ctes.length > 0 ? `with ${ctes.join(', ')} ` : '') +
    `select ${total}::bigint as total, count(*)::bigint as n, ${bodySql(spec.mode, spec.stripNulls)} as body` +
    ` from (select ${projection.sql} from ${spec.from}${where}${tail}) pgrst_t`
  );
}

const whereSql = (conditions: string[]): string => (conditions.length > 0 ? ` where ${conditions.join(' and ')}` : '');

function contentRange(offset: number, n: number, total: number | null): string {
  const range = n > 0 ? `${offset}-${offset + n - 1}` : '*';
  return `${range}/${total ?? '*'}`;
}

function preferenceApplied(prefs: Preferences, headers: Record<string, string>): void {
  if (prefs.applied.length > 0) headers['Preference-Applied'] = prefs.applied.join(', ');
}

/** Answers a read: 200/206, 406 for single() on ≠ 1 row, 416 past the end. */
function readResponse(
  row: QueryResultRow,
  offset: number,
  spec: { count: boolean; mode: BodyMode; single: boolean },
  prefs: Preferences,
): RestResponse {
  const n = Number(row.n);
  const total = spec.count && row.total !== null ? Number(row.total) : null;
  if (spec.single && n !== 1) throw singleError(n);
  if (total !== null && offset > 0 && offset > total) {
    throw new RestError(416, 'PGRST103', 'Requested range not satisfiable', `An offset of ${offset} was requested, but there are only ${total} rows.`);
  }
  const headers: Record<string, string> = {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Range': contentRange(offset, n, total),
  };
  preferenceApplied(prefs, headers);
  const partial = total !== null && n < total;
  return { status: partial ? 206 : 200, headers, body: spec.mode === 'none' ? undefined : (row.body ?? '[]') };
}

function singleError(n: number): RestError {
  return new RestError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${n} rows`);
}

async function handleTable(
  name: string,
  method: string,
  request: RestRequest,
  context: RestContext,
  accept: AcceptInfo,
  prefs: Preferences,
): Promise<RestResponse> {
  const found = await findTable(context, name);
  if (method === 'GET' || method === 'HEAD') return readTable(found, method, request, context, accept, prefs);
  if (method === 'POST') return insertRows(found, request, context, accept, prefs);
  if (method === 'PATCH' || method === 'DELETE') return updateOrDelete(found, method, request, context, accept, prefs);
  throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
}

async function readTable(
  found: { cache: SchemaCache; table: TableInfo },
  method: string,
  request: RestRequest,
  context: RestContext,
  accept: AcceptInfo,
  prefs: Preferences,
): Promise<RestResponse> {
  const parsed = parseQuery(request.query);
  applyRangeHeader(parsed, request.headers['range']);
  const { table } = found;
  const spec: ReadSpec = {
    from: `${qualified(table.name)} as ${ident(table.name)}`,
    alias: table.name,
    table: table.name,
    parsed,
    count: prefs.count !== undefined,
    mode: method === 'HEAD' ? 'none' : accept.single ? 'object' : 'array',
    stripNulls: accept.stripNulls,
    maxRows: context.maxRows,
    embeddedRowBudget: embeddedRowBudget(context),
  };
  const params = new SqlParams();
  const sql = await withRelationshipRetry(context, found.cache, (cache) => {
    params.values.length = 0;
    return buildRead(spec, cache, params);
  });
  const row = await inRequestTransaction(request, context, { readOnly: true, rollback: prefs.rollback }, async (tx) => {
    const result = await tx.query<QueryResultRow>(sql, params.values);
    return result.rows[0];
  });
  return readResponse(row, parsed.offset ?? 0, { count: spec.count, mode: spec.mode, single: accept.single }, prefs);
}

function parseBody(request: RestRequest): { text: string; value: unknown } {
  const text = request.body?.toString('utf8') ?? '';
  if (text.trim() === '') throw invalidBody('The request body is empty');
  checkBodyDepth(text);
  try {
    return { text, value: JSON.parse(text) };
  } catch (error) {
    throw invalidBody(error instanceof Error ? error.message : null);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `columns="a","b"` or `columns=a,b`. */
function parseColumnsParam(value: string): string[] {
  return splitTopLevel(value, ',').map((column) => unquote(column.trim())).filter((column) => column !== '');
}

/** Checks every column exists, reloading the cache once for a column added since. */
async function checkColumns(
  context: RestContext,
  found: { cache: SchemaCache; table: TableInfo },
  columns: string[],
): Promise<{ cache: SchemaCache; table: TableInfo }> {
  const missing = (table: TableInfo) => columns.find((column) => !table.columnsByName.has(column));
  if (missing(found.table) === undefined) return found;
  const cache = await reloadSchemaCache(context.db, found.cache);
  const table = cache.tables.get(found.table.name) ?? found.table;
  const unknown = missing(table);
  if (unknown !== undefined) {
    throw new RestError(400, 'PGRST204', `Could not find the '${unknown}' column of '${table.name}' in the schema cache`);
  }
  return { cache, table };
}

interface WriteResult {
  n: number;
  body: string | null;
}

/** Runs a data-modifying statement; with representation, its rows come back as JSON. */
async function runWrite(
  request: RestRequest,
  context: RestContext,
  prefs: Preferences,
  accept: AcceptInfo,
  statement: { sql: string; params: SqlParams; representation: string | null },
): Promise<WriteResult> {
  return inRequestTransaction(request, context, { readOnly: false, rollback: prefs.rollback }, async (tx) => {
    let result: WriteResult;
    if (statement.representation !== null) {
      const { rows } = await tx.query<QueryResultRow>(statement.representation, statement.params.values);
      result = { n: Number(rows[0].n), body: rows[0].body };
    } else {
      const { rowCount } = await tx.query(statement.sql, statement.params.values);
      result = { n: rowCount, body: null };
    }
    // single() on a write: anything but exactly one row is undone.
    if (accept.single && result.n !== 1) throw new AbortWith(singleError(result.n));
    return result;
  });
}

/** Wraps a DML statement so the affected rows are projected like a read. */
function representationSql(
  dml: string,
  table: TableInfo,
  parsed: ParsedQuery,
  accept: AcceptInfo,
  cache: SchemaCache,
  params: SqlParams,
  budget: number | undefined,
): string {
  const ctx: ProjectionContext = { cache, params, embedOptions: parsed.embedOptions, usedPaths: new Set(), levels: [] };
  const projection = projectionSql(parsed.select, table.name, table.name, ctx);
  checkEmbedPaths(parsed, ctx);
  const mode: BodyMode = accept.single ? 'object' : 'array';
  const from = `pgrst_m as ${ident(table.name)}`;
  let ctes = `pgrst_m as (${dml} returning ${ident(table.name)}.*)`;
  let where = '';
  if (budget !== undefined && ctx.levels!.length > 0) {
    ctes += `, ${budgetCte(`(select ${ident(table.name)}.* from ${from})`, table.name, ctx.levels!, budget)}`;
    where = ` where ${BUDGET_GUARD}`;
  }
  return (
    `with ${ctes}` +
    ` select null::bigint as total, count(*)::bigint as n, ${bodySql(mode, accept.stripNulls)} as body` +
    ` from (select ${projection.sql} from ${from}${where}${orderSql(parsed.order, table.name)}) pgrst_t`
  );
}

function writeResponse(status: number, result: WriteResult, prefs: Preferences, representation: boolean, single: boolean): RestResponse {
  const headers: Record<string, string> = {
    'Content-Range': contentRange(0, result.n, prefs.count ? result.n : null),
  };
  preferenceApplied(prefs, headers);
  if (!representation) return { status: status === 201 ? 201 : 204, headers };
  headers['Content-Type'] = JSON_CONTENT_TYPE;
  return { status, headers, body: result.body ?? (single ? 'null' : '[]') };
}

async function insertRows(
  initial: { cache: SchemaCache; table: TableInfo },
  request: RestRequest,
  context: RestContext,
  accept: AcceptInfo,
  prefs: Preferences,
): Promise<RestResponse> {
  const { text, value } = parseBody(request);
  const rows = Array.isArray(value) ? value : [value];
  if (!rows.every(isObject)) throw invalidBody('Expected a JSON object or an array of objects');
  const columnsParam = request.query.get('columns');
  let columns: string[];
  if (columnsParam !== null) columns = parseColumnsParam(columnsParam);
  else columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const found = await checkColumns(context, initial, columns);
  const { table } = found;

  let conflict = '';
  if (prefs.resolution) {
    const onConflict = request.query.get('on_conflict');
    const target = onConflict !== null ? parseColumnsParam(onConflict) : table.primaryKey;
    await checkColumns(context, found, target);
    if (target.length === 0 && prefs.resolution === 'merge-duplicates') {
      throw new RestError(400, 'PGRST100', `Upsert into '${table.name}' needs on_conflict columns, because the table has no primary key`);
    }
    const targetSql = target.length > 0 ? ` (${target.map(ident).join(', ')})` : '';
    if (prefs.resolution === 'ignore-duplicates' || columns.length === 0) conflict = ` on conflict${targetSql} do nothing`;
    else conflict = ` on conflict${targetSql} do update set ${columns.map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ')}`;
  }

  const params = new SqlParams();
  const body = params.add(Array.isArray(value) ? text : `[${text}]`);
  const source = `jsonb_array_elements(${body}::jsonb) as pgrst_e(value) cross join lateral jsonb_populate_record(null::${qualified(table.name)}, pgrst_e.value) as pgrst_r`;
  const values = columns.map((column) => {
    const picked = `pgrst_r.${ident(column)}`;
    if (!prefs.missingDefault) return picked;
    // missing=default: a key absent from a row takes the column default, not NULL.
    const fallback = table.columnsByName.get(column)?.default ?? 'null';
    return `case when pgrst_e.value ? ${literal(column)} then ${picked} else ${fallback} end`;
  });
  const target = columns.length > 0 ? ` (${columns.map(ident).join(', ')})` : '';
  const dml = `insert into ${qualified(table.name)}${target} select ${values.join(', ')} from ${source}${conflict}`;

  const representation = prefs.return === 'representation';
  const parsed = parseQuery(request.query);
  if (prefs.return === 'headers-only' && table.primaryKey.length > 0) {
    // Location names the (first) inserted row by its primary key.
    const keys = table.primaryKey.map(ident).join(', ');
    const locationSql =
      `with pgrst_m as (${dml} returning ${keys})` +
      ` select null::bigint as total, count(*)::bigint as n, (json_agg(pgrst_m) -> 0)::text as body from pgrst_m`;
    const result = await runWrite(request, context, prefs, accept, { sql: dml, params, representation: locationSql });
    const response = writeResponse(201, { n: result.n, body: null }, prefs, false, accept.single);
    if (result.body) response.headers['Location'] = locationFor(table, JSON.parse(result.body) as Record<string, unknown>);
    return response;
  }
  const representationText = representation
    ? await withRelationshipRetry(context, found.cache, (cache) => {
        params.values.length = 1;
        return representationSql(dml, table, parsed, accept, cache, params, embeddedRowBudget(context));
      })
    : null;
  const result = await runWrite(request, context, prefs, accept, { sql: dml, params, representation: representationText });
  return writeResponse(201, result, prefs, representation, accept.single);
}

function locationFor(table: TableInfo, key: Record<string, unknown>): string {
  const query = table.primaryKey
    .map((column) => `${encodeURIComponent(column)}=eq.${encodeURIComponent(String(key[column] ?? ''))}`)
    .join('&');
  return `/${encodeURIComponent(table.name)}?${query}`;
}

async function updateOrDelete(
  initial: { cache: SchemaCache; table: TableInfo },
  method: string,
  request: RestRequest,
  context: RestContext,
  accept: AcceptInfo,
  prefs: Preferences,
): Promise<RestResponse> {
  const parsed = parseQuery(request.query);
  const params = new SqlParams();
  let found = initial;
  let dml: string;
  const filters = () => {
    const name = found.table.name;
    const conditions = parsed.filters.map((filter) => filterSql(filter, name, params)).join(' and ');
    if (parsed.limit === undefined && !parsed.offset) return conditions;
    // A limited update/delete touches only the first rows in the requested order.
    if (found.table.kind !== 'r' && found.table.kind !== 'p') {
      throw new RestError(400, 'PGRST100', `limit and offset on ${method} are only supported on tables, and '${name}' is not one`);
    }
    const page = orderSql(parsed.order, name) + pageSql(parsed.limit, parsed.offset);
    return `${ident(name)}.ctid = any(array(select ${ident(name)}.ctid from ${qualified(name)} where ${conditions}${page}))`;
  };
  if (method === 'PATCH') {
    const { text, value } = parseBody(request);
    if (!isObject(value)) throw invalidBody('Expected a JSON object');
    const columns = Object.keys(value);
    found = await checkColumns(context, initial, columns);
    if (parsed.filters.length === 0) throw new RestError(400, '21000', 'UPDATE requires a WHERE clause');
    const body = params.add(text);
    if (columns.length === 0) {
      // Nothing to set: PostgREST answers as if no row matched.
      return writeResponse(200, { n: 0, body: null }, prefs, prefs.return === 'representation', accept.single);
    }
    const set = columns.map((column) => `${ident(column)} = pgrst_r.${ident(column)}`).join(', ');
    dml =
      `update ${qualified(found.table.name)} set ${set}` +
      ` from jsonb_populate_record(null::${qualified(found.table.name)}, ${body}::jsonb) as pgrst_r where ${filters()}`;
  } else {
    if (parsed.filters.length === 0) throw new RestError(400, '21000', 'DELETE requires a WHERE clause');
    dml = `delete from ${qualified(found.table.name)} where ${filters()}`;
  }
  const representation = prefs.return === 'representation';
  const fixedParams = params.values.length;
  const representationText = representation
    ? await withRelationshipRetry(context, found.cache, (cache) => {
        params.values.length = fixedParams;
        return representationSql(dml, found.table, parsed, accept, cache, params, embeddedRowBudget(context));
      })
    : null;
  const result = await runWrite(request, context, prefs, accept, { sql: dml, params, representation: representationText });
  return writeResponse(200, result, prefs, representation, accept.single);
}

// ---------------------------------------------------------------------------------
// RPC

interface ChosenFunction {
  fn: FunctionInfo;
  /** Argument names taken from the request, in declaration order. */
  argNames: string[];
  /** The whole body goes to the one unnamed json/jsonb parameter. */
  wholeBody: boolean;
}

function chooseFunction(candidates: FunctionInfo[], keys: string[], post: boolean): ChosenFunction | undefined {
  let best: ChosenFunction | undefined;
  let bestScore = -1;
  for (const fn of candidates) {
    if (post && fn.args.length === 1 && fn.args[0].name === '' && fn.args[0].isJson) {
      if (!best) best = { fn, argNames: [], wholeBody: true };
      continue;
    }
    if (fn.args.some((arg) => arg.name === '')) continue;
    const names = new Set(fn.args.map((arg) => arg.name));
    const required = fn.args.slice(0, fn.args.length - fn.defaults).map((arg) => arg.name);
    const given = keys.filter((key) => names.has(key));
    // POST bodies carry only arguments; GET may also carry filters on the result.
    if (post && given.length !== keys.length) continue;
    if (!required.every((name) => given.includes(name))) continue;
    if (given.length > bestScore) {
      bestScore = given.length;
      best = { fn, argNames: fn.args.filter((arg) => given.includes(arg.name)).map((arg) => arg.name), wholeBody: false };
    }
  }
  return best;
}

async function findFunction(
  context: RestContext,
  name: string,
  keys: string[],
  post: boolean,
): Promise<{ cache: SchemaCache; chosen: ChosenFunction }> {
  let cache = await schemaCache(context.db);
  let chosen = chooseFunction(cache.functions.get(name) ?? [], keys, post);
  if (!chosen) {
    cache = await reloadSchemaCache(context.db, cache);
    chosen = chooseFunction(cache.functions.get(name) ?? [], keys, post);
  }
  if (!chosen) {
    const shown = keys.length > 0 ? `(${[...keys].sort().join(', ')})` : ' without parameters';
    throw new RestError(
      404,
      'PGRST202',
      `Could not find the function ${EXPOSED_SCHEMA}.${name}${shown} in the schema cache`,
      `Searched for the function ${EXPOSED_SCHEMA}.${name}${keys.length > 0 ? ` with parameters ${[...keys].sort().join(', ')}` : ' without parameters'} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
    );
  }
  return { cache, chosen };
}

/** `fn(a := …, b := …)`, every argument taken from one jsonb parameter. */
function callSql(chosen: ChosenFunction, argsParam: string): string {
  const { fn } = chosen;
  if (chosen.wholeBody) return `${qualified(fn.name)}(${argsParam}::${fn.args[0].type})`;
  const args = chosen.argNames.map((name) => {
    const arg = fn.args.find((candidate) => candidate.name === name)!;
    const key = literal(name);
    let value: string;
    if (arg.isJson) value = `(${argsParam}::jsonb -> ${key})::${arg.type}`;
    else if (arg.isArray) {
      // A JSON array from a POST body, or a `{a,b}` literal from a GET query string.
      value =
        `(case jsonb_typeof(${argsParam}::jsonb -> ${key}) when 'array'` +
        ` then array(select jsonb_array_elements_text(${argsParam}::jsonb -> ${key}))::text[]::${arg.type}` +
        ` else (${argsParam}::jsonb ->> ${key})::${arg.type} end)`;
    } else value = `(${argsParam}::jsonb ->> ${key})::${arg.type}`;
    return `${ident(name)} := ${value}`;
  });
  return `${qualified(fn.name)}(${args.join(', ')})`;
}

async function handleRpc(
  name: string,
  method: string,
  request: RestRequest,
  context: RestContext,
  accept: AcceptInfo,
  prefs: Preferences,
): Promise<RestResponse> {
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
  }
  const post = method === 'POST';
  let argsText: string;
  let keys: string[];
  if (post) {
    const text = request.body?.toString('utf8') ?? '';
    let value: unknown = {};
    if (text.trim() !== '') {
      checkBodyDepth(text);
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw invalidBody(error instanceof Error ? error.message : null);
      }
    }
    argsText = text.trim() === '' ? '{}' : text;
    keys = isObject(value) ? Object.keys(value) : [];
    if (!isObject(value)) {
      // Only a function with one unnamed json parameter accepts a non-object body.
      const { cache, chosen } = await findFunction(context, name, [], true);
      if (!chosen.wholeBody) throw invalidBody('Expected a JSON object with the function arguments');
      return callFunction(cache, chosen, argsText, new Set(), method, request, context, accept, prefs);
    }
  } else {
    const args: Record<string, string> = {};
    for (const [key, value] of request.query) {
      if (!RESERVED.has(key) && !key.includes('.') && key !== 'apikey') args[key] = value;
    }
    keys = Object.keys(args);
    argsText = JSON.stringify(args);
  }
  const { cache, chosen } = await findFunction(context, name, keys, post);
  // On GET only the chosen function's arguments leave the query string; the rest
  // are filters on the result. POST arguments come from the body.
  const consumed = post ? new Set<string>() : new Set(chosen.argNames);
  if (!post) {
    const args: Record<string, string> = {};
    for (const argName of chosen.argNames) {
      args[argName] = request.query.get(argName)!;
      // Postgres parses an argument as JSON for json parameters: bound its nesting first.
      checkValueDepth(`the argument ${argName}`, args[argName]);
    }
    argsText = JSON.stringify(args);
  }
  return callFunction(cache, chosen, argsText, consumed, method, request, context, accept, prefs);
}

async function callFunction(
  initialCache: SchemaCache,
  chosen: ChosenFunction,
  argsText: string,
  consumed: Set<string>,
  method: string,
  request: RestRequest,
  context: RestContext,
  accept: AcceptInfo,
  prefs: Preferences,
): Promise<RestResponse> {
  const { fn } = chosen;
  const readOnly = method !== 'POST';
  const params = new SqlParams();
  // A function without arguments must not get an unused bind parameter.
  const call = chosen.wholeBody || chosen.argNames.length > 0 ? callSql(chosen, params.add(argsText)) : callSql(chosen, '');
  const fixedParams = params.values.length;
  const head = method === 'HEAD';
  const txOptions = { readOnly, rollback: prefs.rollback };

  if (fn.returnsVoid) {
    await inRequestTransaction(request, context, txOptions, (tx) => tx.query(`select ${call}`, params.values));
    const headers: Record<string, string> = {};
    preferenceApplied(prefs, headers);
    return { status: 204, headers };
  }

  if (fn.returnsSet || fn.returnsComposite) {
    const parsed = parseQuery(request.query, consumed);
    if (!fn.returnsComposite) {
      // SETOF a scalar: an array of values; only paging applies.
      const sql =
        `with pgrst_source as materialized (select pgrst_v from ${call} as pgrst_f(pgrst_v))` +
        ` select ${prefs.count ? `(select count(*) from pgrst_source)` : 'null'}::bigint as total, count(*)::bigint as n,` +
        ` ${head ? 'null::text' : `coalesce(json_agg(pgrst_s.pgrst_v), '[]')::text`} as body` +
        ` from (select pgrst_v from pgrst_source${pageSql(effectiveLimit(parsed.limit, context.maxRows), parsed.offset)}) pgrst_s`;
      const row = await inRequestTransaction(request, context, txOptions, async (tx) => (await tx.query<QueryResultRow>(sql, params.values)).rows[0]);
      return readResponse(row, parsed.offset ?? 0, { count: prefs.count !== undefined, mode: head ? 'none' : 'array', single: false }, prefs);
    }
    const single = accept.single || !fn.returnsSet;
    const spec: ReadSpec = {
      with: `pgrst_source as materialized (select * from ${call})`,
      from: `pgrst_source as ${ident(fn.name)}`,
      alias: fn.name,
      table: fn.returnTable,
      parsed,
      count: prefs.count !== undefined,
      mode: head ? 'none' : single ? 'object' : 'array',
      stripNulls: accept.stripNulls,
      maxRows: fn.returnsSet ? context.maxRows : 0,
      embeddedRowBudget: embeddedRowBudget(context),
    };
    const sql = await withRelationshipRetry(context, initialCache, (cache) => {
      params.values.length = fixedParams;
      return buildRead(spec, cache, params);
    });
    const row = await inRequestTransaction(request, context, txOptions, async (tx) => {
        const result = (await tx.query<QueryResultRow>(sql, params.values)).rows[0];
      if (accept.single && Number(result.n) !== 1 && !readOnly) throw new AbortWith(singleError(Number(result.n)));
      return result;
    });
    if (!fn.returnsSet && !accept.single) {
      // A single composite is an object; a function returning a NULL row gives null.
      const headers: Record<string, string> = { 'Content-Type': JSON_CONTENT_TYPE, 'Content-Range': contentRange(0, Number(row.n), null) };
      preferenceApplied(prefs, headers);
      return { status: 200, headers, body: head ? undefined : (row.body ?? 'null') };
    }
    return readResponse(row, parsed.offset ?? 0, { count: spec.count, mode: spec.mode, single: accept.single }, prefs);
  }

  // A scalar result: its JSON value, made by Postgres.
  const sql = `select ${head ? 'null::text' : `to_json(${call})::text`} as body`;
  const row = await inRequestTransaction(request, context, txOptions, async (tx) => (await tx.query<{ body: string | null }>(sql, params.values)).rows[0]);
  const headers: Record<string, string> = { 'Content-Type': JSON_CONTENT_TYPE, 'Content-Range': '0-0/*' };
  preferenceApplied(prefs, headers);
  return { status: 200, headers, body: head ? undefined : (row.body ?? 'null') };
}
