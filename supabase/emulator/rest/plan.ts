/**
 * The plan step between parsing and SQL, as PostgREST has it: a request becomes a
 * read, a mutation or a call, with its table, columns or function resolved against
 * the schema cache of the request's schema. Execution (index.ts) only turns a plan
 * into SQL; nothing here touches the caller's transaction.
 *
 * Relationships of embedded resources are resolved while the SQL is built, against
 * the plan's cache; when one is missing the cache is reloaded and the SQL rebuilt
 * from the same plan with fresh bind parameters.
 */
import type { Database } from '../database.ts';
import { unquote } from '../postgrest-syntax.ts';
import { RestError, invalidBody } from './errors.ts';
import { checkBodyDepth, checkValueDepth } from './limits.ts';
import {
  parseCondition,
  parseField,
  parseLogic,
  parseNonNegativeInteger,
  parseOrder,
  parseSelect,
  splitTopLevel,
  type AcceptInfo,
  type Filter,
  type OrderTerm,
  type Preferences,
  type SelectItem,
} from './parse.ts';
import { reloadSchemaCache, schemaCache, type FunctionInfo, type SchemaCache, type TableInfo } from './schema-cache.ts';
import type { EmbedOptions } from './sql.ts';
import type { RestContext, RestRequest } from './types.ts';

/** One request as every step sees it, built once by the router. */
export interface RequestScope {
  request: RestRequest;
  context: RestContext;
  /** Upper-case HTTP method. */
  method: string;
  /** The exposed schema the request reads or writes. */
  schema: string;
  /** The schema was chosen by Accept-Profile / Content-Profile (echoed as Content-Profile). */
  profiled: boolean;
  accept: AcceptInfo;
  prefs: Preferences;
}

/** Query parameters that are not filters. */
const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict']);

export interface ParsedQuery {
  select: SelectItem[];
  filters: Filter[];
  order?: OrderTerm[];
  limit?: number;
  offset?: number;
  embedOptions: Map<string, EmbedOptions>;
}

interface Resolved {
  /** The schema cache the names were resolved against. */
  cache: SchemaCache;
}

export interface ReadPlan extends Resolved {
  kind: 'read';
  table: TableInfo;
  query: ParsedQuery;
}

export interface InsertPlan extends Resolved {
  kind: 'insert';
  table: TableInfo;
  query: ParsedQuery;
  /** The body, a JSON object or array of objects, as sent. */
  body: string;
  isArray: boolean;
  columns: string[];
  /** Upserts: what a conflict on `target` does. */
  conflict?: { target: string[]; action: 'merge' | 'ignore' };
}

export interface UpdatePlan extends Resolved {
  kind: 'update';
  table: TableInfo;
  query: ParsedQuery;
  body: string;
  columns: string[];
}

export interface DeletePlan extends Resolved {
  kind: 'delete';
  table: TableInfo;
  query: ParsedQuery;
}

export interface ChosenFunction {
  fn: FunctionInfo;
  /** Argument names taken from the request, in declaration order. */
  argNames: string[];
  /** The whole body goes to the one unnamed json/jsonb parameter. */
  wholeBody: boolean;
}

export interface CallPlan extends Resolved {
  kind: 'call';
  chosen: ChosenFunction;
  /** The arguments as one JSON text (the body, or the GET arguments). */
  args: string;
  /** Filters, order and paging on the result (GET arguments left out). */
  query: ParsedQuery;
}

export type MutatePlan = InsertPlan | UpdatePlan | DeletePlan;
export type Plan = ReadPlan | MutatePlan | CallPlan;

/** Turns a table or function request into its plan. */
export async function planRequest(scope: RequestScope, target: { table: string } | { rpc: string }): Promise<Plan> {
  if ('rpc' in target) return planCall(scope, target.rpc);
  const { method } = scope;
  const found = await findTable(scope, target.table);
  if (method === 'GET' || method === 'HEAD') {
    const query = parseQuery(scope.request.query);
    applyRangeHeader(query, scope.request.headers['range']);
    return { kind: 'read', ...found, query };
  }
  if (method === 'POST') return planInsert(scope, found);
  if (method === 'PATCH') return planUpdate(scope, found);
  if (method === 'DELETE') {
    const query = parseQuery(scope.request.query);
    if (query.filters.length === 0) throw new RestError(400, '21000', 'DELETE requires a WHERE clause');
    return { kind: 'delete', ...found, query };
  }
  throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
}

