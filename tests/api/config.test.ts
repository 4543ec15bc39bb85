/**
 * supabase/config.toml as the emulator's one source of settings: the keys it honours are
 * parsed with GoTrue's and the CLI's defaults and meanings, and the CLI takes its ports
 * and switches from it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { CONFIG_PATH, parseProjectConfig, type ProjectConfig } from '../../supabase/emulator/config.ts';

vi.mock('../../supabase/emulator/config.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../supabase/emulator/config.ts')>();
  const real = actual.loadProjectConfig();
  const changed: ProjectConfig = {
    ...real,
    api: { ...real.api, port: 60_001 },
    db: { ...real.db, port: 60_002 },
    auth: { ...real.auth, enable_anonymous_sign_ins: true },
  };
  return { ...actual, loadProjectConfig: () => changed };
});

const { readSettings } = await import('../../supabase/emulator/cli.ts');

describe('config.toml', () => {
  it('parses the project file with every key the emulator acts on', () => {
    const config = parseProjectConfig(readFileSync(CONFIG_PATH, 'utf8'));
    expect(config.api).toMatchObject({ port: 54321, max_rows: 1000 });
    expect(config.db.port).toBe(54322);
    expect(config.auth).toMatchObject({ site_url: 'http://127.0.0.1:54321', jwt_expiry: 3600, refresh_token_reuse_interval: 10 });
    expect(config.auth.additional_redirect_urls).toContain('http://localhost:5173/**');
    expect(config.auth.email).toEqual({
      enable_signup: true,
      double_confirm_changes: true,
      enable_confirmations: false,
      secure_password_change: false,
      max_frequency: 1000,
      otp_length: 6,
      otp_expiry: 3600,
    });
  });

  it('reads max_frequency as a Go duration and names a bad one', () => {
    expect(parseProjectConfig('[auth.email]\nmax_frequency = "1m30s"').auth.email.max_frequency).toBe(90_000);
    expect(() => parseProjectConfig('[auth.email]\nmax_frequency = "soon"')).toThrow(/auth\.email\.max_frequency/);
  });

  it('falls back to the CLI defaults for keys the file leaves out', () => {
    const config = parseProjectConfig('');
    expect(config.auth.rate_limit).toMatchObject({ email_sent: 2, token_verifications: 30 });
    expect(config.auth.email.otp_expiry).toBe(3600);
    expect(config.api.port).toBe(54321);
  });

  it('gives the CLI its API port, psql port and anonymous sign-ins', () => {
    const settings = readSettings([], {});
    expect(settings.port).toBe(60_001);
    expect(settings.adminPort).toBe(60_002);
    expect(settings.anonymousSignIns).toBe(true);
    expect(readSettings(['--port', '7000'], {}).port).toBe(7000);
  });
});
