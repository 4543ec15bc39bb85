// startEmulator's configuration step on its own: what it decides from the options and
// supabase/config.toml, and what it refuses before any database is opened.
import { describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../supabase/emulator/config.ts';
import { emulatorSettings } from '../../supabase/emulator/server.ts';

describe('emulator settings', () => {
  const project = loadProjectConfig();

  it('take supabase/config.toml where the options say nothing', () => {
    const settings = emulatorSettings({});
    expect(settings).toMatchObject({
      host: '127.0.0.1',
      port: project.api.port,
      logErrors: true,
      rest: { maxRows: project.api.max_rows, schemas: project.api.schemas, aggregatesEnabled: false },
      auth: { config: project.auth, rateLimit: project.auth.rate_limit, anonymousSignIns: project.auth.enable_anonymous_sign_ins },
      admin: undefined,
    });
  });

  it('let the options override the project config', () => {
    const settings = emulatorSettings({ port: 0, maxRows: 7, authRateLimit: false, anonymousSignIns: true, aggregatesEnabled: true });
    expect(settings).toMatchObject({ port: 0, rest: { maxRows: 7, aggregatesEnabled: true }, auth: { rateLimit: false, anonymousSignIns: true } });
  });

  it('refuse a short JWT secret, and the public default secret off loopback', () => {
    expect(() => emulatorSettings({ jwtSecret: 'short' })).toThrow(/at least 32 characters/);
    expect(() => emulatorSettings({ host: '0.0.0.0' })).toThrow(/publicly known default JWT secret/);
    expect(emulatorSettings({ host: '0.0.0.0', jwtSecret: 'x'.repeat(32) }).host).toBe('0.0.0.0');
  });

  it('put the admin socket on loopback with a fresh password, and refuse it elsewhere', () => {
    const admin = emulatorSettings({ adminPort: 0, host: '0.0.0.0', jwtSecret: 'x'.repeat(32) }).admin;
    expect(admin).toMatchObject({ port: 0, host: '127.0.0.1' });
    expect(admin?.password.length).toBeGreaterThan(16);
    expect(emulatorSettings({ adminPort: 0 }).admin?.password).not.toBe(admin?.password);
    expect(() => emulatorSettings({ adminPort: 0, adminHost: '0.0.0.0' })).toThrow();
  });
});