/** Looks a table up, reloading the cache once if it is not known yet. */
async function findTable(scope: RequestScope, name: string): Promise<{ cache: SchemaCache; table: TableInfo }> {
  const { db } = scope.context;
  let cache = await schemaCache(db, scope.schema);
  let table = cache.tables.get(name);
  if (!table) {
    cache = await reloadSchemaCache(db, cache);
    table = cache.tables.get(name);
  }
  if (!table) {
    throw new RestError(404, 'PGRST205', `Could not find the table '${scope.schema}.${name}' in the schema cache`);
  }
  return { cache, table };
}

/** Checks every column exists, reloading the cache once for a column added since. */
async function checkColumns(
  db: Database,
  found: { cache: SchemaCache; table: TableInfo },
  columns: string[],
): Promise<{ cache: SchemaCache; table: TableInfo }> {
  const missing = (table: TableInfo) => columns.find((column) => !table.columnsByName.has(column));
  if (missing(found.table) === undefined) return found;
  const cache = await reloadSchemaCache(db, found.cache);
  const table = cache.tables.get(found.table.name) ?? found.table;
  const unknown = missing(table);
  if (unknown !== undefined) {
    throw new RestError(400, 'PGRST204', `Could not find the '${unknown}' column of '${table.name}' in the schema cache`);
  }
  return { cache, table };
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

async function planInsert(scope: RequestScope, initial: { cache: SchemaCache; table: TableInfo }): Promise<InsertPlan> {
  const { request, prefs, context } = scope;
  const { text, value } = parseBody(request);
  const rows = Array.isArray(value) ? value : [value];
  if (!rows.every(isObject)) throw invalidBody('Expected a JSON object or an array of objects');
  const columnsParam = request.query.get('columns');
  const columns = columnsParam !== null ? parseColumnsParam(columnsParam) : [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const found = await checkColumns(context.db, initial, columns);
  let conflict: InsertPlan['conflict'];
  if (prefs.resolution) {
    const onConflict = request.query.get('on_conflict');
    const target = onConflict !== null ? parseColumnsParam(onConflict) : found.table.primaryKey;
    await checkColumns(context.db, found, target);
    if (target.length === 0 && prefs.resolution === 'merge-duplicates') {
      throw new RestError(400, 'PGRST100', `Upsert into '${found.table.name}' needs on_conflict columns, because the table has no primary key`);
    }
    conflict = { target, action: prefs.resolution === 'merge-duplicates' ? 'merge' : 'ignore' };
  }
  return { kind: 'insert', ...found, query: parseQuery(request.query), body: text, isArray: Array.isArray(value), columns, conflict };
}

async function planUpdate(scope: RequestScope, initial: { cache: SchemaCache; table: TableInfo }): Promise<UpdatePlan> {
  const query = parseQuery(scope.request.query);
  const { text, value } = parseBody(scope.request);
  if (!isObject(value)) throw invalidBody('Expected a JSON object');
  const columns = Object.keys(value);
  const found = await checkColumns(scope.context.db, initial, columns);
  if (query.filters.length === 0) throw new RestError(400, '21000', 'UPDATE requires a WHERE clause');
  return { kind: 'update', ...found, query, body: text, columns };
}

// ---------------------------------------------------------------------------------
// Functions

/**
 * Whether `fn` can be called with exactly the argument names `keys`, as PostgREST
 * matches overloads: every required parameter given, nothing given that is not a
 * parameter.
 */
function matchesArguments(fn: FunctionInfo, keys: Set<string>): boolean {
  if (fn.args.some((arg) => arg.name === '')) return false;
  if (fn.args.length === 0) return keys.size === 0;
  const required = fn.args.slice(0, fn.args.length - fn.defaults).map((arg) => arg.name);
  const optional = new Set(fn.args.slice(fn.args.length - fn.defaults).map((arg) => arg.name));
  const rest = [...keys].filter((key) => !optional.has(key));
  return rest.length === required.length && required.every((name) => keys.has(name));
}

/** A POST may call a function whose one parameter is an unnamed json or jsonb. */
const takesWholeBody = (fn: FunctionInfo, post: boolean): boolean =>
  post && fn.args.length === 1 && fn.args[0].name === '' && fn.args[0].isJson;

/**
 * PostgREST's overload resolution: the functions whose parameters match the names
 * exactly; failing those, the one taking the whole body. More than one candidate is
 * ambiguous (300 PGRST203) rather than a silent pick.
 */
function chooseFunction(candidates: FunctionInfo[], keys: Set<string>, post: boolean): ChosenFunction | undefined {
  const matched = candidates.filter((fn) => matchesArguments(fn, keys));
  const fallback = candidates.filter((fn) => takesWholeBody(fn, post));
  const found = matched.length > 0 ? matched : fallback;
  if (found.length > 1) throw ambiguousFunction(found);
  if (found.length === 0) return undefined;
  const fn = found[0];
  if (matched.length === 0) return { fn, argNames: [], wholeBody: true };
  return { fn, argNames: fn.args.filter((arg) => keys.has(arg.name)).map((arg) => arg.name), wholeBody: false };
}

function ambiguousFunction(functions: FunctionInfo[]): RestError {
  const signature = (fn: FunctionInfo) => `${fn.schema}.${fn.name}(${fn.args.map((arg) => `${arg.name} => ${arg.type}`).join(', ')})`;
  // Fewer parameters first, as PostgREST orders overloads.
  const sorted = [...functions].sort((a, b) => a.args.length - b.args.length || signature(a).localeCompare(signature(b)));
  return new RestError(
    300,
    'PGRST203',
    `Could not choose the best candidate function between: ${sorted.map(signature).join(', ')}`,
    null,
    'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
  );
}

async function findFunction(
  scope: RequestScope,
  name: string,
  keys: Set<string>,
  post: boolean,
): Promise<{ cache: SchemaCache; chosen: ChosenFunction }> {
  const { db } = scope.context;
  let cache = await schemaCache(db, scope.schema);
  let chosen = chooseFunction(cache.functions.get(name) ?? [], keys, post);
  if (!chosen) {
    cache = await reloadSchemaCache(db, cache);
    chosen = chooseFunction(cache.functions.get(name) ?? [], keys, post);
  }
  if (!chosen) {
    const sorted = [...keys].sort();
    const shown = sorted.length > 0 ? `(${sorted.join(', ')})` : ' without parameters';
    const searched = sorted.length === 0 ? ' without parameters' : ` with parameter${sorted.length > 1 ? 's' : ''} ${sorted.join(', ')}`;
    throw new RestError(
      404,
      'PGRST202',
      `Could not find the function ${scope.schema}.${name}${shown} in the schema cache`,
      `Searched for the function ${scope.schema}.${name}${searched}${post ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`,
    );
  }
  return { cache, chosen };
}

/**
 * On GET, a query parameter whose value is an operator expression (`a=eq.1`) filters
 * the result; any other (`a=1`) is a function argument, as PostgREST splits them.
 */
function isFunctionArgument(key: string, value: string): boolean {
  if (RESERVED.has(key) || key === 'apikey' || key.includes('.') || key === 'or' || key === 'and') return false;
  try {
    parseCondition(parseField(key), value, false);
    return false;
  } catch {
    return true;
  }
}

async function planCall(scope: RequestScope, name: string): Promise<CallPlan> {
  const { method, request } = scope;
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
  }
  if (method === 'POST') {
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
    const args = text.trim() === '' ? '{}' : text;
    // Only a function with one unnamed json parameter accepts a non-object body.
    const keys = new Set(isObject(value) ? Object.keys(value) : []);
    const { cache, chosen } = await findFunction(scope, name, keys, true);
    if (!isObject(value) && !chosen.wholeBody) throw invalidBody('Expected a JSON object with the function arguments');
    return { kind: 'call', cache, chosen, args, query: parseQuery(request.query) };
  }
  const args: Record<string, string> = {};
  for (const [key, value] of request.query) {
    if (isFunctionArgument(key, value)) {
      // Postgres parses an argument as JSON for json parameters: bound its nesting first.
      checkValueDepth(`the argument ${key}`, value);
      args[key] = value;
    }
  }
  const keys = new Set(Object.keys(args));
  const { cache, chosen } = await findFunction(scope, name, keys, false);
  // The arguments leave the query string; what remains filters the result.
  return { kind: 'call', cache, chosen, args: JSON.stringify(args), query: parseQuery(request.query, keys) };
}
