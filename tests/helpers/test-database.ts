/**
 * A fresh, fully migrated database for each test file (or each call), so tests never
 * depend on each other.
 *
 * - Embedded (default): an in-memory PGlite started from a dump of a database that was
 *   migrated once; the dump is cached on disk, keyed by the content of the bootstrap,
 *   the migrations and the seed, so changing any of them rebuilds it.
 * - Postgres (env DATABASE_URL, a superuser connection): a new database cloned from a
 *   migrated template database, dropped again by close().
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase, type Database } from '../../supabase/emulator/database.ts';
import { migrate } from '../../supabase/emulator/migrate.ts';

export interface TestDatabase {
  db: Database;
  /** Set on Postgres: the URL of this test's own database. */
  databaseUrl?: string;
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Include the demo data from supabase/seed.sql. */
  seed?: boolean;
}

const supabaseDir = fileURLToPath(new URL('../../supabase/', import.meta.url));

/** A short hash of everything that shapes the schema and the seed (and, for the seed, the day). */
async function schemaFingerprint(seed: boolean): Promise<string> {
  const hash = createHash('sha256');
  const files = [path.join(supabaseDir, 'emulator', 'bootstrap.sql'), path.join(supabaseDir, 'emulator', 'migrate.ts'), path.join(supabaseDir, 'config.toml')];
  const migrations = (await readdir(path.join(supabaseDir, 'migrations'))).filter((f) => f.endsWith('.sql')).sort();
  files.push(...migrations.map((f) => path.join(supabaseDir, 'migrations', f)));
  if (seed) files.push(path.join(supabaseDir, 'seed.sql'));
  for (const file of files) {
    hash.update(file.slice(supabaseDir.length));
    hash.update(await readFile(file).catch(() => Buffer.alloc(0)));
  }
  hash.update(seed ? 'seed' : 'plain');
  // The seed places its sales relative to today, so a seeded copy is only good for the day.
  if (seed) hash.update(new Date().toISOString().slice(0, 10));
  return hash.digest('hex').slice(0, 16);
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const seed = options.seed ?? false;
  const adminUrl = process.env.DATABASE_URL;
  return adminUrl ? createPostgresDatabase(adminUrl, seed) : createPGliteDatabase(seed);
}

async function createPGliteDatabase(seed: boolean): Promise<TestDatabase> {
  const cacheDir = path.join(tmpdir(), 'promoter-links-test-db');
  const dumpFile = path.join(cacheDir, `${await schemaFingerprint(seed)}.tar`);
  let dump = await readFile(dumpFile).catch(() => undefined);
  if (!dump) {
    const fresh = await openDatabase();
    await migrate(fresh, { seed });
    const blob = await fresh.pglite!.dumpDataDir('none');
    await fresh.close();
    dump = Buffer.from(await blob.arrayBuffer());
    await mkdir(cacheDir, { recursive: true });
    // Parallel test workers may build the same dump; rename makes the write atomic.
    const partial = `${dumpFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(partial, dump);
    await rename(partial, dumpFile);
  }
  const db = await openDatabase({ loadDataDir: new Blob([new Uint8Array(dump)]) });
  // The dump may be days old: today's partitions of realtime.messages, as on start.
  await db.query('select realtime.emulator_maintain_partitions()');
  return { db, close: () => db.close() };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function createPostgresDatabase(adminUrl: string, seed: boolean): Promise<TestDatabase> {
  const kind = seed ? 'seed' : 'plain';
  const template = `pl_template_${kind}_${await schemaFingerprint(seed)}`;
  const name = `pl_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // One builder per template at a time; cloning also waits so it never copies a
    // template that is still being migrated.
    await admin.query('select pg_advisory_lock(7403)');
    try {
      const exists = await admin.query('select 1 from pg_database where datname = $1', [template]);
      if (exists.rows.length === 0) {
        const building = `${template}_building`;
        await admin.query(`drop database if exists ${building}`);
        await admin.query(`create database ${building}`);
        const templateDb = await openDatabase({ databaseUrl: withDatabase(adminUrl, building), poolSize: 1 });
        try {
          await migrate(templateDb, { seed });
        } finally {
          await templateDb.close();
        }
        await admin.query(`alter database ${building} rename to ${template}`);
        // Templates of earlier schema versions are of no further use.
        const stale = await admin.query<{ datname: string }>(
          'select datname from pg_database where datname like $1 and datname <> $2 and datname not like $3',
          [`pl_template_${kind}_%`, template, '%_building'],
        );
        for (const { datname } of stale.rows) {
          await admin.query(`drop database if exists ${datname}`).catch(() => {});
        }
      }
      await admin.query(`create database ${name} template ${template}`);
    } finally {
      await admin.query('select pg_advisory_unlock(7403)');
    }
  } finally {
    await admin.end();
  }

  const databaseUrl = withDatabase(adminUrl, name);
  const db = await openDatabase({ databaseUrl });
  return {
    db,
    databaseUrl,
    async close() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
