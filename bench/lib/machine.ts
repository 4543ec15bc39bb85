/** What the figures were measured on, for the top of the report. */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { bytes } from './stats.ts';
import { machineSummary } from './proc.ts';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));

function capture(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 ? out.trim() : undefined));
  });
}

async function packageVersion(name: string): Promise<string> {
  const json = await readFile(`${projectDir}node_modules/${name}/package.json`, 'utf8').catch(() => undefined);
  return json ? (JSON.parse(json) as { version: string }).version : 'not installed';
}

export async function describeMachine(options: {
  databaseUrl?: string;
  pgbench: string;
  chromium: string;
  pgliteVersion?: string;
}): Promise<Record<string, string>> {
  const { cpu, cores, memory } = machineSummary();
  const info: Record<string, string> = {
    CPU: cpu,
    cores: String(cores),
    memory: bytes(memory),
    OS: `${os.type()} ${os.release()} (${os.arch()})`,
    'load average at start (1/5/15 min)': os.loadavg().map((l) => l.toFixed(2)).join(' / '),
    Node: process.version,
    '@supabase/supabase-js': await packageVersion('@supabase/supabase-js'),
    PGlite: `${await packageVersion('@electric-sql/pglite')}${options.pgliteVersion ? ` (${options.pgliteVersion})` : ''}`,
  };
  if (options.databaseUrl) {
    const client = new pg.Client({ connectionString: options.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<Record<string, string>>(
        `select version() as version, current_setting('shared_buffers') as shared_buffers,
                current_setting('synchronous_commit') as synchronous_commit, current_setting('fsync') as fsync,
                current_setting('max_connections') as max_connections, current_setting('work_mem') as work_mem`,
      );
      const r = rows[0];
      info.Postgres = r.version.split(',')[0];
      info['Postgres settings'] =
        `shared_buffers ${r.shared_buffers}, work_mem ${r.work_mem}, synchronous_commit ${r.synchronous_commit}, fsync ${r.fsync}, max_connections ${r.max_connections}`;
    } finally {
      await client.end();
    }
    info.pgbench = (await capture(options.pgbench, ['--version'])) ?? `not found at ${options.pgbench}`;
  } else {
    info.Postgres = 'not used (DATABASE_URL not set): embedded-only run';
  }
  info.Chromium = (await capture(options.chromium, ['--version'])) ?? `not found at ${options.chromium}`;
  return info;
}
