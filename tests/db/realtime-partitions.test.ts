/**
 * realtime.messages is partitioned by day as on hosted Supabase: partitions named
 * messages_YYYY_MM_DD, created from yesterday to three days ahead and dropped when
 * older, and a message for a day without a partition is dropped with a warning by
 * realtime.send instead of failing the transaction that sends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../supabase/emulator/database.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb?.close();
});

const partitions = async (tx: Queryable) =>
  (
    await tx.query<{ name: string; bounds: string; owner: string }>(
      `select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bounds, pg_get_userbyid(c.relowner) as owner
       from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'realtime.messages'::regclass order by c.relname`,
    )
  ).rows;

const day = (offset: number, from = new Date()) => {
  const date = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + offset));
  return date.toISOString().slice(0, 10);
};

describe('realtime.messages partitions', () => {
  it('is partitioned by range of inserted_at, with a partition per day from yesterday to three days ahead', async () => {
    const { rows } = await testDb.db.query<{ definition: string }>(
      "select pg_get_partkeydef('realtime.messages'::regclass) as definition",
    );
    expect(rows).toEqual([{ definition: 'RANGE (inserted_at)' }]);
    const today = (await testDb.db.query<{ today: string }>('select localtimestamp::date::text as today')).rows[0]!.today;
    const base = new Date(`${today}T00:00:00Z`);
    expect(await partitions(testDb.db)).toEqual(
      [-1, 0, 1, 2, 3].map((offset) => ({
        name: `messages_${day(offset, base).replaceAll('-', '_')}`,
        bounds: `FOR VALUES FROM ('${day(offset, base)} 00:00:00') TO ('${day(offset + 1, base)} 00:00:00')`,
        owner: 'supabase_realtime_admin',
      })),
    );
  });

  it('creates the coming days and drops the days before yesterday as days pass', async () => {
    const names = await testDb.db.transaction(
      async (tx) => {
        await tx.query("select realtime.emulator_maintain_partitions('2031-03-10')");
        return (await partitions(tx)).map((p) => p.name).filter((name) => name >= 'messages_2031');
      },
      { rollback: true },
    );
    expect(names).toEqual(['messages_2031_03_09', 'messages_2031_03_10', 'messages_2031_03_11', 'messages_2031_03_12', 'messages_2031_03_13']);
    const kept = await testDb.db.transaction(
      async (tx) => {
        await tx.query("select realtime.emulator_maintain_partitions('2031-03-10')");
        return (await partitions(tx)).length;
      },
      { rollback: true },
    );
    expect(kept).toBe(5);
  });

  it('delivers a message sent today, and drops one for a day without a partition instead of failing', async () => {
    const result = await testDb.db.transaction(
      async (tx) => {
        await tx.query(`select realtime.send('{"n": 1}'::jsonb, 'probe', 'partition-probe', false)`);
        const today = (await tx.query<{ n: number }>(
          "select count(*)::int as n from realtime.messages where topic = 'partition-probe'",
        )).rows[0]!.n;
        await tx.exec(
          "do $$ begin execute format('drop table realtime.%I', 'messages_' || to_char(localtimestamp, 'YYYY_MM_DD')); end $$",
        );
        await tx.query(`select realtime.send('{"n": 2}'::jsonb, 'probe', 'partition-probe-missing', false)`);
        const missing = (await tx.query<{ n: number }>(
          "select count(*)::int as n from realtime.messages where topic = 'partition-probe-missing'",
        )).rows[0]!.n;
        return { today, missing };
      },
      { rollback: true },
    );
    expect(result).toEqual({ today: 1, missing: 0 });
  });
});
