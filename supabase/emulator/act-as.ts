/**
 * Acting as an API role with a token's claims, the way PostgREST does it for every
 * request, in one place for REST, realtime authorization and the test personas.
 *
 * Inside the caller's transaction, one statement sets (all with `is_local`, so nothing
 * outlives the transaction):
 *
 * 1. the role's own settings, as `alter role … set` stored them in
 *    `pg_db_role_setting` (settings for this database override those for all
 *    databases). PostgREST applies these "impersonated role settings" itself, because
 *    switching role with `set role` does not apply them; that is how a hosted
 *    project's `statement_timeout` of 3 s for anon and 8 s for authenticated reaches
 *    API requests, and changing the setting in SQL changes the API's behaviour;
 * 2. the caller's own settings (search path, request.method…);
 * 3. `role`, `request.jwt.claims` (the whole payload as JSON) and the legacy
 *    `request.jwt.claim.<name>` for each top-level claim, which older policies and
 *    functions still read (`sub`, `role` and `email` are always set, empty when absent).
 *
 * Role settings are read from the catalog once per database and kept until the schema
 * cache reloads (rest/schema-cache.ts) or reloadRoleSettings() is called, as PostgREST
 * keeps them with its schema cache.
 */
import type { Database, Queryable } from './database.ts';

/** Each role's settings, in the order they apply, by role name. */
export type RoleSettings = ReadonlyMap<string, ReadonlyArray<readonly [name: string, value: string]>>;

export interface Actor {
  role: string;
  claims: Record<string, unknown>;
}

export interface ActOptions {
  /** The role settings to apply; read from the catalog within `tx` when absent. */
  roleSettings?: RoleSettings;
  /** Further transaction-local settings, applied after the role's own (they win). */
  settings?: Record<string, string>;
}

/**
 * Role settings for the current database, database-specific ones after (and so
 * overriding) the ones for all databases.
 */
const ROLE_SETTINGS_SQL = `
select r.rolname as role, c.setting
from pg_catalog.pg_db_role_setting s
join pg_catalog.pg_roles r on r.oid = s.setrole
cross join lateral unnest(s.setconfig) with ordinality as c (setting, position)
where s.setdatabase in (0, (select d.oid from pg_catalog.pg_database d where d.datname = current_database()))
order by r.rolname, s.setdatabase, c.position`;

/** Reads every role's settings from the catalog. */
export async function loadRoleSettings(db: Queryable): Promise<RoleSettings> {
  const result = await db.query<{ role: string; setting: string }>(ROLE_SETTINGS_SQL);
  const byRole = new Map<string, Map<string, string>>();
  for (const { role, setting } of result.rows) {
    const eq = setting.indexOf('=');
    if (eq <= 0) continue;
    let settings = byRole.get(role);
    if (!settings) byRole.set(role, (settings = new Map()));
    const name = setting.slice(0, eq);
    // A later (database-specific) value replaces an earlier one in place.
    settings.delete(name);
    settings.set(name, setting.slice(eq + 1));
  }
  return new Map([...byRole].map(([role, settings]) => [role, [...settings]]));
}

const cached = new WeakMap<Database, Promise<RoleSettings>>();

/** The role settings of `db`, read on first use and kept until reloadRoleSettings(). */
export function roleSettings(db: Database): Promise<RoleSettings> {
  let current = cached.get(db);
  if (!current) {
    current = loadRoleSettings(db);
    cached.set(db, current);
    const loading = current;
    // A failed read must not stick: the next caller reads again.
    loading.catch(() => {
      if (cached.get(db) === loading) cached.delete(db);
    });
  }
  return current;
}

/** Reads the role settings again (with a schema-cache reload, or after `alter role … set`). */
export function reloadRoleSettings(db: Database): Promise<RoleSettings> {
  cached.delete(db);
  return roleSettings(db);
}

/** Names Postgres accepts as a custom setting's last part; other claims get no legacy setting. */
const CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function claimText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The settings, in order, that acting as `actor` applies. */
export function actingSettings(actor: Actor, options: ActOptions & { roleSettings: RoleSettings }): [string, string][] {
  const pairs: [string, string][] = [...(options.roleSettings.get(actor.role) ?? [])].map(([name, value]) => [name, value]);
  for (const [name, value] of Object.entries(options.settings ?? {})) pairs.push([name, value]);
  pairs.push(['role', actor.role], ['request.jwt.claims', JSON.stringify(actor.claims)]);
  const legacy = new Map<string, string>([
    ['sub', ''],
    ['email', ''],
  ]);
  for (const [name, value] of Object.entries(actor.claims)) {
    if (CLAIM_NAME.test(name) && value !== undefined && value !== null) legacy.set(name, claimText(value));
  }
  legacy.set('role', actor.role);
  for (const [name, value] of legacy) pairs.push([`request.jwt.claim.${name}`, value]);
  return pairs;
}

/**
 * Switches `tx` (an open transaction) to `actor` for the rest of the transaction: the
 * role's settings, `options.settings`, then role and claims, in one statement.
 */
export async function actAs(tx: Queryable, actor: Actor, options: ActOptions = {}): Promise<void> {
  const settings = options.roleSettings ?? (await loadRoleSettings(tx));
  const pairs = actingSettings(actor, { ...options, roleSettings: settings });
  const params: string[] = [];
  const calls = pairs.map(([name, value]) => {
    params.push(name, value);
    return `set_config($${params.length - 1}, $${params.length}, true)`;
  });
  await tx.query(`select ${calls.join(', ')}`, params);
}
