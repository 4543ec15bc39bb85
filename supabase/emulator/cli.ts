/**
 * `npm start` / `npm run emulator`: the local Supabase stand-in with the app's schema
 * and demo data, serving the built SPA when there is one.
 *
 *   --memory            keep nothing: an in-memory database
 *   --reset             delete the embedded database first (fresh schema and demo data)
 *   --port <n>          API port (default `[api] port` of supabase/config.toml, or PORT)
 *   --data-dir <dir>    embedded database directory (default .data/pglite)
 *   --admin-port <n>    psql access to the embedded database (default `[db] port`), on
 *                       loopback only, as `postgres` with a password
 *   --no-admin          no psql access
 *   --anonymous-sign-ins  allow signInAnonymously() (default `[auth] enable_anonymous_sign_ins`)
 *
 * Environment: DATABASE_URL (use that Postgres instead of the embedded one),
 * JWT_SECRET (default: the Supabase CLI's local secret), HOST (default 127.0.0.1),
 * ADMIN_PASSWORD (the admin port's password; default: a new random one each start).
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MIN_ADMIN_PASSWORD_LENGTH } from './admin.ts';
import { loadProjectConfig } from './config.ts';
import { DEFAULT_JWT_SECRET } from './jwt.ts';
import { startEmulator, type Emulator } from './server.ts';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));

export interface CliSettings {
  memory: boolean;
  reset: boolean;
  port: number;
  host: string;
  dataDir: string;
  adminPort: number | false;
  /** Set by ADMIN_PASSWORD; otherwise the emulator makes one up per start. */
  adminPassword?: string;
  databaseUrl?: string;
  jwtSecret: string;
  anonymousSignIns: boolean;
  /** REST aggregate functions (PostgREST's db-aggregates-enabled); off as on hosted projects. */
  aggregates: boolean;
  /** Tests only: keep a client-sent cf-connecting-ip (see EmulatorOptions). */
  trustClientAddressHeader: boolean;
  staticDir?: string;
}

