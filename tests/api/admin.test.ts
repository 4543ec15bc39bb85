/**
 * psql access to the embedded database: an admin's statements and the API's request
 * transactions share PGlite's one backend without ever running inside each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { startEmulator, type Emulator } from '../../supabase/emulator/server.ts';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';

let emulator: TestEmulator;
let server: Emulator;

beforeAll(async () => {
  emulator = await startTestEmulator();
  // A second front on the same database, with the admin socket on a random port.
  server = await startEmulator({ db: emulator.db, port: 0, adminPort: 0 });
});

afterAll(async () => {
  await server?.stop();
  await emulator?.stop();
});

async function admin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  return client;
}

const embedded = !process.env.DATABASE_URL;

// The tests that exist depend on the engine, so none is reported as skipped.
if (!embedded) {
  describe('admin access on Postgres', () => {
    it('offers no socket of its own, since DATABASE_URL is the admin access', () => {
      expect(server.adminUrl).toBeUndefined();
    });
  });
}

if (embedded) describe('admin access to the embedded database', () => {
  it('holds API requests back while an admin transaction is open, and lets them through on commit', async () => {
    const user = await emulator.signUpUser();
    const userId = (await user.auth.getUser()).data.user!.id;
    const psql = await admin();
    try {
      await psql.query('begin');
      await psql.query(`insert into public.organizations (id, name) values ('00000000-0000-4000-8000-000000000001', 'Admin Org')`);
      await psql.query(
        `insert into public.organization_members (organization_id, user_id, role) values ('00000000-0000-4000-8000-000000000001', $1, 'owner')`,
        [userId],
      );
      let settled = false;
      const read = user
        .from('organizations')
        .select('name')
        .then((result) => {
          settled = true;
          return result;
        });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await psql.query('commit');
      const { data, error } = await read;
      expect(error).toBeNull();
      expect(data).toEqual([{ name: 'Admin Org' }]);
    } finally {
      await psql.end();
    }
  });

  it('runs admin statements as the owner, never inside a request, however they interleave', async () => {
    const users = await Promise.all([emulator.signUpUser(), emulator.signUpUser(), emulator.signUpUser()]);
    const psql = await admin();
    try {
      const adminWork = Array.from({ length: 30 }, () =>
        psql.query<{ role: string; claims: string | null }>(
          `select current_user as role, nullif(current_setting('request.jwt.claims', true), '') as claims`,
        ),
      );
      const apiWork = users.flatMap((user) =>
        Array.from({ length: 10 }, () => user.from('organizations').select('name').then((result) => result.error)),
      );
      const [adminResults, apiErrors] = await Promise.all([Promise.all(adminWork), Promise.all(apiWork)]);
      for (const result of adminResults) expect(result.rows[0]).toEqual({ role: 'postgres', claims: null });
      expect(apiErrors.every((error) => error === null)).toBe(true);
    } finally {
      await psql.end();
    }
  });

  it('does not let an admin session setting leak into requests', async () => {
    const psql = await admin();
    try {
      await psql.query('set role anon');
      expect((await psql.query<{ role: string }>('select current_user as role')).rows[0].role).toBe('postgres');
    } finally {
      await psql.end();
    }
    const owner = await emulator.db.query<{ role: string }>('select current_user as role');
    expect(owner.rows[0].role).toBe('postgres');
  });

  it('delivers a broadcast that an admin statement sends, once it commits', async () => {
    const listener = createClient(server.url, server.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
    });
    const received: unknown[] = [];
    const channel = listener.channel('ops').on('broadcast', { event: 'notice' }, (message) => received.push(message.payload));
    await new Promise<void>((resolve) => channel.subscribe((status) => status === 'SUBSCRIBED' && resolve()));
    const psql = await admin();
    try {
      await psql.query('begin');
      await psql.query(`select realtime.send('{"text":"maintenance"}'::jsonb, 'notice', 'ops', false)`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toHaveLength(0);
      await psql.query('commit');
      const started = Date.now();
      while (received.length === 0 && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(received).toEqual([expect.objectContaining({ text: 'maintenance' })]);
    } finally {
      await psql.end();
      await listener.removeAllChannels();
    }
  });

  it('rolls back what a disconnected admin left open', async () => {
    const psql = await admin();
    await psql.query('begin');
    await psql.query(`insert into public.organizations (name) values ('Abandoned Org')`);
    await psql.end();
    const left = await emulator.db.query(`select 1 from public.organizations where name = 'Abandoned Org'`);
    expect(left.rows).toHaveLength(0);
  });
});
