/**
 * `supabase/config.toml`, read as the Supabase platform reads it: the same file that
 * configures `supabase start` and a hosted project's API and auth configures the
 * emulator, so a limit set there holds locally exactly as it does in production.
 *
 * Only the settings the emulator acts on are validated; the rest of the file is the
 * CLI's business and passes through untouched. Defaults are GoTrue's and PostgREST's
 * own, for a key the file leaves out.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import { z } from 'zod';

export const CONFIG_PATH = fileURLToPath(new URL('../config.toml', import.meta.url));

/** GoTrue's `password_requirements` values, weakest first. */
export const PASSWORD_REQUIREMENTS = [
  '',
  'letters_digits',
  'lower_upper_letters_digits',
  'lower_upper_letters_digits_symbols',
] as const;

const rateLimitSchema = z
  .object({
    /** Sign-ups and sign-ins per 5 minutes per client address. */
    sign_in_sign_ups: z.number().int().positive().default(30),
    /** Refresh-token grants per 5 minutes per client address. */
    token_refresh: z.number().int().positive().default(150),
    /** Anonymous sign-ins per hour per client address. */
    anonymous_users: z.number().int().positive().default(30),
  })
  .prefault({});

const authSchema = z
  .object({
    enable_signup: z.boolean().default(true),
    enable_anonymous_sign_ins: z.boolean().default(false),
    jwt_expiry: z.number().int().positive().default(3600),
    enable_refresh_token_rotation: z.boolean().default(true),
    refresh_token_reuse_interval: z.number().int().nonnegative().default(10),
    minimum_password_length: z.number().int().min(6).default(6),
    password_requirements: z.enum(PASSWORD_REQUIREMENTS).default(''),
    rate_limit: rateLimitSchema,
  })
  .prefault({});

const apiSchema = z
  .object({
    /** Rows a read returns at most, as PostgREST's `db-max-rows`. */
    max_rows: z.number().int().positive().default(1000),
  })
  .prefault({});

/** The default privileges a hosted project gives the API roles on new objects in public. */
export const DEFAULT_PRIVILEGES = ['none', 'all'] as const;
export type DefaultPrivileges = (typeof DEFAULT_PRIVILEGES)[number];

const emulatorSchema = z
  .object({
    /**
     * What the API roles (anon, authenticated, service_role) get on tables, sequences
     * and functions that migrations create in public: "all", as older hosted projects
     * grant by default, or "none", as projects with automatic API grants turned off.
     * Migrations grant explicitly, so both must give the same result.
     */
    default_privileges: z.enum(DEFAULT_PRIVILEGES).default('none'),
  })
  .prefault({});

const configSchema = z.object({ api: apiSchema, auth: authSchema, emulator: emulatorSchema });

export type ProjectConfig = z.infer<typeof configSchema>;
export type AuthConfig = ProjectConfig['auth'];

/** Parses config.toml text; throws an error naming the bad key. */
export function parseProjectConfig(text: string): ProjectConfig {
  const result = configSchema.safeParse(parse(text));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`supabase/config.toml: ${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data;
}

let cached: ProjectConfig | undefined;

/** The project's config.toml, read once per process. */
export function loadProjectConfig(): ProjectConfig {
  cached ??= parseProjectConfig(readFileSync(CONFIG_PATH, 'utf8'));
  return cached;
}
