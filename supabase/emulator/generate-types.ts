/**
 * Generates src/lib/database.types.ts — the `Database` type supabase-js takes as its
 * generic — from the live catalog of a freshly migrated database, in the format of
 * `supabase gen types typescript`: per schema `Tables` (Row/Insert/Update/Relationships),
 * `Views`, `Functions` (Args/Returns), `Enums`, `CompositeTypes`.
 *
 * Usage: `npm run gen:types` (writes the file), `npm run gen:types -- --check` (exits 1
 * when the committed file is out of date). The database tests run the same check.
 *
 * Function arguments and result columns are typed as non-null, as the Supabase
 * generator does, except those a function's comment lists as "Nullable: a, b."
 * (argument names such as p_event_id, result column names, or "result" for a scalar
 * result): the catalog does not record which of them may be null.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Queryable } from './database.ts';

export const typesFile = fileURLToPath(new URL('../../src/lib/database.types.ts', import.meta.url));

const SCHEMA = 'public';

interface ColumnRow {
  table_name: string;
  column_name: string;
  type_name: string;
  type_schema: string;
  type_type: string;
  type_category: string;
  element_name: string | null;
  element_schema: string | null;
  element_type: string | null;
  not_null: boolean;
  has_default: boolean;
  identity: string;
  generated: string;
}

interface TypeRef {
  name: string;
  schema: string;
  type: string;
  category: string;
  elementName: string | null;
  elementSchema: string | null;
  elementType: string | null;
}

interface ForeignKeyRow {
  name: string;
  table_name: string;
  columns: string[];
  referenced_table: string;
  referenced_columns: string[];
  one_to_one: boolean;
}

interface FunctionRow {
  name: string;
  arg_names: string[] | null;
  arg_modes: string[] | null;
  arg_type_oids: number[];
  input_type_oids: number[];
  default_count: number;
  returns_set: boolean;
  return_type_oid: number;
  comment: string | null;
}

interface TypeInfoRow {
  oid: number;
  name: string;
  schema: string;
  type: string;
  category: string;
  relid: number;
  relation_name: string | null;
  element_name: string | null;
  element_schema: string | null;
  element_type: string | null;
}

const scalarTypes: Record<string, string> = {
  bool: 'boolean',
  int2: 'number',
  int4: 'number',
  int8: 'number',
  float4: 'number',
  float8: 'number',
  numeric: 'number',
  oid: 'number',
  json: 'Json',
  jsonb: 'Json',
  void: 'undefined',
  record: 'Record<string, unknown>',
};

function quoteKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
}

/** Postgres arrays in either driver's shape: a JS array, or the text form "{a,b}". */
function asArray<T = string>(value: unknown): T[] {
  if (value == null) return [];
  if (Array.isArray(value)) return value as T[];
  const text = String(value);
  if (text === '{}') return [];
  return text.replace(/^\{|\}$/g, '').split(',').map((v) => v.replace(/^"|"$/g, '')) as T[];
}

function tsType(ref: TypeRef, enums: Set<string>): string {
  if (ref.category === 'A' && ref.elementName) {
    const element = tsType(
      { name: ref.elementName, schema: ref.elementSchema ?? 'pg_catalog', type: ref.elementType ?? 'b', category: '', elementName: null, elementSchema: null, elementType: null },
      enums,
    );
    return `${element.includes(' ') ? `(${element})` : element}[]`;
  }
  if (ref.type === 'e' && ref.schema === SCHEMA && enums.has(ref.name)) return `Database["${SCHEMA}"]["Enums"]["${ref.name}"]`;
  return scalarTypes[ref.name] ?? (ref.type === 'e' ? 'string' : ref.name === 'unknown' ? 'unknown' : 'string');
}

/** "Nullable: a, b." in a function comment. */
function nullableNames(comment: string | null): Set<string> {
  const match = comment?.match(/Nullable: ([a-z0-9_, ]+)\./);
  return new Set(match ? match[1].split(',').map((s) => s.trim()) : []);
}

