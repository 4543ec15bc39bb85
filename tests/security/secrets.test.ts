/**
 * Secrets stay on the server: the built SPA carries no service-role key and no JWT
 * secret, even when they sit in the build's environment; and the emulator will not
 * listen beyond this machine with the publicly known default JWT secret.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { createProjectKeys, DEFAULT_JWT_SECRET } from '../../supabase/emulator/jwt.ts';
import { startEmulator } from '../../supabase/emulator/server.ts';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const CUSTOM_SECRET = 'a-project-secret-that-must-never-reach-the-browser-0123456789';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe('the built SPA', () => {
  let outDir: string;
  let bundle: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'spa-secrets-'));
    const customKeys = await createProjectKeys(CUSTOM_SECRET);
    // Secrets in the build environment, the way a careless CI might have them.
    process.env.JWT_SECRET = CUSTOM_SECRET;
    process.env.SUPABASE_SERVICE_ROLE_KEY = customKeys.serviceRoleKey;
    process.env.SERVICE_ROLE_KEY = customKeys.serviceRoleKey;
    await build({
      root: projectDir,
      configFile: path.join(projectDir, 'vite.config.ts'),
      // The build served by the local emulator (npm start), which embeds the local anon key.
      mode: 'emulator',
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true },
    });
    const files = await filesUnder(outDir);
    bundle = (await Promise.all(files.map((file) => readFile(file, 'latin1')))).join('\n');
  }, 180_000);

  afterAll(async () => {
    process.env = saved;
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('was built (the bundle has the app in it)', () => {
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(bundle).toContain('<div id="root">');
  });

  it('contains neither the local nor a custom service-role key, nor any JWT secret', async () => {
    const localKeys = await createProjectKeys(DEFAULT_JWT_SECRET);
    const customKeys = await createProjectKeys(CUSTOM_SECRET);
    for (const secret of [localKeys.serviceRoleKey, localKeys.secretKey, customKeys.serviceRoleKey, customKeys.secretKey, DEFAULT_JWT_SECRET, CUSTOM_SECRET]) {
      expect(bundle.includes(secret), secret.slice(0, 24)).toBe(false);
    }
  });

  it('every JWT embedded in the bundle is an anon key', () => {
    const tokens = bundle.match(/eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g) ?? [];
    for (const token of tokens) {
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { role?: string };
      expect(claims.role, token.slice(0, 40)).toBe('anon');
    }
  });
});

describe('the default JWT secret', () => {
  function runCli(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectDir, 'supabase/emulator/cli.ts'), '--memory', '--no-admin', '--port', '0'], {
        cwd: projectDir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  }

  it('the CLI refuses to listen on a non-loopback address with it, and says why', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      const env: NodeJS.ProcessEnv = { ...process.env, HOST: host };
      delete env.JWT_SECRET;
      delete env.DATABASE_URL;
      const { code, output } = await runCli(env);
      expect(code, host).toBe(2);
      expect(output, host).toMatch(/JWT_SECRET/);
    }
  }, 120_000);

  it('startEmulator refuses it on a non-loopback address too', async () => {
    const outcome = await startEmulator({ memory: true, host: '0.0.0.0', port: 0, logErrors: false }).then(
      async (emulator) => {
        await emulator.stop();
        return 'started';
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(outcome).toMatch(/JWT secret/i);
  });
});
