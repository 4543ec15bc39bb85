/**
 * The emulator's command line: safe defaults and refusals before anything starts.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { describe as banner, readSettings } from '../../supabase/emulator/cli.ts';
import type { Emulator } from '../../supabase/emulator/server.ts';

describe('emulator settings', () => {
  it('defaults to the embedded database on the standard local ports', () => {
    const settings = readSettings([], {});
    expect(settings.port).toBe(54321);
    expect(settings.adminPort).toBe(54322);
    expect(settings.host).toBe('127.0.0.1');
    expect(settings.dataDir.endsWith(path.join('.data', 'pglite'))).toBe(true);
    expect(settings.databaseUrl).toBeUndefined();
  });

  it('refuses to listen beyond loopback with the publicly known JWT secret', () => {
    expect(() => readSettings([], { HOST: '0.0.0.0' })).toThrow(/default JWT secret/);
    expect(readSettings([], { HOST: '0.0.0.0', JWT_SECRET: 'a-private-secret-that-is-long-enough-123' }).host).toBe('0.0.0.0');
    expect(readSettings([], { HOST: 'localhost' }).host).toBe('localhost');
  });

  it('refuses embedded-only options together with DATABASE_URL, and turns admin access off there', () => {
    expect(() => readSettings(['--reset'], { DATABASE_URL: 'postgres://x@localhost/db' })).toThrow(/embedded database only/);
    expect(readSettings([], { DATABASE_URL: 'postgres://x@localhost/db' }).adminPort).toBe(false);
  });

  it('refuses a port that is not a number and an unknown option', () => {
    expect(() => readSettings(['--port', 'eighty'], {})).toThrow(/port number/);
    expect(() => readSettings(['--frobnicate'], {})).toThrow();
  });

  it('takes the admin password from ADMIN_PASSWORD and refuses a short one', () => {
    expect(readSettings([], {}).adminPassword).toBeUndefined();
    expect(readSettings([], { ADMIN_PASSWORD: 'a-long-enough-admin-password' }).adminPassword).toBe('a-long-enough-admin-password');
    expect(() => readSettings([], { ADMIN_PASSWORD: 'short' })).toThrow(/at least 12 characters/);
  });

  it('prints the admin connection string with its password in the start banner', () => {
    const settings = readSettings([], {});
    const adminUrl = 'postgresql://postgres:s3cret-Pa55word-xyz@127.0.0.1:54322/postgres';
    const text = banner({ url: 'http://127.0.0.1:54321', anonKey: 'anon', serviceRoleKey: 'service', adminUrl } as Emulator, settings);
    expect(text).toContain(`psql ${adminUrl}`);
    expect(text).toMatch(/loopback only; a new password each start/);
  });
});
