/**
 * The embedded engine's memory: PGlite's WebAssembly heap grows and never shrinks, so
 * Postgres's caches are sized for a small local emulator, not for a server (a stock
 * 128 MiB buffer cache made an idle emulator twice its size). Postgres via DATABASE_URL
 * keeps its own configuration.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../supabase/emulator/database.ts';

const embedded = !process.env.DATABASE_URL;
let db: Database | undefined;

beforeAll(async () => {
  if (embedded) db = await openDatabase();
});
afterAll(async () => {
  await db?.close();
});

describe.skipIf(!embedded)('PGlite settings', () => {
  it('runs with a small buffer cache and maintenance memory', async () => {
    const { rows } = await db!.query<{ name: string; value: string }>(
      "select name, current_setting(name) as value from unnest(array['shared_buffers', 'maintenance_work_mem', 'wal_buffers', 'temp_buffers', 'wal_segment_size', 'min_wal_size', 'max_wal_size']) as name",
    );
    expect(Object.fromEntries(rows.map((row) => [row.name, row.value]))).toEqual({
      shared_buffers: '16MB',
      maintenance_work_mem: '16MB',
      wal_buffers: '1MB',
      temp_buffers: '2MB',
      wal_segment_size: '1MB',
      min_wal_size: '2MB',
      max_wal_size: '4MB',
    });
  });

  it('checkpoints once more than 4 MiB of WAL was written, as the missing checkpointer would', async () => {
    const walSinceCheckpoint = async () =>
      Number(
        (
          await db!.query<{ written: number }>(
            'select (pg_current_wal_insert_lsn() - (pg_control_checkpoint()).redo_lsn)::bigint as written',
          )
        ).rows[0].written,
      );
    await db!.exec('create table wal_filler (payload text)');
    const before = await walSinceCheckpoint();
    // About 10 MiB of WAL in 400 transactions: two looks at the WAL, each past 4 MiB.
    for (let i = 0; i < 400; i++) await db!.exec("insert into wal_filler select string_agg(md5(random()::text), '') from generate_series(1, 800)");
    const after = await walSinceCheckpoint();
    expect(before).toBeLessThan(4 * 1024 * 1024);
    expect(after).toBeLessThan(4 * 1024 * 1024);
    const { rows } = await db!.query<{ segments: number }>("select count(*)::int as segments from pg_ls_waldir() where name ~ '^[0-9A-F]{24}$'");
    expect(rows[0].segments).toBeLessThanOrEqual(8);
  });

  it('opens a data directory made with stock 16 MiB WAL segments, which the small WAL sizes would refuse', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'pglite-16mb-wal-'));
    try {
      await (await PGlite.create({ dataDir })).close();
      const old = await openDatabase({ dataDir });
      try {
        const { rows } = await old.query<{ value: string }>("select current_setting('wal_segment_size') as value");
        expect(rows[0].value).toBe('16MB');
      } finally {
        await old.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps the stock single-user start settings', async () => {
    const { rows } = await db!.query<{ value: string }>("select current_setting('max_parallel_workers_per_gather') as value");
    expect(rows[0].value).toBe('0');
  });
});
