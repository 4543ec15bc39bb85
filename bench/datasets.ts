/**
 * One generated database per scale and engine, reused across runs while the schema
 * and the generator are unchanged.
 *
 * - Postgres: database pl_bench_<scale> created from the superuser DATABASE_URL; its
 *   fingerprint (schema + generator + scale) is kept as the database comment, written
 *   only once generation has finished, so a half-generated database is never reused.
 * - PGlite: a data directory dump in bench/.work, named by the fingerprint.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase, type Database } from '../supabase/emulator/database.ts';
import { migrate } from '../supabase/emulator/migrate.ts';
import { generationSteps, verifyRollups, type FillMode, type Scale } from './generate.ts';
import { now } from './lib/stats.ts';

const projectDir = fileURLToPath(new URL('..', import.meta.url));
export const workDir = path.join(projectDir, 'bench', '.work');

export interface Dataset {
  scale: Scale;
  engine: 'postgres' | 'pglite';
  db: Database;
  /** Postgres only: the URL of the generated database. */
  databaseUrl?: string;
  fingerprint: string;
  /** Seconds spent generating in this run; undefined when an existing one was reused. */
  generatedSeconds?: number;
  mode: FillMode;
  /** Set when this run generated in triggers mode and compared with the bulk recompute. */
  rollupCheck?: { dailyDiff: number; eventDiff: number; dailyRows: number };
  close(): Promise<void>;
}

export interface DatasetOptions {
  regenerate?: boolean;
  /** How to fill the rollups; default: triggers below 100,000 orders, bulk above. */
  mode?: FillMode;
  log?: (line: string) => void;
}

