/**
 * The PostgREST subset that supabase-js uses, over one `Database`.
 *
 * A request is parsed, planned against the schema cache of its schema (plan.ts), and
 * executed: one transaction that first switches to the caller's role and claims (so
 * GRANTs and RLS decide everything), then runs one statement whose JSON (or CSV) is
 * produced by Postgres. Request values are bind parameters; names are checked
 * against the schema cache and quoted.
 */
import { actAs, roleSettings } from '../act-as.ts';
import type { Queryable } from '../database.ts';
import { API_ROLES } from '../jwt.ts';
import { RestError, driverErrorBody, isDriverError, roleRefusal, statusForSqlState } from './errors.ts';
import { MAX_EMBEDDED_ROWS, tooComplex } from './limits.ts';
import { openApiDocument } from './openapi.ts';
import { parseAccept, parsePrefer, type Preferences } from './parse.ts';
import {
  planRequest,
  type CallPlan,
  type DeletePlan,
  type InsertPlan,
  type ParsedQuery,
  type ReadPlan,
  type RequestScope,
  type UpdatePlan,
} from './plan.ts';
import { DEFAULT_SCHEMA, reloadSchemaCache, type SchemaCache, type TableInfo } from './schema-cache.ts';
import {
  BUDGET_GUARD,
  BUDGET_MARKER,
  MissingRelationship,
  SqlParams,
  budgetCte,
  filterSql,
  hasInnerEmbedding,
  ident,
  literal,
  orderSql,
  pageSql,
  projectionSql,
  qualified,
  resultSql,
  type BodyMode,
  type ProjectionContext,
} from './sql.ts';
import type { HandleRest, RestContext, RestRequest, RestResponse } from './types.ts';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
/** PostgREST's `db-extra-search-path` on Supabase, when the context names none. */
const DEFAULT_EXTRA_SEARCH_PATH = ['public', 'extensions'];

/**
 * Settings PostgREST itself sets for every request, after the role's own. JIT is off
 * for API statements: a nested embedding's cost estimate passes the JIT thresholds,
 * and compiling hundreds of expressions took seconds on Postgres for a millisecond
 * query (PGlite has no JIT).
 */
const REQUEST_SETTINGS = { jit: 'off' } as const;

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

/** Answers one REST request; the caller (server.ts) has refused roles outside API_ROLES, and so does inRequestTransaction. */
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

/**
 * The schema a request addresses: `Accept-Profile` (GET, HEAD) or `Content-Profile`
 * (other methods) naming one of the exposed schemas, else the first exposed one.
 */
function requestSchema(request: RestRequest, context: RestContext, method: string): { schema: string; profiled: boolean } {
  const exposed = context.schemas && context.schemas.length > 0 ? context.schemas : [DEFAULT_SCHEMA];
  const header = method === 'GET' || method === 'HEAD' ? request.headers['accept-profile'] : request.headers['content-profile'];
  if (header === undefined) return { schema: exposed[0], profiled: false };
  if (!exposed.includes(header)) {
    throw new RestError(406, 'PGRST106', `Invalid schema: ${header}`, null, `Only the following schemas are exposed: ${exposed.join(', ')}`);
  }
  return { schema: header, profiled: true };
}