/** Error codes: `raise exception '<code>'` and `private.raise_invalid_field('<code>', …)` in function bodies. */
const ERROR_CODE_PATTERNS = [/raise\s+exception\s+'([a-z][a-z0-9_]*)'/gi, /raise_invalid_field\(\s*'([a-z][a-z0-9_]*)'/g];

/** Characters no contract value contains, standing in for a builder's arguments. */
const sentinel = (i: number) => `\u0001${i}\u0002`;

/** Every stable error code raised in the bodies of the functions in `public` and `private`. */
async function errorCodesSection(db: Queryable): Promise<string[]> {
  const bodies = (
    await db.query<{ src: string }>(
      `select p.prosrc as src from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private') and p.prolang in (select oid from pg_language where lanname in ('plpgsql', 'sql'))`,
    )
  ).rows;
  const codes = new Set<string>();
  for (const { src } of bodies) {
    for (const pattern of ERROR_CODE_PATTERNS) for (const match of src.matchAll(pattern)) codes.add(match[1]);
  }
  return [
    '/** Every stable error code the database raises (the error\'s `message`), read from the function bodies. */',
    `export const ErrorCodes = [${[...codes].sort().map((c) => JSON.stringify(c)).join(', ')}] as const;`,
    'export type ErrorCode = (typeof ErrorCodes)[number];',
    '',
  ];
}

/** A function marked "@contract <name>" in its comment. */
interface ContractFunction {
  schema: string;
  name: string;
  comment: string;
  arg_names: string[] | string | null;
  arg_types: number[] | string;
  return_type: string;
}

/** Its argument names and type oids, and how SQL calls it. */
interface ContractCall {
  fn: ContractFunction;
  exportName: string;
  qualified: string;
  argNames: string[];
  argTypes: number[];
}

/** A constant: `export const <name> = <value>`. */
async function contractConstant(db: Queryable, call: ContractCall): Promise<string[]> {
  const { rows } = await db.query<{ value: unknown }>(`select ${call.qualified}() as value`);
  return [`export const ${call.exportName} = ${JSON.stringify(rows[0].value)};`];
}

/**
 * A text builder: called once with a placeholder per argument, emitted as a template
 * function with the same parameters.
 */
async function contractTemplate(db: Queryable, call: ContractCall): Promise<string[]> {
  const { qualified, argNames, argTypes } = call;
  const types = (await db.query<{ t: string }>('select format_type(t, null) as t from unnest($1::oid[]) t', [argTypes])).rows.map((r) => r.t);
  if (types.some((t) => t !== 'text' && t !== 'uuid')) throw new Error(`${qualified}: a template builder takes text or uuid arguments`);
  // Each argument gets a placeholder of its type; the result shows where it went.
  const placeholders = types.map((t, i) => (t === 'uuid' ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : sentinel(i)));
  const { rows } = await db.query<{ value: string }>(
    `select ${qualified}(${types.map((t, i) => `$${i + 1}::${t}`).join(', ')}) as value`,
    placeholders,
  );
  const params = argNames.map((n) => camel(n.replace(/^p_/, '')));
  let template = rows[0].value.replace(/[`\\$]/g, (c) => `\\${c}`);
  placeholders.forEach((placeholder, i) => {
    template = template.split(placeholder).join(`\${${params[i]}}`);
  });
  return [`export const ${call.exportName} = (${params.map((p) => `${p}: string`).join(', ')}): string => \`${template}\`;`];
}

/** A jsonb payload builder: an interface with one field per argument, without the p_ prefix. */
async function contractPayload(db: Queryable, call: ContractCall, enumNames: Set<string>): Promise<string[]> {
  const { argNames, argTypes } = call;
  const nullable = nullableNames(call.fn.comment);
  const info = await loadTypeInfo(db, argTypes);
  const out = [`export interface ${call.exportName} {`];
  argNames.forEach((name, i) => {
    const t = info.get(argTypes[i])!;
    const ref: TypeRef = { name: t.name, schema: t.schema, type: t.type, category: t.category, elementName: null, elementSchema: null, elementType: null };
    out.push(`  ${name.replace(/^p_/, '')}: ${tsType(ref, enumNames)}${nullable.has(name) ? ' | null' : ''};`);
  });
  out.push('}');
  return out;
}

/** One @contract function: its doc comment and its constant, template or interface. */
async function contractEntry(db: Queryable, fn: ContractFunction, enumNames: Set<string>): Promise<string[]> {
  const call: ContractCall = {
    fn,
    exportName: /@contract ([A-Za-z0-9_]+)/.exec(fn.comment)![1],
    qualified: `${fn.schema}.${fn.name}`,
    argNames: asArray<string>(fn.arg_names ?? []),
    argTypes: asArray<number>(fn.arg_types).map(Number),
  };
  const doc = fn.comment.split('@contract')[0].replace(/\s*Nullable: [a-z0-9_, ]+\.\s*/, ' ').trim();
  const out = [`/** ${doc} (${call.qualified}) */`];
  if (call.argTypes.length === 0) out.push(...(await contractConstant(db, call)));
  else if (fn.return_type === 'text') out.push(...(await contractTemplate(db, call)));
  else if (fn.return_type === 'jsonb') out.push(...(await contractPayload(db, call, enumNames)));
  else throw new Error(`${call.qualified}: @contract functions return a constant, text from text/uuid arguments, or jsonb`);
  out.push('');
  return out;
}

/**
 * The contract: stable error codes read from the bodies of the functions in `public` and
 * `private`, and every function whose comment contains "@contract <name>":
 * - without arguments: its value becomes `export const <name>`;
 * - returning text from text/uuid arguments: a builder, called once with placeholders
 *   and emitted as a template function with the same parameters;
 * - returning jsonb: a payload builder, emitted as `export interface <name>` with one
 *   field per argument (without the p_ prefix); "Nullable: p_a, p_b." makes fields nullable.
 * The comment before the marker becomes the doc comment.
 */
async function contractSection(db: Queryable, enumNames: Set<string>): Promise<string[]> {
  const out = await errorCodesSection(db);
  const builders = (
    await db.query<ContractFunction>(
      `select n.nspname as schema, p.proname as name, obj_description(p.oid, 'pg_proc') as comment,
              p.proargnames as arg_names, p.proargtypes::oid[] as arg_types, format_type(p.prorettype, null) as return_type
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private') and obj_description(p.oid, 'pg_proc') like '%@contract %'
       order by substring(obj_description(p.oid, 'pg_proc') from '@contract ([A-Za-z0-9_]+)')`,
    )
  ).rows;
  for (const fn of builders) out.push(...(await contractEntry(db, fn, enumNames)));
  return out;
}

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The schema's catalog as the generator reads it. */
interface Catalog {
  enums: { name: string; labels: string[] | string }[];
  enumNames: Set<string>;
  relations: { name: string; kind: string }[];
  columns: ColumnRow[];
  foreignKeys: ForeignKeyRow[];
  functions: FunctionRow[];
  /** The argument and result types of the functions, by oid. */
  typeInfo: Map<number, TypeInfoRow>;
}

/** The rows of a catalog query whose `$1` is the schema the types describe. */
async function schemaRows<Row>(db: Queryable, sql: string): Promise<Row[]> {
  return (await db.query<Row>(sql, [SCHEMA])).rows;
}

async function loadEnums(db: Queryable): Promise<Catalog['enums']> {
  return schemaRows<{ name: string; labels: string[] | string }>(
    db,
    `select t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
     from pg_type t join pg_namespace n on n.oid = t.typnamespace join pg_enum e on e.enumtypid = t.oid
     where n.nspname = $1 group by t.typname order by t.typname`,
  );
}

async function loadRelations(db: Queryable): Promise<Catalog['relations']> {
  return schemaRows<{ name: string; kind: string }>(
    db,
    `select c.relname as name, c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm') order by c.relname`,
  );
}

async function loadColumns(db: Queryable): Promise<ColumnRow[]> {
  return schemaRows<ColumnRow>(
    db,
    `select c.relname as table_name, a.attname as column_name, t.typname as type_name, tn.nspname as type_schema,
            t.typtype::text as type_type, t.typcategory::text as type_category,
            et.typname as element_name, en.nspname as element_schema, et.typtype::text as element_type,
            a.attnotnull as not_null, a.atthasdef as has_default, a.attidentity::text as identity,
            a.attgenerated::text as generated
     from pg_attribute a
     join pg_class c on c.oid = a.attrelid
     join pg_namespace n on n.oid = c.relnamespace
     join pg_type t on t.oid = a.atttypid
     join pg_namespace tn on tn.oid = t.typnamespace
     left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
     left join pg_namespace en on en.oid = et.typnamespace
     where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm') and a.attnum > 0 and not a.attisdropped
     order by c.relname, a.attname`,
  );
}

async function loadForeignKeys(db: Queryable): Promise<ForeignKeyRow[]> {
  return schemaRows<ForeignKeyRow>(
    db,
    `select con.conname as name, c.relname as table_name, rc.relname as referenced_table,
            array(select a.attname::text from unnest(con.conkey) with ordinality k(attnum, i)
                  join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.i) as columns,
            array(select a.attname::text from unnest(con.confkey) with ordinality k(attnum, i)
                  join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum order by k.i) as referenced_columns,
            exists (select 1 from pg_index ix where ix.indrelid = con.conrelid and ix.indisunique
                      and ix.indpred is null and ix.indexprs is null
                      and (select array_agg(x order by x) from unnest(ix.indkey::int2[]) x)
                        = (select array_agg(x order by x) from unnest(con.conkey) x)) as one_to_one
     from pg_constraint con
     join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
     join pg_class rc on rc.oid = con.confrelid join pg_namespace rn on rn.oid = rc.relnamespace
     where con.contype = 'f' and n.nspname = $1 and rn.nspname = $1
     order by c.relname, con.conname`,
  );
}

async function loadFunctions(db: Queryable): Promise<FunctionRow[]> {
  return schemaRows<FunctionRow>(
    db,
    `select p.proname as name, p.proargnames as arg_names, p.proargmodes::text[] as arg_modes,
            coalesce(p.proallargtypes, p.proargtypes::oid[]) as arg_type_oids,
            p.proargtypes::oid[] as input_type_oids,
            p.pronargdefaults::int as default_count, p.proretset as returns_set,
            p.prorettype as return_type_oid, obj_description(p.oid, 'pg_proc') as comment
     from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = $1 and p.prokind = 'f' and p.prorettype <> 'trigger'::regtype
     order by p.proname, p.oid::regprocedure::text`,
  );
}

/** The types the functions take and return, by oid. */
async function loadFunctionTypes(db: Queryable, functions: FunctionRow[]): Promise<Map<number, TypeInfoRow>> {
  const typeOids = new Set<number>();
  for (const f of functions) {
    asArray<number>(f.arg_type_oids).forEach((o) => typeOids.add(Number(o)));
    typeOids.add(Number(f.return_type_oid));
  }
  return loadTypeInfo(db, [...typeOids]);
}

/** What the generator needs of each of these types, by oid. */
async function loadTypeInfo(db: Queryable, oids: number[]): Promise<Map<number, TypeInfoRow>> {
  const typeInfo = new Map<number, TypeInfoRow>();
  if (oids.length === 0) return typeInfo;
  const rows = (
    await db.query<TypeInfoRow>(
      `select t.oid::int as oid, t.typname as name, n.nspname as schema, t.typtype::text as type,
              t.typcategory::text as category, t.typrelid::int as relid, c.relname as relation_name,
              et.typname as element_name, en.nspname as element_schema, et.typtype::text as element_type
       from pg_type t join pg_namespace n on n.oid = t.typnamespace
       left join pg_class c on c.oid = t.typrelid
       left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
       left join pg_namespace en on en.oid = et.typnamespace
       where t.oid = any ($1::oid[])`,
      [oids],
    )
  ).rows;
  for (const r of rows) typeInfo.set(Number(r.oid), r);
  return typeInfo;
}

async function loadCatalog(db: Queryable): Promise<Catalog> {
  const enums = await loadEnums(db);
  const relations = await loadRelations(db);
  const columns = await loadColumns(db);
  const foreignKeys = await loadForeignKeys(db);
  const functions = await loadFunctions(db);
  const typeInfo = await loadFunctionTypes(db, functions);
  return { enums, enumNames: new Set(enums.map((e) => e.name)), relations, columns, foreignKeys, functions, typeInfo };
}

function refOf(catalog: Catalog, oid: number): TypeRef {
  const t = catalog.typeInfo.get(oid);
  if (!t) return { name: 'unknown', schema: '', type: 'b', category: '', elementName: null, elementSchema: null, elementType: null };
  return { name: t.name, schema: t.schema, type: t.type, category: t.category, elementName: t.element_name, elementSchema: t.element_schema, elementType: t.element_type };
}

function columnRef(c: ColumnRow): TypeRef {
  return {
    name: c.type_name,
    schema: c.type_schema,
    type: c.type_type,
    category: c.type_category,
    elementName: c.element_name,
    elementSchema: c.element_schema,
    elementType: c.element_type,
  };
}

function columnsOf(catalog: Catalog, table: string): ColumnRow[] {
  return catalog.columns.filter((c) => c.table_name === table);
}

function columnType(catalog: Catalog, c: ColumnRow): string {
  return `${tsType(columnRef(c), catalog.enumNames)}${c.not_null ? '' : ' | null'}`;
}

function rowShape(catalog: Catalog, table: string, indent: string): string[] {
  return columnsOf(catalog, table).map((c) => `${indent}${quoteKey(c.column_name)}: ${columnType(catalog, c)};`);
}

/** A table's Insert and Update shapes: generated columns are left out. */
function writeShapes(catalog: Catalog, table: string): string[] {
  const written = columnsOf(catalog, table).filter((c) => c.generated !== 's');
  const out = ['        Insert: {'];
  for (const c of written) {
    const optional = !c.not_null || c.has_default || c.identity !== '';
    out.push(`          ${quoteKey(c.column_name)}${optional ? '?' : ''}: ${columnType(catalog, c)};`);
  }
  out.push('        };', '        Update: {');
  for (const c of written) out.push(`          ${quoteKey(c.column_name)}?: ${columnType(catalog, c)};`);
  out.push('        };');
  return out;
}

function relationships(catalog: Catalog, table: string): string[] {
  const fks = catalog.foreignKeys.filter((fk) => fk.table_name === table);
  if (fks.length === 0) return ['        Relationships: [];'];
  const out = ['        Relationships: ['];
  for (const fk of fks) {
    out.push('          {');
    out.push(`            foreignKeyName: ${JSON.stringify(fk.name)};`);
    out.push(`            columns: ${JSON.stringify(asArray(fk.columns))};`);
    out.push(`            isOneToOne: ${fk.one_to_one ? 'true' : 'false'};`);
    out.push(`            referencedRelation: ${JSON.stringify(fk.referenced_table)};`);
    out.push(`            referencedColumns: ${JSON.stringify(asArray(fk.referenced_columns))};`);
    out.push('          },');
  }
  out.push('        ];');
  return out;
}

/** `Tables` or `Views`: per relation its Row, for tables Insert and Update, and Relationships. */
function relationsSection(catalog: Catalog, kind: 'table' | 'view'): string[] {
  const heading = `    ${kind === 'table' ? 'Tables' : 'Views'}: {`;
  const list = catalog.relations.filter((r) => (kind === 'table' ? r.kind === 'r' || r.kind === 'p' : r.kind === 'v' || r.kind === 'm'));
  if (list.length === 0) return [heading, '      [_ in never]: never;', '    };'];
  const out = [heading];
  for (const rel of list) {
    out.push(`      ${quoteKey(rel.name)}: {`);
    out.push('        Row: {', ...rowShape(catalog, rel.name, '          '), '        };');
    if (kind === 'table') out.push(...writeShapes(catalog, rel.name));
    out.push(...relationships(catalog, rel.name));
    out.push('      };');
  }
  out.push('    };');
  return out;
}

/** A function's Args lines and its output columns (OUT, INOUT and TABLE arguments). */
function functionSignature(catalog: Catalog, f: FunctionRow): { args: string[]; outputs: string[] } {
  const names = asArray(f.arg_names);
  const modes = asArray(f.arg_modes);
  const inputCount = asArray(f.input_type_oids).length;
  const nullable = nullableNames(f.comment);
  const args: string[] = [];
  const outputs: string[] = [];
  let inputIndex = 0;
  asArray<number>(f.arg_type_oids)
    .map(Number)
    .forEach((oid, i) => {
      const mode = modes[i] ?? 'i';
      const name = names[i] ?? `arg${i}`;
      const type = `${tsType(refOf(catalog, oid), catalog.enumNames)}${nullable.has(name) ? ' | null' : ''}`;
      if (mode === 'i' || mode === 'b' || mode === 'v') {
        const optional = inputIndex >= inputCount - Number(f.default_count);
        args.push(`          ${quoteKey(name)}${optional ? '?' : ''}: ${type};`);
        inputIndex += 1;
      }
      if (mode === 'o' || mode === 'b' || mode === 't') outputs.push(`          ${quoteKey(name)}: ${type};`);
    });
  return { args, outputs };
}

/** A function's Returns: its output columns, the row of the table it returns, or a scalar. */
function functionReturns(catalog: Catalog, f: FunctionRow, outputs: string[]): string {
  const retInfo = catalog.typeInfo.get(Number(f.return_type_oid));
  if (outputs.length > 0) return `{\n${outputs.join('\n')}\n        }${f.returns_set ? '[]' : ''}`;
  if (retInfo && retInfo.relid !== 0 && retInfo.relation_name) {
    const shape = rowShape(catalog, retInfo.relation_name, '          ');
    return `{\n${shape.join('\n')}\n        }${f.returns_set ? '[]' : ''}`;
  }
  const base = tsType(refOf(catalog, Number(f.return_type_oid)), catalog.enumNames);
  const returns = `${base}${nullableNames(f.comment).has('result') ? ' | null' : ''}`;
  return f.returns_set ? `(${returns})[]` : returns;
}

function functionsSection(catalog: Catalog): string[] {
  if (catalog.functions.length === 0) return ['    Functions: {', '      [_ in never]: never;', '    };'];
  const out = ['    Functions: {'];
  for (const f of catalog.functions) {
    const { args, outputs } = functionSignature(catalog, f);
    out.push(`      ${quoteKey(f.name)}: {`);
    out.push(args.length ? '        Args: {' : '        Args: Record<PropertyKey, never>;');
    if (args.length) out.push(...args, '        };');
    out.push(`        Returns: ${functionReturns(catalog, f, outputs)};`);
    out.push('      };');
  }
  out.push('    };');
  return out;
}

function enumsSection(catalog: Catalog): string[] {
  if (catalog.enums.length === 0) return ['    Enums: {', '      [_ in never]: never;', '    };'];
  const out = ['    Enums: {'];
  for (const e of catalog.enums) out.push(`      ${quoteKey(e.name)}: ${asArray(e.labels).map((l) => JSON.stringify(l)).join(' | ')};`);
  out.push('    };');
  return out;
}

const HEADER = [
  '/**',
  ' * The database as the API sees it, generated from the migrations by',
  ' * `npm run gen:types` (supabase/emulator/generate-types.ts). Do not edit by hand.',
  ' */',
  '',
  'export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[];',
  '',
];

const HELPER_TYPES = [
  `type PublicSchema = Database[${JSON.stringify(SCHEMA)}];`,
  '',
  "export type Tables<T extends keyof PublicSchema['Tables']> = PublicSchema['Tables'][T]['Row'];",
  "export type TablesInsert<T extends keyof PublicSchema['Tables']> = PublicSchema['Tables'][T]['Insert'];",
  "export type TablesUpdate<T extends keyof PublicSchema['Tables']> = PublicSchema['Tables'][T]['Update'];",
  "export type Enums<T extends keyof PublicSchema['Enums']> = PublicSchema['Enums'][T];",
  "export type FunctionArgs<T extends keyof PublicSchema['Functions']> = PublicSchema['Functions'][T]['Args'];",
  "export type FunctionReturns<T extends keyof PublicSchema['Functions']> = PublicSchema['Functions'][T]['Returns'];",
  '',
];

/** `Constants`: the enums' labels as values, as the Supabase generator emits them. */
function constantsSection(catalog: Catalog): string[] {
  const out = ['export const Constants = {', `  ${SCHEMA}: {`, '    Enums: {'];
  for (const e of catalog.enums) out.push(`      ${quoteKey(e.name)}: [${asArray(e.labels).map((l) => JSON.stringify(l)).join(', ')}],`);
  out.push('    },', '  },', '} as const;', '');
  return out;
}

/** The `Database` type of the schema. */
function databaseType(catalog: Catalog): string[] {
  return [
    'export type Database = {',
    `  ${SCHEMA}: {`,
    ...relationsSection(catalog, 'table'),
    ...relationsSection(catalog, 'view'),
    ...functionsSection(catalog),
    ...enumsSection(catalog),
    '    CompositeTypes: {',
    '      [_ in never]: never;',
    '    };',
    '  };',
    '};',
    '',
  ];
}

export async function generateTypes(db: Queryable): Promise<string> {
  const catalog = await loadCatalog(db);
  const contract = await contractSection(db, catalog.enumNames);
  return [...HEADER, ...databaseType(catalog), ...HELPER_TYPES, ...contract, ...constantsSection(catalog)].join('\n');
}

async function main(): Promise<void> {
  const { openDatabase } = await import('./database.ts');
  const { migrate } = await import('./migrate.ts');
  // A throwaway in-memory database: the types describe the migrations, not a live
  // deployment that may lag behind.
  const db = await openDatabase();
  try {
    await migrate(db);
    const generated = await generateTypes(db);
    if (process.argv.includes('--check')) {
      const committed = await readFile(typesFile, 'utf8').catch(() => '');
      if (committed !== generated) {
        console.error('src/lib/database.types.ts is out of date: run `npm run gen:types`.');
        process.exitCode = 1;
      } else {
        console.log('src/lib/database.types.ts is up to date.');
      }
    } else {
      await writeFile(typesFile, generated);
      console.log('Wrote src/lib/database.types.ts');
    }
  } finally {
    await db.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
