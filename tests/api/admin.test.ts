/**
 * psql access to the embedded database: an admin's statements and the API's request
 * transactions share PGlite's one backend without ever running inside each other; the
 * superuser socket listens on loopback only and wants the password (SCRAM-SHA-256).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
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

/** Reads backend messages off a raw socket: [type, body] pairs, until the server closes. */
function backendMessages(socket: Socket): Promise<Array<[string, Buffer]>> {
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (buffer = Buffer.concat([buffer, chunk])));
    socket.on('error', () => {});
    socket.once('close', () => {
      const messages: Array<[string, Buffer]> = [];
      let offset = 0;
      while (buffer.length - offset >= 5) {
        const length = buffer.readInt32BE(offset + 1);
        messages.push([String.fromCharCode(buffer[offset]!), buffer.subarray(offset + 5, offset + 1 + length)]);
        offset += 1 + length;
      }
      resolve(messages);
    });
  });
}

function startupPacket(user: string): Buffer {
  const parameters = Buffer.from(`user\0${user}\0database\0postgres\0\0`, 'utf8');
  const packet = Buffer.alloc(8 + parameters.length);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(196608, 4);
  parameters.copy(packet, 8);
  return packet;
}

function queryPacket(sql: string): Buffer {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const packet = Buffer.alloc(5 + text.length);
  packet[0] = 0x51;
  packet.writeInt32BE(4 + text.length, 1);
  text.copy(packet, 5);
  return packet;
}

const SECRET = 'a-private-jwt-secret-for-the-admin-tests-0123';

// These run on a PGlite emulator of their own, whatever engine the suite uses.
describe('admin socket authentication and address', () => {
  let guarded: Emulator;
  const password = 'correct-horse-battery-staple';

  beforeAll(async () => {
    guarded = await startEmulator({ memory: true, port: 0, adminPort: 0, adminPassword: password, logErrors: false });
  });

  afterAll(async () => {
    await guarded?.stop();
  });

  const url = (user: string, secret?: string) =>
    `postgresql://${user}${secret === undefined ? '' : `:${encodeURIComponent(secret)}`}@127.0.0.1:${guarded.adminAddress!.port}/postgres`;

  it('lets the postgres role in with the right password, through SCRAM-SHA-256', async () => {
    expect(guarded.adminUrl).toBe(url('postgres', password));
    const client = new pg.Client({ connectionString: url('postgres', password) });
    await client.connect();
    try {
      const { rows } = await client.query<{ role: string; super: string }>(
        `select current_user as role, current_setting('is_superuser') as super`,
      );
      expect(rows[0]).toEqual({ role: 'postgres', super: 'on' });
    } finally {
      await client.end();
    }
  });

  it('refuses a wrong password with 28P01, as Postgres does', async () => {
    const client = new pg.Client({ connectionString: url('postgres', 'not-the-password') });
    const error = await client.connect().then(
      () => undefined,
      (reason: unknown) => reason as { code?: string; message?: string; severity?: string },
    );
    expect(error?.code).toBe('28P01');
    expect(error?.severity).toBe('FATAL');
    expect(error?.message).toBe('password authentication failed for user "postgres"');
  });

  it('refuses any other role name the same way, even with the right password', async () => {
    for (const user of ['anon', 'service_role', 'nobody-at-all']) {
      const client = new pg.Client({ connectionString: url(user, password) });
      const error = await client.connect().then(
        () => undefined,
        (reason: unknown) => reason as { code?: string; message?: string },
      );
      expect(error?.code).toBe('28P01');
      expect(error?.message).toBe(`password authentication failed for user "${user}"`);
    }
  });

  it('runs nothing for a client that sends no password', async () => {
    const socket = connect(guarded.adminAddress!.port, '127.0.0.1');
    const messages = backendMessages(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // The startup, then straight to a query: a client that skips authentication.
    socket.write(Buffer.concat([startupPacket('postgres'), queryPacket('create table public.intruder (id int)')]));
    const received = await messages;
    // Asked for SASL, then refused; never AuthenticationOk, never ReadyForQuery.
    expect(received.map(([type]) => type)).toEqual(['R', 'E']);
    expect(received[0]![1].readInt32BE(0)).toBe(10);
    expect(received[0]![1].subarray(4).toString('utf8')).toContain('SCRAM-SHA-256');
    expect(received[1]![1].toString('utf8')).toContain('C08P01');
    const left = await guarded.db.query(`select to_regclass('public.intruder') as found`);
    expect(left.rows[0]).toEqual({ found: null });
  });

  it('listens on loopback only, even when the API listens on every interface, with a new password', async () => {
    const exposed = await startEmulator({ memory: true, port: 0, host: '0.0.0.0', jwtSecret: SECRET, adminPort: 0 });
    try {
      expect(exposed.adminAddress?.host).toBe('127.0.0.1');
      // No password given: a random one for this start, which works.
      const secret = decodeURIComponent(new URL(exposed.adminUrl!).password);
      expect(secret.length).toBeGreaterThanOrEqual(24);
      expect(secret).not.toBe(password);
      const client = new pg.Client({ connectionString: exposed.adminUrl });
      await client.connect();
      await client.end();
      expect(new URL(exposed.adminUrl!).hostname).toBe('127.0.0.1');
      // Every non-loopback address of this machine is refused at the admin port.
      const outside = Object.values(networkInterfaces())
        .flat()
        .filter((address) => address && !address.internal && address.family === 'IPv4')
        .map((address) => address!.address);
      for (const address of outside) {
        const outcome = await new Promise<string>((resolve) => {
          const socket = connect(exposed.adminAddress!.port, address);
          socket.once('connect', () => {
            socket.destroy();
            resolve('connected');
          });
          socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
        });
        expect(outcome, address).toBe('ECONNREFUSED');
      }
    } finally {
      await exposed.stop();
    }
  });

  it('refuses to start when the admin socket would listen beyond loopback', async () => {
    for (const adminHost of ['0.0.0.0', '::', '192.0.2.10']) {
      const outcome = await startEmulator({ memory: true, port: 0, adminPort: 0, adminHost, logErrors: false }).then(
        async (started) => {
          await started.stop();
          return 'started';
        },
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(outcome).toMatch(/loopback/);
    }
  });

  it('refuses a short admin password at start', async () => {
    const outcome = await startEmulator({ memory: true, port: 0, adminPort: 0, adminPassword: 'short', logErrors: false }).then(
      async (started) => {
        await started.stop();
        return 'started';
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(outcome).toMatch(/at least 12 characters/);
  });
});
