/**
 * What PostgREST calls the schema cache: the tables, views, columns, keys, foreign
 * keys and functions of the exposed schema, read from the catalogs in one query. It
 * is kept per database and reloaded when a request names something it does not know,
 * so objects created after start-up are found without a restart. A reload also reads
 * the API roles' settings again (act-as.ts).
 */
import { reloadRoleSettings } from '../act-as.ts';
import type { Database } from '../database.ts';

/** The schema served when a request names none and the configuration lists none. */
export const DEFAULT_SCHEMA = 'public';

export interface ColumnInfo {
  name: string;
  /** `format_type` output, safe to write into SQL after `::`. */
  type: string;
  /** The column default as SQL, or null. */
  default: string | null;
}

export interface TableInfo {
  name: string;
  kind: string;
  columns: ColumnInfo[];
  columnsByName: Map<string, ColumnInfo>;
  primaryKey: string[];
  /** Column sets of unique indexes (primary key included), each sorted. */
  uniques: string[][];
}

export interface ForeignKey {
  name: string;
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
}

export interface FunctionArg {
  name: string;
  type: string;
  isArray: boolean;
  isJson: boolean;
  /** A row type (a table's or a composite type): passed as a JSON object. */
  isComposite: boolean;
}

export interface FunctionInfo {
  schema: string;
  name: string;
  args: FunctionArg[];
  /** The last `defaults` arguments may be omitted. */
  defaults: number;
  returnsSet: boolean;
  returnType: string;
  /** Composite results (a table row type, `returns table`, OUT parameters). */
  returnsComposite: boolean;
  returnsVoid: boolean;
  /** The table whose row type is returned, for embedding. */
  returnTable: string | null;
  volatility: 'i' | 's' | 'v';
}

/**
 * A computed relationship: a function taking a row of `table` and returning rows of
 * `target`, embedded by its name (`select=*,fn(*)`) as if it were a foreign key.
 */
export interface ComputedRelationship {
  name: string;
  table: string;
  target: string;
  /** Returns one row (not SETOF, or ROWS 1). */
  toOne: boolean;
}

export interface SchemaCache {
  /** The exposed schema this cache describes. */
  schema: string;
  tables: Map<string, TableInfo>;
  foreignKeys: ForeignKey[];
  functions: Map<string, FunctionInfo[]>;
  computed: ComputedRelationship[];
}

const INTROSPECTION = `
with rel as (
  select c.oid, c.relname, c.relkind from pg_class c
  where c.relnamespace = $1::regnamespace and c.relkind in ('r', 'v', 'm', 'f', 'p')
)
select json_build_object(
  'tables', (select coalesce(json_agg(json_build_object(
      'name', rel.relname,
      'kind', rel.relkind,
      'columns', (
        select coalesce(json_agg(json_build_object(
            'name', a.attname,
            'type', format_type(a.atttypid, a.atttypmod),
            'default', case
              when a.attidentity <> '' then format('nextval(pg_get_serial_sequence(%L, %L))', format('%I.%I', $1, rel.relname), a.attname)
              else pg_get_expr(d.adbin, d.adrelid) end
          ) order by a.attnum), '[]')
        from pg_attribute a
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum and a.attgenerated = ''
        where a.attrelid = rel.oid and a.attnum > 0 and not a.attisdropped),
      'primaryKey', (
        select coalesce(json_agg(a.attname order by k.ord), '[]')
        from pg_constraint pc
        cross join unnest(pc.conkey) with ordinality k(attnum, ord)
        join pg_attribute a on a.attrelid = pc.conrelid and a.attnum = k.attnum
        where pc.conrelid = rel.oid and pc.contype = 'p'),
      'uniques', (
        select coalesce(json_agg(u.cols), '[]') from (
          select (select array_agg(a.attname::text order by a.attname)
                  from unnest(i.indkey::int2[]) k(attnum)
                  join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum) cols
          from pg_index i where i.indrelid = rel.oid and i.indisunique and i.indpred is null) u
        where u.cols is not null)
    )), '[]') from rel),
  'foreignKeys', (select coalesce(json_agg(json_build_object(
      'name', pc.conname,
      'table', src.relname,
      'columns', (select json_agg(a.attname order by k.ord) from unnest(pc.conkey) with ordinality k(attnum, ord)
                  join pg_attribute a on a.attrelid = pc.conrelid and a.attnum = k.attnum),
      'refTable', ref.relname,
      'refColumns', (select json_agg(a.attname order by k.ord) from unnest(pc.confkey) with ordinality k(attnum, ord)
                     join pg_attribute a on a.attrelid = pc.confrelid and a.attnum = k.attnum)
    )), '[]')
    from pg_constraint pc
    join pg_class src on src.oid = pc.conrelid
    join pg_class ref on ref.oid = pc.confrelid
    where pc.contype = 'f' and src.relnamespace = $1::regnamespace and ref.relnamespace = $1::regnamespace),
  'functions', (select coalesce(json_agg(json_build_object(
      'schema', $1::text,
      'name', p.proname,
      'args', (
        select coalesce(json_agg(json_build_object(
            'name', coalesce(p.proargnames[a.i], ''),
            'type', format_type(a.t, null),
            'isArray', t.typcategory = 'A',
            'isJson', a.t in ('json'::regtype, 'jsonb'::regtype),
            'isComposite', t.typtype = 'c'
          ) order by a.i), '[]')
        from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality a(t, i)
        join pg_type t on t.oid = a.t
        where coalesce(p.proargmodes[a.i], 'i') in ('i', 'b', 'v')),
      'defaults', p.pronargdefaults,
      'returnsSet', p.proretset,
      'returnType', format_type(p.prorettype, null),
      'returnsComposite', rt.typtype = 'c'
        or (p.prorettype = 'record'::regtype and coalesce(p.proargmodes && array['o', 'b', 't']::"char"[], false)),
      'returnsVoid', p.prorettype = 'void'::regtype,
      'returnTable', (select r.relname from pg_class r where r.oid = rt.typrelid and r.relnamespace = $1::regnamespace),
      'volatility', p.provolatile
    )), '[]')
    from pg_proc p join pg_type rt on rt.oid = p.prorettype
    where p.pronamespace = $1::regnamespace and p.prokind = 'f'),
  'computed', (select coalesce(json_agg(json_build_object(
      'name', p.proname,
      'table', arg.relname,
      'target', ret.relname,
      'toOne', not p.proretset or p.prorows = 1
    )), '[]')
    from pg_proc p
    join rel arg on arg.oid = (select c.oid from pg_class c where c.reltype = p.proargtypes[0])
    join rel ret on ret.oid = (select c.oid from pg_class c where c.reltype = p.prorettype)
    where p.pronamespace = $1::regnamespace and p.prokind = 'f' and p.pronargs = 1)
)::text as cache`;