async function route(request: RestRequest, context: RestContext): Promise<RestResponse> {
  const method = request.method.toUpperCase();
  const { schema, profiled } = requestSchema(request, context, method);
  const segments = request.path.replace(/\/+$/, '').split('/').slice(1).map(decodeSegment);
  if (segments.length === 0 || (segments.length === 1 && segments[0] === '')) {
    if (method !== 'GET' && method !== 'HEAD') throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
    const body = await inRequestTransaction({ request, context, schema }, { readOnly: true, rollback: false }, (tx) =>
      openApiDocument(tx, schema),
    );
    const headers: Record<string, string> = { 'Content-Type': 'application/openapi+json; charset=utf-8' };
    if (profiled) headers['Content-Profile'] = schema;
    return { status: 200, headers, body: method === 'HEAD' ? undefined : body };
  }
  const accept = parseAccept(request.headers['accept']);
  if (!accept) {
    throw new RestError(406, 'PGRST107', `None of these media types are available: ${request.headers['accept']}`);
  }
  const prefs = parsePrefer(request.headers['prefer']);
  if (prefs.handling === 'strict' && prefs.invalid.length > 0) {
    throw new RestError(400, 'PGRST122', 'Invalid preferences given with handling=strict', `Invalid preferences: ${prefs.invalid.join(', ')}`);
  }
  let target: { table: string } | { rpc: string };
  if (segments.length === 1 && segments[0]) target = { table: segments[0] };
  else if (segments.length === 2 && segments[0] === 'rpc' && segments[1]) target = { rpc: segments[1] };
  else throw new RestError(404, 'PGRST125', `Invalid path specified in request URL: ${request.path}`);

  const scope: RequestScope = { request, context, method, schema, profiled, accept, prefs };
  const plan = await planRequest(scope, target);
  const response = await execute(plan, scope);
  if (profiled) response.headers['Content-Profile'] = schema;
  return response;
}

function execute(plan: ReadPlan | InsertPlan | UpdatePlan | DeletePlan | CallPlan, scope: RequestScope): Promise<RestResponse> {
  switch (plan.kind) {
    case 'read':
      return executeRead(plan, scope);
    case 'insert':
      return executeInsert(plan, scope);
    case 'update':
    case 'delete':
      return executeUpdateOrDelete(plan, scope);
    case 'call':
      return executeCall(plan, scope);
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RestError(404, 'PGRST125', `Invalid path segment: ${segment}`);
  }
}

/**
 * The request's schema, then the extra search path, each quoted, as PostgREST sets it
 * (`"public", "public", "extensions"` on a hosted project: it does not deduplicate).
 */
function searchPath(schema: string, context: RestContext): string {
  return [schema, ...(context.extraSearchPath ?? DEFAULT_EXTRA_SEARCH_PATH)].map(ident).join(', ');
}

