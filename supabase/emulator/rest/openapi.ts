/**
 * `GET /` — the OpenAPI (Swagger 2.0) description that `getOpenApiSpec()` reads. It is
 * built by Postgres under the caller's role, so it lists only the tables, columns and
 * functions that role holds privileges on, as PostgREST does.
 */
import type { Queryable } from '../database.ts';


const OPENAPI_SQL = `
with rel as (
  select c.oid, c.relname from pg_class c
  where c.relnamespace = to_regnamespace($1) and c.relkind in ('r', 'v', 'm', 'f', 'p')
    and has_table_privilege(c.oid, 'select, insert, update, delete')
),
col as (
  select rel.relname, a.attnum, a.attname, a.attnotnull and d.adbin is null and a.attidentity = '' and a.attgenerated = '' as required,
    format_type(a.atttypid, a.atttypmod) as format,
    case
      when t.typcategory = 'A' then 'array'
      when a.atttypid in ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) then 'integer'
      when a.atttypid in ('numeric'::regtype, 'float4'::regtype, 'float8'::regtype) then 'number'
      when a.atttypid = 'bool'::regtype then 'boolean'
      else 'string'
    end as type
  from rel
  join pg_attribute a on a.attrelid = rel.oid and a.attnum > 0 and not a.attisdropped
  join pg_type t on t.oid = a.atttypid
  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  where has_column_privilege(rel.oid, a.attnum, 'select, insert, update')
),
fn as (
  select p.proname, p.provolatile from pg_proc p
  where p.pronamespace = to_regnamespace($1) and p.prokind = 'f' and has_function_privilege(p.oid, 'execute')
)
select json_build_object(
  'swagger', '2.0',
  'info', json_build_object('title', 'PostgREST API', 'description', 'The database API of this project', 'version', '12.2'),
  'basePath', '/',
  'schemes', json_build_array('http', 'https'),
  'consumes', json_build_array('application/json', 'application/vnd.pgrst.object+json'),
  'produces', json_build_array('application/json', 'application/vnd.pgrst.object+json'),
  'paths', json_build_object('/', json_build_object('get', json_build_object('summary', 'OpenAPI description (this document)',
      'responses', json_build_object('200', json_build_object('description', 'OK')))))::jsonb
    || coalesce((select jsonb_object_agg('/' || rel.relname, jsonb_build_object(
        'get', jsonb_build_object('tags', jsonb_build_array(rel.relname), 'responses',
          jsonb_build_object('200', jsonb_build_object('description', 'OK', 'schema',
            jsonb_build_object('type', 'array', 'items', jsonb_build_object('$ref', '#/definitions/' || rel.relname))))),
        'post', jsonb_build_object('tags', jsonb_build_array(rel.relname), 'responses', jsonb_build_object('201', jsonb_build_object('description', 'Created'))),
        'patch', jsonb_build_object('tags', jsonb_build_array(rel.relname), 'responses', jsonb_build_object('204', jsonb_build_object('description', 'No Content'))),
        'delete', jsonb_build_object('tags', jsonb_build_array(rel.relname), 'responses', jsonb_build_object('204', jsonb_build_object('description', 'No Content')))
      )) from rel), '{}')
    || coalesce((select jsonb_object_agg('/rpc/' || fn.proname,
        jsonb_build_object('post', jsonb_build_object('tags', jsonb_build_array('(rpc) ' || fn.proname),
          'responses', jsonb_build_object('200', jsonb_build_object('description', 'OK'))))
        || case when fn.provolatile <> 'v' then jsonb_build_object('get', jsonb_build_object('tags', jsonb_build_array('(rpc) ' || fn.proname),
          'responses', jsonb_build_object('200', jsonb_build_object('description', 'OK')))) else '{}' end
      ) from fn), '{}'),
  'definitions', coalesce((select json_object_agg(rel.relname, (
      select json_build_object(
        'type', 'object',
        'required', coalesce(json_agg(col.attname order by col.attnum) filter (where col.required), '[]'),
        'properties', coalesce(json_object_agg(col.attname, json_build_object('type', col.type, 'format', col.format)), '{}'))
      from col where col.relname = rel.relname)) from rel), '{}')
)::text as body`;

export async function openApiDocument(tx: Queryable, schema: string): Promise<string> {
  const { rows } = await tx.query<{ body: string }>(OPENAPI_SQL, [schema]);
  return rows[0].body;
}
