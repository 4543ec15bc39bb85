/**
 * Prepares a database the way a Supabase project is prepared: the platform bootstrap
 * (only off Supabase), then every migration in supabase/migrations not yet applied, in
 * file-name order, each in its own transaction, then seed.sql when asked.
 */
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Database } from './database.ts';

const supabaseDir = fileURLToPath(new URL('..', import.meta.url));
const migrationsDir = path.join(supabaseDir, 'migrations');
const migrationFile = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export interface MigrateOptions {
  /** Run seed.sql after the migrations (the emulator does this on a fresh database). */
  seed?: boolean;
}

export interface MigrateResult {
  applied: string[];
  seeded: boolean;
}

export async function bootstrap(db: Database): Promise<void> {
  const sql = await readFile(path.join(supabaseDir, 'emulator', 'bootstrap.sql'), 'utf8');
  // Concurrent bootstraps against one Postgres cluster (parallel test files) would race
  // on role and schema creation; an advisory lock makes them take turns.
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(7401)');
    await tx.exec(sql);
  });
}

export async function listMigrations(): Promise<{ version: string; name: string; file: string }[]> {
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  return files.map((file) => {
    const match = migrationFile.exec(file);
    if (!match) throw new Error(`Migration file name must be YYYYMMDDHHmmss_name.sql: ${file}`);
    return { version: match[1], name: match[2], file: path.join(migrationsDir, file) };
  });
}

export async function migrate(db: Database, options: MigrateOptions = {}): Promise<MigrateResult> {
  await bootstrap(db);
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
      await tx.exec(sql);
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
      await db.transaction((tx) => tx.exec(seed));
      seeded = true;
    }
  }
  return { applied, seeded };
}
