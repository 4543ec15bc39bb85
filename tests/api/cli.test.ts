/**
 * The emulator's command line: safe defaults and refusals before anything starts.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readSettings } from '../../supabase/emulator/cli.ts';

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
});
