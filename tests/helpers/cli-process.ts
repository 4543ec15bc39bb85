/**
 * The emulator as users run it: the CLI in its own process, on an embedded database in a
 * data directory. For tests that kill it (kill -9) and start it again on the same data.
 * Processes and directories made here are removed by `cleanupCliProcesses()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcess>();
const dirs: string[] = [];

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
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

/** A fresh data directory, removed again by cleanupCliProcesses(). */
export async function tempDataDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `${prefix}-`));
  dirs.push(dir);
  return dir;
}

/**
 * Starts the CLI on the embedded database in `dataDir` and resolves once it serves. It
 * always uses PGlite, the default secret and loopback, whatever the environment says.
 */
export async function startCli(dataDir: string, port: number, timeoutMs = 120_000, extraArgs: string[] = []): Promise<ChildProcess> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.HOST;
  delete env.JWT_SECRET;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(projectDir, 'supabase/emulator/cli.ts'), '--data-dir', dataDir, '--port', String(port), '--no-admin', ...extraArgs],
    { cwd: projectDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The emulator did not start:\n${output}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Supabase emulator')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The emulator exited with ${code} while starting:\n${output}`));
    });
  });
  return child;
}

/** SIGKILL: the process gets no chance to flush or close anything. */
export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export async function cleanupCliProcesses(): Promise<void> {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
