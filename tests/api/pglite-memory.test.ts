/**
 * The embedded engine's memory: PGlite's WebAssembly heap grows and never shrinks, so
 * Postgres's caches are sized for a small local emulator, not for a server (a stock
 * 128 MiB buffer cache made an idle emulator twice its size). Postgres via DATABASE_URL
 * keeps its own configuration.
 */
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
      "select name, current_setting(name) as value from unnest(array['shared_buffers', 'maintenance_work_mem', 'wal_buffers', 'temp_buffers']) as name",
    );
    expect(Object.fromEntries(rows.map((row) => [row.name, row.value]))).toEqual({
      shared_buffers: '16MB',
      maintenance_work_mem: '16MB',
      wal_buffers: '1MB',
      temp_buffers: '2MB',
    });
  });

  it('keeps the stock single-user start settings', async () => {
    const { rows } = await db!.query<{ value: string }>("select current_setting('max_parallel_workers_per_gather') as value");
    expect(rows[0].value).toBe('0');
  });
});