interface RawCache {
  tables: (Omit<TableInfo, 'columnsByName'>)[];
  foreignKeys: ForeignKey[];
  functions: FunctionInfo[];
  computed: ComputedRelationship[];
}

async function loadSchemaCache(db: Database, schema: string): Promise<SchemaCache> {
  const exists = await db.query<{ found: boolean }>('select to_regnamespace($1) is not null as found', [schema]);
  if (!exists.rows[0].found) return { schema, tables: new Map(), foreignKeys: [], functions: new Map(), computed: [] };
  const result = await db.query<{ cache: string }>(INTROSPECTION, [schema]);
  const raw = JSON.parse(result.rows[0].cache) as RawCache;
  const tables = new Map<string, TableInfo>();
  for (const table of raw.tables) {
    tables.set(table.name, { ...table, columnsByName: new Map(table.columns.map((c) => [c.name, c])) });
  }
  const functions = new Map<string, FunctionInfo[]>();
  for (const fn of raw.functions) {
    const list = functions.get(fn.name) ?? [];
    list.push(fn);
    functions.set(fn.name, list);
  }
  return { schema, tables, foreignKeys: raw.foreignKeys, functions, computed: raw.computed };
}

interface CacheEntry {
  current: Promise<SchemaCache>;
}

/** Per database, one cache per exposed schema. */
const caches = new WeakMap<Database, Map<string, CacheEntry>>();

function entriesOf(db: Database): Map<string, CacheEntry> {
  let entries = caches.get(db);
  if (!entries) {
    entries = new Map();
    caches.set(db, entries);
  }
  return entries;
}

/** The cached schema `schema` of `db`, loading it on first use. */
export function schemaCache(db: Database, schema: string = DEFAULT_SCHEMA): Promise<SchemaCache> {
  const entries = entriesOf(db);
  let entry = entries.get(schema);
  if (!entry) {
    const created: CacheEntry = { current: loadSchemaCache(db, schema) };
    entries.set(schema, created);
    // A failed load must not poison the cache for later requests.
    created.current.catch(() => {
      if (entries.get(schema) === created) entries.delete(schema);
    });
    entry = created;
  }
  return entry.current;
}

/**
 * Reloads after a miss. Callers that saw the same stale cache share one reload, so a
 * burst of requests for an unknown table costs one catalog query.
 */
export function reloadSchemaCache(db: Database, stale: SchemaCache): Promise<SchemaCache> {
  const entries = entriesOf(db);
  const entry = entries.get(stale.schema);
  if (entry) {
    const pending = entry.current;
    return pending.then((cache) => {
      if (cache !== stale) return cache;
      if (entry.current !== pending) return entry.current;
      // Role settings are kept with the schema cache, as PostgREST keeps them: the
      // reloaded cache is ready once both are read again.
      entry.current = Promise.all([loadSchemaCache(db, stale.schema), reloadRoleSettings(db)]).then(([cache]) => cache);
      entry.current.catch(() => {
        if (entries.get(stale.schema) === entry) entries.delete(stale.schema);
      });
      return entry.current;
    });
  }
  return schemaCache(db, stale.schema);
}
