/**
 * Who may see a changed row, as Realtime's apply_rls decides: INSERT and UPDATE on a
 * table with row-level security reach a subscriber only if the row is visible to it
 * after commit, checked once per distinct claims; DELETE is not RLS-checked.
 */
import { actAs, roleSettings } from '../../act-as.ts';
import type { Database } from '../../database.ts';
import type { Claims } from '../../jwt.ts';
import type { Change } from './changes.ts';
import type { Match } from './subscriptions.ts';
import { canReadKey, ident, keyColumns, type TableInfo } from './tables.ts';

/** Subscribers with equal claims see the same rows. */
export function claimsKey(claims: Claims): string {
  return JSON.stringify(claims);
}

/** The SQL that finds the changed row by its primary key, with its parameters. */
function rowLookup(change: Change, table: TableInfo): { sql: string; params: (string | null)[] } {
  const keys = keyColumns(table);
  const record = change.record ?? {};
  const params = keys.map((key) => {
    const value = record[key.name];
    return value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value);
  });
  const where = keys.map((key, index) => `t.${ident(key.name)} = cast($${index + 1}::text as ${key.sqlType})`).join(' and ');
  return { sql: `select exists(select 1 from ${ident(change.schema)}.${ident(change.table)} t where ${where}) as visible`, params };
}

/**
 * Row visibility per distinct claims, all in one rolled-back transaction: each group
 * runs under its own role and claims, inside a savepoint so a policy that raises
 * only hides the row from that group. Returns the claims keys that see the row.
 */
export async function visibleTo(db: Database, change: Change, table: TableInfo, claimsGroups: Map<string, Claims>): Promise<Set<string>> {
  const visible = new Set<string>();
  const { sql, params } = rowLookup(change, table);
  const settings = await roleSettings(db);
  await db.transaction(
    async (tx) => {
      for (const [key, claims] of claimsGroups) {
        await tx.query('savepoint visibility');
        try {
          await actAs(tx, { role: claims.role, claims }, { roleSettings: settings });
          const result = await tx.query<{ visible: boolean }>(sql, params);
          if (result.rows[0]?.visible === true) visible.add(key);
          await tx.query('rollback to savepoint visibility');
        } catch {
          await tx.query('rollback to savepoint visibility');
        }
      }
    },
    { rollback: true },
  );
  return visible;
}

/** Who may see the change: undefined when no row-level check applies, else the claims keys that see it. */
export async function authorizedClaims(db: Database, change: Change, table: TableInfo, matches: Match[]): Promise<Set<string> | undefined> {
  // Only INSERT and UPDATE on an RLS table need a look at the row as the subscriber.
  if (change.type === 'DELETE' || !table.rls || keyColumns(table).length === 0) return undefined;
  const groups = new Map<string, Claims>();
  for (const match of matches) {
    const claims = match.subscriber.claims;
    if (canReadKey(table, claims.role)) groups.set(claimsKey(claims), claims);
  }
  return groups.size > 0 ? visibleTo(db, change, table, groups) : new Set();
}

/**
 * Whether the change is withheld from a subscriber with these claims. A subscriber that
 * cannot read the key is not withheld: it gets the change with an error instead.
 */
export function isWithheld(change: Change, table: TableInfo, claims: Claims, visible: Set<string> | undefined): boolean {
  if (change.type === 'DELETE' || !visible || !canReadKey(table, claims.role)) return false;
  return !visible.has(claimsKey(claims));
}
