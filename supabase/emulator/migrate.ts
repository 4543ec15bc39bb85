/**
 * Prepares a database the way a Supabase project is prepared: the platform bootstrap
 * (only off Supabase), then every migration in supabase/migrations not yet applied, in
 * file-name order, each in its own transaction, then seed.sql when asked.
 */
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadProjectConfig, type DefaultPrivileges } from './config.ts';
import type { Database, Queryable } from './database.ts';

const supabaseDir = fileURLToPath(new URL('..', import.meta.url));
const migrationsDir = path.join(supabaseDir, 'migrations');
const migrationFile = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export interface MigrateOptions extends BootstrapOptions {
  /** Run seed.sql after the migrations (the emulator does this on a fresh database). */
  seed?: boolean;
}

export interface BootstrapOptions {
  /** Default privileges of the API roles on new objects in public; config.toml's [emulator] default_privileges. */
  defaultPrivileges?: DefaultPrivileges;
}

export interface MigrateResult {
  applied: string[];
  seeded: boolean;
}

/**
 * The role migrations run as, standing for hosted Supabase's postgres (not a superuser):
 * postgres itself on a cluster whose superuser has another name, as on the platform;
 * otherwise the stand-in hosted_postgres, since a plain cluster's superuser is postgres.
 */
export async function migrationRole(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ rolsuper: boolean }>("select rolsuper from pg_roles where rolname = 'postgres'");
  return rows[0]?.rolsuper ? 'hosted_postgres' : 'postgres';
}

/** Runs the platform bootstrap; returns the role migrations run as. */
export async function bootstrap(db: Database, options: BootstrapOptions = {}): Promise<string> {
  const defaultPrivileges = options.defaultPrivileges ?? loadProjectConfig().emulator.default_privileges;
  const sql = await readFile(path.join(supabaseDir, 'emulator', 'bootstrap.sql'), 'utf8');
  // Concurrent bootstraps against one Postgres cluster (parallel test files) would race
  // on role and schema creation; an advisory lock makes them take turns.
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(7401)');
    // Roles belong to the whole cluster, and advisory locks to one database: bootstraps
    // of different databases of one cluster would update the same role rows at once.
    if (db.engine === 'postgres') {
      await tx.query('lock table pg_catalog.pg_authid, pg_catalog.pg_auth_members in share row exclusive mode');
    }
    const role = await migrationRole(tx);
    await tx.query("select set_config('emulator.migration_role', $1, true)", [role]);
    await tx.query("select set_config('emulator.default_privileges', $1, true)", [defaultPrivileges]);
    await tx.exec(sql);
    return role;
  });
}

async function listMigrations(): Promise<{ version: string; name: string; file: string }[]> {
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  return files.map((file) => {
    const match = migrationFile.exec(file);
    if (!match) throw new Error(`Migration file name must be YYYYMMDDHHmmss_name.sql: ${file}`);
    return { version: match[1], name: match[2], file: path.join(migrationsDir, file) };
  });
}

export async function migrate(db: Database, options: MigrateOptions = {}): Promise<MigrateResult> {
  const role = await bootstrap(db, options);
  const applied: string[] = [];
  const isFresh = (await db.query('select 1 from supabase_migrations.schema_migrations limit 1')).rows.length === 0;
  for (const migration of await listMigrations()) {
    const sql = await readFile(migration.file, 'utf8');
    const done = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(7402)');
      const seen = await tx.query('select 1 from supabase_migrations.schema_migrations where version = $1', [
        migration.version,
      ]);
      if (seen.rows.length > 0) return false;
      await execAsMigrationRole(tx, role, sql);
      await tx.query('insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(`${migration.version}_${migration.name}`);
  }
  let seeded = false;
  if (options.seed && isFresh) {
    const seed = await readFile(path.join(supabaseDir, 'seed.sql'), 'utf8').catch(() => '');
    if (seed.trim()) {
      await db.transaction((tx) => execAsMigrationRole(tx, role, seed));
      seeded = true;
    }
  }
  return { applied, seeded };
}

/**
 * Runs SQL as hosted runs a migration: as the non-superuser postgres (see bootstrap.sql),
 * inside the caller's transaction, and switches back afterwards.
 */
export async function execAsMigrationRole(tx: Queryable, role: string, sql: string): Promise<void> {
  await tx.exec(`set local role "${role.replaceAll('"', '""')}"`);
  await tx.exec(sql);
  await tx.exec('reset role');
}
