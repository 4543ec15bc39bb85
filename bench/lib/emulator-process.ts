/**
 * Starts the emulator as a child process (bench/emulator-child.ts, or the real CLI)
 * and stops it again; the child's pid is what the CPU and memory probes watch.
 */
import { execSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sleep } from './stats.ts';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const projectDir = fileURLToPath(new URL('../..', import.meta.url));

export interface EmulatorProcess {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  pid: number;
  stop(): Promise<void>;
}

export interface ChildConfig {
  databaseUrl?: string;
  /** A PGlite data directory. */
  dataDir?: string;
  seed?: boolean;
  staticDir?: string;
  /** Where the realtime server reads database broadcasts (default: the WAL where possible). */
  realtimeBroadcasts?: 'auto' | 'notify';
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.connected) child.send('stop');
  if (await waitForExit(child, 10_000)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, 5_000)) return;
  child.kill('SIGKILL');
  await waitForExit(child, 5_000);
}

export async function startEmulatorProcess(config: ChildConfig): Promise<EmulatorProcess> {
  const child = fork(`${benchDir}emulator-child.ts`, [JSON.stringify(config)], {
    cwd: projectDir,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ url: string; anonKey: string; serviceRoleKey: string }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { url: string; anonKey: string; serviceRoleKey: string }));
    child.once('exit', (code) => reject(new Error(`The emulator process exited during start-up (code ${code}).`)));
    child.once('error', reject);
  });
  return { ...ready, pid: child.pid!, stop: () => terminate(child) };
}

/**
 * How `npm run emulator` starts the emulator, read from package.json so the bench measures
 * what users run: the steps before the last (building it), then the last command's
 * environment assignments (`NAME=value`) and node arguments.
 */
export function emulatorCommand(script: string): { steps: string[]; env: Record<string, string>; args: string[] } {
  const commands = script.split('&&').map((command) => command.trim());
  const words = commands.pop()!.split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0] ?? '')) {
    const [name, ...value] = words.shift()!.split('=');
    env[name] = value.join('=');
  }
  if (words.shift() !== 'node') throw new Error(`The emulator script must end with a node command: ${script}`);
  return { steps: commands, env, args: words };
}

/**
 * The emulator exactly as `npm run emulator -- --memory` starts it (in-memory PGlite
 * with the demo data), for the memory figure. Ready when the REST API answers.
 */
export async function startCliEmulator(port: number, anonKey: string): Promise<EmulatorProcess> {
  const scripts = (JSON.parse(readFileSync(`${projectDir}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
  const command = emulatorCommand(scripts.emulator);
  for (const step of command.steps) execSync(step, { cwd: projectDir, stdio: 'inherit' });
  const child = spawn(
    process.execPath,
    [...command.args, '--memory', '--port', String(port), '--no-admin', '--trust-client-address-header'],
    { cwd: projectDir, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...command.env, DATABASE_URL: '' } },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The emulator CLI exited during start-up (code ${child.exitCode}).`);
    const ok = await fetch(`${url}/rest/v1/`, { headers: { apikey: anonKey } })
      .then((response) => response.status < 500)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await terminate(child);
      throw new Error('The emulator CLI did not answer within 2 minutes.');
    }
    await sleep(250);
  }
  return {
    url,
    anonKey,
    serviceRoleKey: '',
    pid: child.pid!,
    async stop() {
      child.kill('SIGINT');
      if (await waitForExit(child, 10_000)) return;
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    },
  };
}