function parsePort(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number, got "${value}".`);
  return port;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function readSettings(argv: string[], env: NodeJS.ProcessEnv): CliSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      memory: { type: 'boolean', default: false },
      reset: { type: 'boolean', default: false },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'admin-port': { type: 'string' },
      'no-admin': { type: 'boolean', default: false },
      'anonymous-sign-ins': { type: 'boolean', default: false },
      'db-aggregates': { type: 'boolean', default: false },
      'trust-client-address-header': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      [
        'Usage: npm run emulator -- [--memory] [--reset] [--port 54321] [--data-dir .data/pglite]',
        '                           [--admin-port 54322 | --no-admin] [--anonymous-sign-ins] [--db-aggregates]',
        '                           [--trust-client-address-header  (tests only, loopback only)]',
        'Environment: DATABASE_URL, JWT_SECRET, HOST, PORT, ADMIN_PASSWORD',
      ].join('\n'),
    );
    process.exit(0);
  }
  const host = env.HOST || '127.0.0.1';
  const jwtSecret = env.JWT_SECRET || DEFAULT_JWT_SECRET;
  if (jwtSecret === DEFAULT_JWT_SECRET && !isLoopback(host)) {
    throw new Error(
      `Refusing to listen on ${host} with the publicly known default JWT secret: anyone could mint a service_role token. Set JWT_SECRET (at least 32 characters).`,
    );
  }
  if (values['trust-client-address-header'] && !isLoopback(host)) {
    throw new Error('--trust-client-address-header lets callers choose their address; it is for tests on loopback only.');
  }
  const adminPassword = env.ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < MIN_ADMIN_PASSWORD_LENGTH) {
    throw new Error(`ADMIN_PASSWORD must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters long.`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && (values.memory || values.reset)) {
    throw new Error('--memory and --reset apply to the embedded database only; DATABASE_URL is set.');
  }
  const dist = path.join(projectDir, 'dist');
  const config = loadProjectConfig();
  return {
    memory: values.memory,
    reset: values.reset,
    port: parsePort(values.port ?? env.PORT, config.api.port, '--port'),
    host,
    dataDir: path.resolve(values['data-dir'] ?? path.join(projectDir, '.data', 'pglite')),
    adminPort: values['no-admin'] || databaseUrl ? false : parsePort(values['admin-port'], config.db.port, '--admin-port'),
    adminPassword,
    databaseUrl,
    jwtSecret,
    anonymousSignIns: values['anonymous-sign-ins'] || config.auth.enable_anonymous_sign_ins,
    aggregates: values['db-aggregates'],
    trustClientAddressHeader: values['trust-client-address-header'],
    staticDir: existsSync(path.join(dist, 'index.html')) ? dist : undefined,
  };
}

export async function startFromSettings(settings: CliSettings): Promise<Emulator> {
  if (!settings.databaseUrl && !settings.memory) {
    if (settings.reset) await rm(settings.dataDir, { recursive: true, force: true });
    await mkdir(settings.dataDir, { recursive: true });
  }
  return startEmulator({
    databaseUrl: settings.databaseUrl,
    dataDir: settings.databaseUrl || settings.memory ? undefined : settings.dataDir,
    memory: settings.memory,
    seed: true,
    port: settings.port,
    host: settings.host,
    jwtSecret: settings.jwtSecret,
    staticDir: settings.staticDir,
    adminPort: settings.adminPort,
    adminPassword: settings.adminPassword,
    anonymousSignIns: settings.anonymousSignIns,
    aggregatesEnabled: settings.aggregates,
    trustClientAddressHeader: settings.trustClientAddressHeader,
  });
}

export function describe(emulator: Emulator, settings: CliSettings, appUrl?: string): string {
  const database = settings.databaseUrl
    ? 'Postgres (DATABASE_URL)'
    : settings.memory
      ? 'embedded, in memory (nothing is kept)'
      : `embedded, in ${path.relative(process.cwd(), settings.dataDir) || '.'}`;
  const lines = [
    '',
    `  Supabase emulator   ${emulator.url}`,
    appUrl
      ? `  App                 ${appUrl}`
      : settings.staticDir
        ? `  App                 ${emulator.url}/`
        : '  App                 not built (run `npm run build`, or `npm run dev`)',
    `  Demo sign-in        demo@example.com / demo-password`,
    `  Inbox               ${emulator.url}/inbox  (every email the emulator sends; this machine only)`,
    `  Database            ${database}`,
    `  anon key            ${emulator.anonKey}`,
    `  service_role key    ${emulator.serviceRoleKey}`,
  ];
  if (emulator.adminUrl) {
    lines.push(
      `  psql                psql ${emulator.adminUrl}`,
      settings.adminPassword
        ? '                      (loopback only; the password is ADMIN_PASSWORD)'
        : '                      (loopback only; a new password each start, or set ADMIN_PASSWORD)',
    );
  }
  else if (settings.databaseUrl) lines.push('  psql                psql "$DATABASE_URL"');
  lines.push('', '  Ctrl+C stops it.', '');
  return lines.join('\n');
}

/** Stops on SIGINT/SIGTERM, closing the database so PGlite flushes; a second signal forces. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`\n  ${signal}: stopping…`);
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Start-up (initdb in a second PGlite, its dump, the migrations and the seed) leaves
 * hundreds of MiB of dead buffers; an idle process may not collect them for minutes (one
 * bench run measured 613 MiB idle, 323 once a load had made V8 collect). The start
 * scripts pass --expose-gc for this one full collection; without it, nothing happens.
 */
function collectStartupGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function main(): Promise<void> {
  let settings: CliSettings;
  try {
    settings = readSettings(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`emulator: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const emulator = await startFromSettings(settings);
  collectStartupGarbage();
  console.log(describe(emulator, settings));
  stopOnSignals(() => emulator.stop());
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') console.error(`emulator: the port is already in use (${(error as Error).message}).`);
    else console.error('emulator: could not start:', error);
    process.exit(1);
  });
}
