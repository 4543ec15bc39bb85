/** Starts and stops the UI tests' emulator process (see emulator-process.ts). */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface EmulatorProcess {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  process: ChildProcess;
}

/** A fresh emulator on a fresh in-memory database, in a child process. */
export function spawnEmulator(): Promise<EmulatorProcess> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'emulator-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const newline = output.indexOf('\n');
      if (newline === -1) return;
      child.stdout?.off('data', onData);
      try {
        resolve({ ...(JSON.parse(output.slice(0, newline)) as Omit<EmulatorProcess, 'process'>), process: child });
      } catch (error) {
        child.kill();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    child.stdout?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`The emulator process exited early (code ${code}).`)));
  });
}

/** Stops the process (closing stdin lets it shut down cleanly) and waits for it. */
export async function stopEmulator(running: EmulatorProcess | undefined): Promise<void> {
  const child = running?.process;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  await exited;
}
