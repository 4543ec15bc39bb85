/**
 * What postgres_changes needs to know about a published table: its columns with their
 * types, which of them make the primary key, which API roles may select each, and
 * whether row-level security is on.
 */
import type { Queryable } from '../../database.ts';

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface ColumnInfo {
  name: string;
  type: string;
  sqlType: string;
  isKey: boolean;
  /** API roles allowed to SELECT this column. */
  readers: string[];
}

export interface TableInfo {
  rls: boolean;
  columns: ColumnInfo[];
}

/** The table's columns with the given roles' read privileges; undefined when it does not exist. */
export async function tableInfo(db: Queryable, schema: string, table: string, roles: string[]): Promise<TableInfo | undefined> {
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

export function keyColumns(table: TableInfo): ColumnInfo[] {
  return table.columns.filter((c) => c.isKey);
}

/** Whether the role may read the whole primary key, which every delivery of a row needs. */
export function canReadKey(table: TableInfo, role: string): boolean {
  const keys = keyColumns(table);
  return keys.length > 0 && keys.every((key) => key.readers.includes(role));
}
