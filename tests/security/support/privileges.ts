/**
 * Each API role's effective privileges (grants to PUBLIC included) on every table,
 * view, sequence and function in public and private, one line per object and role,
 * e.g. `table public.events | authenticated | select, insert, update(name, venue)`.
 * Objects a role can do nothing with are left out.
 */
import type { Queryable } from '../../../supabase/emulator/database.ts';

export const API_ROLES = ['anon', 'authenticated', 'service_role'] as const;

const QUERY = `
with roles(role) as (select unnest($1::text[])),
relations as (
  select c.oid, c.relkind, format('%s %I.%I', case c.relkind when 'S' then 'sequence' when 'v' then 'view'
         when 'm' then 'view' else 'table' end, n.nspname, c.relname) as object
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('public', 'private') and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
    and not c.relispartition
),
table_privileges as (
  select r.object, roles.role, p.ord, lower(p.privilege) as privilege
  from relations r cross join roles
  cross join lateral unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'])
    with ordinality as p(privilege, ord)
  where r.relkind <> 'S' and has_table_privilege(roles.role, r.oid, p.privilege)
),
column_privileges as (
  select r.object, roles.role, p.ord,
         format('%s(%s)', lower(p.privilege), string_agg(a.attname::text, ', ' order by a.attnum)) as privilege
  from relations r cross join roles
  cross join lateral unnest(array['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) with ordinality as p(privilege, ord)
  join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
  where r.relkind <> 'S' and not has_table_privilege(roles.role, r.oid, p.privilege)
    and has_column_privilege(roles.role, r.oid, a.attnum, p.privilege)
  group by r.object, roles.role, p.ord, p.privilege
),
sequence_privileges as (
  select r.object, roles.role, p.ord, lower(p.privilege) as privilege
  from relations r cross join roles
  cross join lateral unnest(array['USAGE', 'SELECT', 'UPDATE']) with ordinality as p(privilege, ord)
  where r.relkind = 'S' and has_sequence_privilege(roles.role, r.oid, p.privilege)
),
function_privileges as (
  select format('function %I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)) as object, roles.role, 1::bigint as ord, 'execute' as privilege
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace cross join roles
  where n.nspname in ('public', 'private') and has_function_privilege(roles.role, p.oid, 'EXECUTE')
),
schema_privileges as (
  select format('schema %s', n.nspname) as object, roles.role, p.ord, lower(p.privilege) as privilege
  from pg_namespace n cross join roles
  cross join lateral unnest(array['USAGE', 'CREATE']) with ordinality as p(privilege, ord)
  where n.nspname in ('public', 'private') and has_schema_privilege(roles.role, n.oid, p.privilege)
),
all_privileges as (
  select * from table_privileges union all select * from column_privileges
  union all select * from sequence_privileges union all select * from function_privileges
  union all select * from schema_privileges
)
select format('%s | %s | %s', object, role, string_agg(privilege, ', ' order by ord, privilege)) as line
from all_privileges
group by object, role
order by object, array_position($1::text[], role)`;

export async function effectivePrivileges(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ line: string }>(QUERY, [API_ROLES]);
  return rows.map((r) => r.line);
}