/** Runs `fn` in the caller's transaction, after switching role, claims and search path. */
async function inRequestTransaction<T>(
  scope: Pick<RequestScope, 'request' | 'context' | 'schema'>,
  options: { readOnly: boolean; rollback: boolean },
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const { request, context } = scope;
  const { claims } = context;
  // Only the API roles are ever acted as, whoever calls (server.ts refuses others first).
  if (!API_ROLES.has(claims.role)) throw roleRefusal(claims.role);
  const settings = await roleSettings(context.db);
  return context.db.transaction(async (tx) => {
    await actAs(tx, { role: claims.role, claims }, {
      roleSettings: settings,
      settings: {
        search_path: searchPath(scope.schema, context),
        ...REQUEST_SETTINGS,
        'request.method': request.method.toUpperCase(),
        'request.path': request.path,
        'request.headers': JSON.stringify(request.headers),
        'request.cookies': JSON.stringify(parseCookies(request.headers['cookie'])),
      },
    });
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

/** A statement and the bind parameters it was built with. */
interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Builds a statement from the plan's cache; when it names a relationship the cache
 * does not know, reloads the cache once and builds again (the relationship may be
 * new). Each build starts with its own bind parameters.
 */
async function buildStatement(
  context: RestContext,
  cache: SchemaCache,
  build: (cache: SchemaCache, params: SqlParams) => string,
): Promise<Statement> {
  const attempt = (current: SchemaCache): Statement => {
    const params = new SqlParams();
    return { sql: build(current, params), params: params.values };
  };
  try {
    return attempt(cache);
  } catch (error) {
    if (!(error instanceof MissingRelationship)) throw error;
    return attempt(await reloadSchemaCache(context.db, cache));
  }
}

function checkEmbedPaths(parsed: ParsedQuery, ctx: ProjectionContext): void {
  for (const path of parsed.embedOptions.keys()) {
    if (!ctx.usedPaths.has(path)) {
      throw new RestError(400, 'PGRST108', `'${path}' is not an embedded resource in this request`, null,
        `Verify that '${path}' is included in the 'select' query parameter.`);
    }
  }
}

function projectionContext(cache: SchemaCache, params: SqlParams, parsed: ParsedQuery, context: RestContext): ProjectionContext {
  return {
    cache,
    params,
    embedOptions: parsed.embedOptions,
    usedPaths: new Set(),
    levels: [],
    aggregates: context.aggregatesEnabled ?? false,
  };
}

function effectiveLimit(limit: number | undefined, maxRows: number): number | undefined {
  if (maxRows > 0) return Math.min(limit ?? maxRows, maxRows);
  return limit;
}

/** How a read's body is produced: JSON array, one object, CSV, or none (HEAD). */
function bodyMode(scope: RequestScope, single: boolean): BodyMode {
  if (scope.method === 'HEAD') return 'none';
  if (scope.accept.csv) return 'csv';
  return single ? 'object' : 'array';
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

function buildRead(spec: ReadSpec, ctx: ProjectionContext): string {
  const { params } = ctx;
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
  const rows = `select ${projection.sql} from ${spec.from}${where}${projection.groupBy}${tail}`;
  return resultSql(ctes, rows, total, spec.mode, spec.stripNulls);
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
  csv = false,
): RestResponse {
  const n = Number(row.n);
  const total = spec.count && row.total !== null ? Number(row.total) : null;
  if (spec.single && n !== 1) throw singleError(n);
  if (total !== null && offset > 0 && offset > total) {
    throw new RestError(416, 'PGRST103', 'Requested range not satisfiable', `An offset of ${offset} was requested, but there are only ${total} rows.`);
  }
  const headers: Record<string, string> = {
    'Content-Type': csv ? CSV_CONTENT_TYPE : JSON_CONTENT_TYPE,
    'Content-Range': contentRange(offset, n, total),
  };
  preferenceApplied(prefs, headers);
  const partial = total !== null && n < total;
  return { status: partial ? 206 : 200, headers, body: spec.mode === 'none' ? undefined : (row.body ?? '[]') };
}

/**
 * `Prefer: handling=strict, max-affected=N` on an update, delete or function call:
 * more affected rows undo the request (lenient handling ignores the limit).
 */
function checkMaxAffected(prefs: Preferences, n: number): void {
  if (prefs.handling === 'strict' && prefs.maxAffected !== undefined && n > prefs.maxAffected) {
    throw new AbortWith(
      new RestError(400, 'PGRST124', 'Query result exceeds max-affected preference constraint', `The query affects ${n} rows`),
    );
  }
}

function singleError(n: number): RestError {
  return new RestError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${n} rows`);
}

// ---------------------------------------------------------------------------------
// Reads

async function executeRead(plan: ReadPlan, scope: RequestScope): Promise<RestResponse> {
  const { table, query } = plan;
  const { context, accept, prefs } = scope;
  const spec: ReadSpec = {
    from: `${qualified(plan.cache.schema, table.name)} as ${ident(table.name)}`,
    alias: table.name,
    table: table.name,
    parsed: query,
    count: prefs.count !== undefined,
    mode: bodyMode(scope, accept.single),
    stripNulls: accept.stripNulls,
    maxRows: context.maxRows,
    embeddedRowBudget: embeddedRowBudget(context),
  };
  const statement = await buildStatement(context, plan.cache, (cache, params) =>
    buildRead(spec, projectionContext(cache, params, query, context)),
  );
  const row = await inRequestTransaction(scope, { readOnly: true, rollback: prefs.rollback }, async (tx) => {
    const result = await tx.query<QueryResultRow>(statement.sql, statement.params);
    return result.rows[0];
  });
  return readResponse(row, query.offset ?? 0, { count: spec.count, mode: spec.mode, single: accept.single }, prefs, accept.csv);
}

// ---------------------------------------------------------------------------------
// Writes

interface WriteResult {
  n: number;
  body: string | null;
  /** Upserts: rows inserted minus rows updated, as PostgREST counts them. */
  inserted?: number;
}

/** Counts candidate rows up and conflict updates down, in a transaction-local setting. */
const INSERTED_SETTING = 'pgrst.inserted';
const countInserted = (step: '+' | '-'): string =>
  `set_config('${INSERTED_SETTING}', (coalesce(nullif(current_setting('${INSERTED_SETTING}', true), '')::int, 0) ${step} 1)::text, true)` +
  ` <> '${step === '+' ? '0' : '-1'}'`;

/** Runs a data-modifying statement; with representation, its rows come back as JSON. */
async function runWrite(
  scope: RequestScope,
  statement: {
    /** The statement, or its representation wrapper (which reports `n` and `body`). */
    sql: string;
    params: unknown[];
    represented: boolean;
    /** Updates and deletes honour `max-affected`. */
    limitAffected?: boolean;
    /** The statement counts inserted rows with countInserted(). */
    countsInserted?: boolean;
  },
): Promise<WriteResult> {
  const { accept, prefs } = scope;
  return inRequestTransaction(scope, { readOnly: false, rollback: prefs.rollback }, async (tx) => {
    let result: WriteResult;
    if (statement.represented) {
      const { rows } = await tx.query<QueryResultRow>(statement.sql, statement.params);
      result = { n: Number(rows[0].n), body: rows[0].body };
    } else {
      const { rowCount } = await tx.query(statement.sql, statement.params);
      result = { n: rowCount, body: null };
    }
    // single() on a write: anything but exactly one row is undone.
    if (accept.single && result.n !== 1) throw new AbortWith(singleError(result.n));
    if (statement.limitAffected) checkMaxAffected(prefs, result.n);
    if (statement.countsInserted) {
      const { rows } = await tx.query<{ inserted: number | null }>(
        `select nullif(current_setting('${INSERTED_SETTING}', true), '')::int as inserted`,
      );
      result.inserted = rows[0].inserted ?? 0;
    }
    return result;
  });
}

/** Wraps a DML statement so the affected rows are projected like a read. */
function representationSql(dml: string, table: TableInfo, parsed: ParsedQuery, scope: RequestScope, ctx: ProjectionContext): string {
  const projection = projectionSql(parsed.select, table.name, table.name, ctx);
  checkEmbedPaths(parsed, ctx);
  const budget = embeddedRowBudget(scope.context);
  const from = `pgrst_m as ${ident(table.name)}`;
  const ctes = [`pgrst_m as (${dml} returning ${ident(table.name)}.*)`];
  let where = '';
  if (budget !== undefined && ctx.levels!.length > 0) {
    ctes.push(budgetCte(`(select ${ident(table.name)}.* from ${from})`, table.name, ctx.levels!, budget));
    where = ` where ${BUDGET_GUARD}`;
  }
  const rows = `select ${projection.sql} from ${from}${where}${projection.groupBy}${orderSql(parsed.order, table.name)}`;
  return resultSql(ctes, rows, 'null', scope.accept.csv ? 'csv' : scope.accept.single ? 'object' : 'array', scope.accept.stripNulls);
}

/** `create`: an insert keeps its 201/200 without a body; updates and deletes answer 204. */
function writeResponse(status: number, result: WriteResult, scope: RequestScope, representation: boolean, create = false): RestResponse {
  const { prefs, accept } = scope;
  const headers: Record<string, string> = {
    'Content-Range': contentRange(0, result.n, prefs.count ? result.n : null),
  };
  preferenceApplied(prefs, headers);
  if (!representation) return { status: create ? status : 204, headers };
  headers['Content-Type'] = accept.csv ? CSV_CONTENT_TYPE : JSON_CONTENT_TYPE;
  return { status, headers, body: result.body ?? (accept.single ? 'null' : '[]') };
}

/** 201, or 200 for a merge-duplicates upsert that inserted nothing. */
const insertStatus = (result: WriteResult): number => (result.inserted !== undefined && result.inserted <= 0 ? 200 : 201);

async function executeInsert(plan: InsertPlan, scope: RequestScope): Promise<RestResponse> {
  const { table, columns, conflict } = plan;
  const { prefs } = scope;
  const name = qualified(plan.cache.schema, table.name);
  // A merge that only updates answers 200 instead of 201, as PostgREST decides it.
  const countsInserted = conflict?.action === 'merge';
  let conflictSql = '';
  if (conflict) {
    const targetSql = conflict.target.length > 0 ? ` (${conflict.target.map(ident).join(', ')})` : '';
    if (conflict.action === 'ignore' || columns.length === 0) conflictSql = ` on conflict${targetSql} do nothing`;
    else {
      conflictSql =
        ` on conflict${targetSql} do update set ${columns.map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ')}` +
        ` where ${countInserted('-')}`;
    }
  }
  const dml = (params: SqlParams): string => {
    const body = params.add(plan.isArray ? plan.body : `[${plan.body}]`);
    const source = `jsonb_array_elements(${body}::jsonb) as pgrst_e(value) cross join lateral jsonb_populate_record(null::${name}, pgrst_e.value) as pgrst_r`;
    const values = columns.map((column) => {
      const picked = `pgrst_r.${ident(column)}`;
      if (!prefs.missingDefault) return picked;
      // missing=default: a key absent from a row takes the column default, not NULL.
      const fallback = table.columnsByName.get(column)?.default ?? 'null';
      return `case when pgrst_e.value ? ${literal(column)} then ${picked} else ${fallback} end`;
    });
    const target = columns.length > 0 ? ` (${columns.map(ident).join(', ')})` : '';
    const counting = countsInserted ? ` where ${countInserted('+')}` : '';
    return `insert into ${name}${target} select ${values.join(', ')} from ${source}${counting}${conflictSql}`;
  };

  if (prefs.return === 'headers-only' && table.primaryKey.length > 0) {
    // Location names the (first) inserted row by its primary key.
    const keys = table.primaryKey.map(ident).join(', ');
    const statement = await buildStatement(scope.context, plan.cache, (_cache, params) =>
      `with pgrst_m as (${dml(params)} returning ${keys})` +
      ` select null::bigint as total, count(*)::bigint as n, (json_agg(pgrst_m) -> 0)::text as body from pgrst_m`,
    );
    const result = await runWrite(scope, { ...statement, represented: true, countsInserted });
    const response = writeResponse(insertStatus(result), { n: result.n, body: null }, scope, false, true);
    if (result.body) response.headers['Location'] = locationFor(table, JSON.parse(result.body) as Record<string, unknown>);
    return response;
  }
  const represented = prefs.return === 'representation';
  const statement = await buildStatement(scope.context, plan.cache, (cache, params) => {
    const sql = dml(params);
    return represented ? representationSql(sql, table, plan.query, scope, projectionContext(cache, params, plan.query, scope.context)) : sql;
  });
  const result = await runWrite(scope, { ...statement, represented, countsInserted });
  return writeResponse(insertStatus(result), result, scope, represented, true);
}

function locationFor(table: TableInfo, key: Record<string, unknown>): string {
  const query = table.primaryKey
    .map((column) => `${encodeURIComponent(column)}=eq.${encodeURIComponent(String(key[column] ?? ''))}`)
    .join('&');
  return `/${encodeURIComponent(table.name)}?${query}`;
}

async function executeUpdateOrDelete(plan: UpdatePlan | DeletePlan, scope: RequestScope): Promise<RestResponse> {
  const { table, query } = plan;
  const { prefs } = scope;
  const represented = prefs.return === 'representation';
  if (plan.kind === 'update' && plan.columns.length === 0) {
    // Nothing to set: PostgREST answers as if no row matched.
    return writeResponse(200, { n: 0, body: null }, scope, represented);
  }
  const name = qualified(plan.cache.schema, table.name);
  const where = (params: SqlParams): string => {
    const conditions = query.filters.map((filter) => filterSql(filter, table.name, params)).join(' and ');
    if (query.limit === undefined && !query.offset) return conditions;
    // A limited update/delete touches only the first rows in the requested order.
    if (table.kind !== 'r' && table.kind !== 'p') {
      throw new RestError(400, 'PGRST100', `limit and offset on ${scope.method} are only supported on tables, and '${table.name}' is not one`);
    }
    const page = orderSql(query.order, table.name) + pageSql(query.limit, query.offset);
    return `${ident(table.name)}.ctid = any(array(select ${ident(table.name)}.ctid from ${name} where ${conditions}${page}))`;
  };
  const dml = (params: SqlParams): string => {
    if (plan.kind === 'delete') return `delete from ${name} where ${where(params)}`;
    const body = params.add(plan.body);
    const set = plan.columns.map((column) => `${ident(column)} = pgrst_r.${ident(column)}`).join(', ');
    return `update ${name} set ${set} from jsonb_populate_record(null::${name}, ${body}::jsonb) as pgrst_r where ${where(params)}`;
  };
  const statement = await buildStatement(scope.context, plan.cache, (cache, params) => {
    const sql = dml(params);
    return represented ? representationSql(sql, table, query, scope, projectionContext(cache, params, query, scope.context)) : sql;
  });
  const result = await runWrite(scope, { ...statement, represented, limitAffected: true });
  return writeResponse(200, result, scope, represented);
}

// ---------------------------------------------------------------------------------
// Function calls

/** `fn(a := …, b := …)`, every argument taken from one jsonb parameter. */
function callSql(plan: CallPlan, argsParam: string): string {
  const { fn } = plan.chosen;
  const name = qualified(plan.cache.schema, fn.name);
  if (plan.chosen.wholeBody) return `${name}(${argsParam}::${fn.args[0].type})`;
  const args = plan.chosen.argNames.map((argName) => {
    const arg = fn.args.find((candidate) => candidate.name === argName)!;
    const key = literal(argName);
    const json = `${argsParam}::jsonb -> ${key}`;
    let value: string;
    if (arg.isJson) value = `(${json})::${arg.type}`;
    else if (arg.isArray) {
      // A JSON array from a POST body, or a `{a,b}` literal from a GET query string.
      value =
        `(case jsonb_typeof(${json}) when 'array'` +
        ` then array(select jsonb_array_elements_text(${json}))::text[]::${arg.type}` +
        ` else (${argsParam}::jsonb ->> ${key})::${arg.type} end)`;
    } else if (arg.isComposite) {
      // A row-type parameter: a JSON object from a POST body, or a `(a,b)` row literal.
      value =
        `(case jsonb_typeof(${json}) when 'object'` +
        ` then jsonb_populate_record(null::${arg.type}, ${json})` +
        ` else (${argsParam}::jsonb ->> ${key})::${arg.type} end)`;
    } else value = `(${argsParam}::jsonb ->> ${key})::${arg.type}`;
    return `${ident(argName)} := ${value}`;
  });
  return `${name}(${args.join(', ')})`;
}

/** The call with its arguments bound as the statement's first parameter (if any). */
function boundCall(plan: CallPlan, params: SqlParams): string {
  // A function without arguments must not get an unused bind parameter.
  const takesArgs = plan.chosen.wholeBody || plan.chosen.argNames.length > 0;
  return callSql(plan, takesArgs ? params.add(plan.args) : '');
}

/** A call's transaction: read-only unless POSTed, as PostgREST runs GET and HEAD calls. */
function callTransaction(scope: RequestScope): { readOnly: boolean; rollback: boolean } {
  return { readOnly: scope.method !== 'POST', rollback: scope.prefs.rollback };
}

/** Headers of a JSON answer that is not a paged read: its range and the preferences applied. */
function jsonHeaders(prefs: Preferences, n: number, total: number | null): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Type': JSON_CONTENT_TYPE, 'Content-Range': contentRange(0, n, total) };
  preferenceApplied(prefs, headers);
  return headers;
}

const csvUnavailable = (): RestError => new RestError(406, 'PGRST107', 'None of these media types are available: text/csv');

async function executeCall(plan: CallPlan, scope: RequestScope): Promise<RestResponse> {
  const { fn } = plan.chosen;
  const { prefs } = scope;
  if (prefs.handling === 'strict' && prefs.maxAffected !== undefined && !fn.returnsSet) {
    throw new RestError(400, 'PGRST128', 'Function must return SETOF or TABLE when max-affected preference is used with handling=strict');
  }
  if (fn.returnsVoid) return callVoid(plan, scope);
  if (fn.returnsComposite) return callRows(plan, scope);
  if (scope.accept.csv) throw csvUnavailable();
  return fn.returnsSet ? callScalarSet(plan, scope) : callScalar(plan, scope);
}

/** A void function: 204. */
async function callVoid(plan: CallPlan, scope: RequestScope): Promise<RestResponse> {
  const params = new SqlParams();
  const sql = `select ${boundCall(plan, params)}`;
  await inRequestTransaction(scope, callTransaction(scope), (tx) => tx.query(sql, params.values));
  const headers: Record<string, string> = {};
  preferenceApplied(scope.prefs, headers);
  return { status: 204, headers };
}

/** SETOF a scalar: an array of values; only paging applies. */
async function callScalarSet(plan: CallPlan, scope: RequestScope): Promise<RestResponse> {
  const { context, prefs } = scope;
  const parsed = plan.query;
  const head = scope.method === 'HEAD';
  const params = new SqlParams();
  const call = boundCall(plan, params);
  const sql =
    `with pgrst_source as materialized (select pgrst_v from ${call} as pgrst_f(pgrst_v))` +
    ` select ${prefs.count ? `(select count(*) from pgrst_source)` : 'null'}::bigint as total, count(*)::bigint as n,` +
    ` ${head ? 'null::text' : `coalesce(json_agg(pgrst_s.pgrst_v), '[]')::text`} as body` +
    ` from (select pgrst_v from pgrst_source${pageSql(effectiveLimit(parsed.limit, context.maxRows), parsed.offset)}) pgrst_s`;
  const row = await inRequestTransaction(scope, callTransaction(scope), async (tx) => {
    const result = (await tx.query<QueryResultRow>(sql, params.values)).rows[0];
    checkMaxAffected(prefs, Number(result.n));
    return result;
  });
  return readResponse(row, parsed.offset ?? 0, { count: prefs.count !== undefined, mode: head ? 'none' : 'array', single: false }, prefs);
}

/** A composite or SETOF composite: read like a table, from the call's rows. */
async function callRows(plan: CallPlan, scope: RequestScope): Promise<RestResponse> {
  const { fn } = plan.chosen;
  const { context, accept, prefs } = scope;
  const parsed = plan.query;
  const transaction = callTransaction(scope);
  const single = accept.single || !fn.returnsSet;
  const mode = bodyMode(scope, single);
  const count = prefs.count !== undefined;
  const spec = (call: string): ReadSpec => ({
    with: `pgrst_source as materialized (select * from ${call})`,
    from: `pgrst_source as ${ident(fn.name)}`,
    alias: fn.name,
    table: fn.returnTable,
    parsed,
    count,
    mode,
    stripNulls: accept.stripNulls,
    maxRows: fn.returnsSet ? context.maxRows : 0,
    embeddedRowBudget: embeddedRowBudget(context),
  });
  const statement = await buildStatement(context, plan.cache, (cache, params) =>
    buildRead(spec(boundCall(plan, params)), projectionContext(cache, params, parsed, context)),
  );
  const row = await inRequestTransaction(scope, transaction, async (tx) => {
    const result = (await tx.query<QueryResultRow>(statement.sql, statement.params)).rows[0];
    if (accept.single && Number(result.n) !== 1 && !transaction.readOnly) throw new AbortWith(singleError(Number(result.n)));
    checkMaxAffected(prefs, Number(result.n));
    return result;
  });
  if (!fn.returnsSet && !accept.single && !accept.csv) {
    // A single composite is an object; a function returning a NULL row gives null.
    const total = count && row.total !== null ? Number(row.total) : null;
    return { status: 200, headers: jsonHeaders(prefs, Number(row.n), total), body: scope.method === 'HEAD' ? undefined : (row.body ?? 'null') };
  }
  return readResponse(row, parsed.offset ?? 0, { count, mode, single: accept.single }, prefs, accept.csv);
}

/**
 * A scalar result: its JSON value, made by Postgres. HEAD runs the function too and
 * drops the body; a count is of the one row the call gives.
 */
async function callScalar(plan: CallPlan, scope: RequestScope): Promise<RestResponse> {
  const { prefs } = scope;
  const params = new SqlParams();
  const sql = `select to_json(${boundCall(plan, params)})::text as body`;
  const row = await inRequestTransaction(scope, callTransaction(scope), async (tx) => (await tx.query<{ body: string | null }>(sql, params.values)).rows[0]);
  return { status: 200, headers: jsonHeaders(prefs, 1, prefs.count ? 1 : null), body: scope.method === 'HEAD' ? undefined : (row.body ?? 'null') };
}
