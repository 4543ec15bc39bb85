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
const PASSWORD_REQUIREMENTS = [
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
    /** Emails sent per hour, for the whole project (GoTrue counts them globally). */
    email_sent: z.number().int().positive().default(2),
    /** OTP and magic-link verifications per 5 minutes per client address. */
    token_verifications: z.number().int().positive().default(30),
  })
  .prefault({});

/** A Go duration as GoTrue reads `max_frequency` ("1s", "60s", "1m30s"), in milliseconds. */
const goDuration = z.string().transform((text, context) => {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (text === '' || parts.map((part) => part[0]).join('') !== text) {
    context.addIssue({ code: 'custom', message: `not a duration such as "60s": ${text}` });
    return z.NEVER;
  }
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * units[unit!]!, 0);
});

const emailSchema = z
  .object({
    /** Email sign-ups allowed (with `[auth] enable_signup`). */
    enable_signup: z.boolean().default(true),
    /** An email change is confirmed from the old address and the new one, not the new one only. */
    double_confirm_changes: z.boolean().default(true),
    /** New users confirm their address before they can sign in. */
    enable_confirmations: z.boolean().default(false),
    /** A password change needs a fresh sign-in (within 24 h) or a reauthentication code. */
    secure_password_change: z.boolean().default(false),
    /** The shortest time between two emails to one user (milliseconds once parsed). */
    max_frequency: goDuration.default(1000),
    /** Digits of an email one-time code. */
    otp_length: z.number().int().min(6).max(10).default(6),
    /** Seconds an emailed link or code stays valid. */
    otp_expiry: z.number().int().positive().max(86_400).default(3600),
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
    /** Where emailed links land when the request names no allowed `redirect_to`. */
    site_url: z.string().default('http://127.0.0.1:3000'),
    /** Further `redirect_to` targets allowed, as globs (`*` within a segment, `**` across). */
    additional_redirect_urls: z.array(z.string()).default([]),
    rate_limit: rateLimitSchema,
    email: emailSchema,
  })
  .prefault({});

const apiSchema = z
  .object({
    /** The API port (`npm start` and `npm run dev`). */
    port: z.number().int().min(0).max(65535).default(54321),
    /** Rows a read returns at most, as PostgREST's `db-max-rows`. */
    max_rows: z.number().int().positive().default(1000),
    /** Schemas the REST API serves, as PostgREST's `db-schemas`; the first is the default. */
    schemas: z.array(z.string().min(1)).min(1).default(['public', 'graphql_public']),
    /** Schemas on the search path after the request's own, as PostgREST's `db-extra-search-path`. */
    extra_search_path: z.array(z.string().min(1)).default(['public', 'extensions']),
  })
  .prefault({});

const dbSchema = z
  .object({
    /** The psql port of the embedded database. */
    port: z.number().int().min(0).max(65535).default(54322),
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

const configSchema = z.object({ api: apiSchema, db: dbSchema, auth: authSchema, emulator: emulatorSchema });

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