export async function fingerprint(scale: Scale, mode: FillMode): Promise<string> {
  const hash = createHash('sha256');
  const supabaseDir = path.join(projectDir, 'supabase');
  const files = [path.join(supabaseDir, 'emulator', 'bootstrap.sql')];
  const migrations = (await readdir(path.join(supabaseDir, 'migrations'))).filter((f) => f.endsWith('.sql')).sort();
  files.push(...migrations.map((f) => path.join(supabaseDir, 'migrations', f)));
  files.push(path.join(projectDir, 'bench', 'generate.ts'));
  for (const file of files) {
    hash.update(path.relative(projectDir, file));
    hash.update(await readFile(file));
  }
  hash.update(JSON.stringify(scale));
  hash.update(mode);
  return hash.digest('hex').slice(0, 16);
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function defaultMode(scale: Scale): FillMode {
  return scale.orders < 100_000 ? 'triggers' : 'bulk';
}

async function generate(db: Database, scale: Scale, mode: FillMode, log: (line: string) => void): Promise<number> {
  const started = now();
  await db.transaction(async (tx) => {
    // Large sorts and hash joins in memory; the data set is rebuilt from scratch on
    // failure anyway, so the commit need not wait for the disk.
    await tx.exec(`set local work_mem = '256MB'; set local maintenance_work_mem = '512MB'; set local synchronous_commit = off`);
    for (const step of generationSteps(scale, mode)) {
      const t = now();
      await tx.exec(step.sql);
      log(`    ${step.label}: ${((now() - t) / 1000).toFixed(1)} s`);
    }
  });
  const t = now();
  // VACUUM cannot run inside a transaction block, which is how the PGlite adapter runs
  // every statement; PGlite's own exec runs it bare.
  if (db.pglite) await db.pglite.exec('vacuum (analyze)');
  else await db.exec('vacuum (analyze)');
  log(`    vacuum analyze: ${((now() - t) / 1000).toFixed(1)} s`);
  return (now() - started) / 1000;
}

export async function openPostgresDataset(adminUrl: string, scale: Scale, options: DatasetOptions = {}): Promise<Dataset> {
  const log = options.log ?? (() => {});
  const mode = options.mode ?? defaultMode(scale);
  const fp = await fingerprint(scale, mode);
  const name = `pl_bench_${scale.label}`;
  const marker = `promoter-links bench ${fp}`;
  const databaseUrl = withDatabase(adminUrl, name);

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let reuse: boolean;
  try {
    const { rows } = await admin.query<{ comment: string | null }>(
      `select shobj_description(d.oid, 'pg_database') as comment from pg_database d where d.datname = $1`,
      [name],
    );
    reuse = !options.regenerate && rows.length === 1 && rows[0].comment === marker;
    if (!reuse) {
      log(`  generating ${name} (${scale.orders.toLocaleString('en-US')} orders, ${mode} mode)…`);
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.query(`create database ${name}`);
    }
  } finally {
    await admin.end();
  }

  const db = await openDatabase({ databaseUrl, poolSize: 12 });
  let generatedSeconds: number | undefined;
  let rollupCheck: Dataset['rollupCheck'];
  try {
    if (!reuse) {
      await migrate(db);
      generatedSeconds = await generate(db, scale, mode, log);
      if (mode === 'triggers') rollupCheck = await verifyRollups((fn) => db.transaction(fn, { rollback: true }));
      const admin2 = new pg.Client({ connectionString: adminUrl });
      await admin2.connect();
      try {
        await admin2.query(`comment on database ${name} is '${marker}'`);
      } finally {
        await admin2.end();
      }
    }
    // A run stopped half-way may have left the NOTIFY trigger off (see run.ts).
    await db.exec('alter table realtime.messages enable trigger emulator_notify_message');
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    scale,
    engine: 'postgres',
    db,
    databaseUrl,
    fingerprint: fp,
    generatedSeconds,
    mode,
    rollupCheck,
    close: () => db.close(),
  };
}

/** A PGlite dump of the generated data set; built once per fingerprint. */
export async function pgliteDump(
  scale: Scale,
  options: DatasetOptions = {},
): Promise<{ dump: Buffer; file: string; fingerprint: string; generatedSeconds?: number; mode: FillMode; rollupCheck?: Dataset['rollupCheck'] }> {
  const log = options.log ?? (() => {});
  const mode = options.mode ?? defaultMode(scale);
  const fp = await fingerprint(scale, mode);
  const file = path.join(workDir, `pglite-${scale.label}-${fp}.tar`);
  if (!options.regenerate) {
    const cached = await readFile(file).catch(() => undefined);
    if (cached) return { dump: cached, file, fingerprint: fp, mode };
  }
  log(`  generating the embedded ${scale.label} data set (${mode} mode)…`);
  const db = await openDatabase();
  try {
    await migrate(db);
    const generatedSeconds = await generate(db, scale, mode, log);
    const rollupCheck =
      mode === 'triggers' ? await verifyRollups((fn) => db.transaction(fn, { rollback: true })) : undefined;
    const blob = await db.pglite!.dumpDataDir('none');
    const dump = Buffer.from(await blob.arrayBuffer());
    await mkdir(workDir, { recursive: true });
    const partial = `${file}.${process.pid}`;
    await writeFile(partial, dump);
    await rename(partial, file);
    // Dumps of earlier schema or generator versions are of no further use.
    for (const name of await readdir(workDir)) {
      if (name.startsWith(`pglite-${scale.label}-`) && name.endsWith('.tar') && path.join(workDir, name) !== file) {
        await rm(path.join(workDir, name), { force: true });
      }
    }
    return { dump, file, fingerprint: fp, generatedSeconds, mode, rollupCheck };
  } finally {
    await db.close();
  }
}

export async function openPGliteDataset(scale: Scale, options: DatasetOptions = {}): Promise<Dataset> {
  const { dump, fingerprint: fp, generatedSeconds, mode, rollupCheck } = await pgliteDump(scale, options);
  const db = await openDatabase({ loadDataDir: new Blob([new Uint8Array(dump)]) });
  return { scale, engine: 'pglite', db, fingerprint: fp, generatedSeconds, mode, rollupCheck, close: () => db.close() };
}
