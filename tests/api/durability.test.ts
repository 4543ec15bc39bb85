/**
 * The embedded database keeps every committed write: the emulator is killed with
 * SIGKILL (no chance to flush) and restarted on the same data directory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const anonKey =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';

const children = new Set<ChildProcess>();
const dirs: string[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the CLI on the embedded database and resolves once it is serving. */
async function startCli(dataDir: string, port: number): Promise<ChildProcess> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(projectDir, 'supabase/emulator/cli.ts'), '--data-dir', dataDir, '--port', String(port), '--no-admin'],
    { cwd: projectDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The emulator did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Supabase emulator')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The emulator exited with ${code}:\n${output}`));
    });
  });
  return child;
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function client(url: string) {
  return createClient(url, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
  });
}

describe('durability of the embedded database', () => {
  it('keeps committed sign-ups and writes after kill -9 and a restart', { timeout: 240_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'emulator-durability-'));
    dirs.push(dataDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;

    const first = await startCli(dataDir, port);
    const email = `durable-${Date.now()}@example.com`;
    const before = client(url);
    const signUp = await before.auth.signUp({ email, password: 'durable-password' });
    expect(signUp.error).toBeNull();
    const created = await before.rpc('create_organization', { p_name: 'Kept Org', p_currency: 'EUR' });
    expect(created.error).toBeNull();
    await killHard(first);

    await startCli(dataDir, port);
    const after = client(url);
    const signIn = await after.auth.signInWithPassword({ email, password: 'durable-password' });
    expect(signIn.error).toBeNull();
    expect(signIn.data.user?.id).toBe(signUp.data.user?.id);
    const { data, error } = await after.from('organizations').select('name, currency');
    expect(error).toBeNull();
    expect(data).toEqual([{ name: 'Kept Org', currency: 'EUR' }]);
  });
});
