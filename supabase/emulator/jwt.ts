/**
 * Project keys and JWT verification shared by auth, REST and realtime.
 *
 * Legacy keys are HS256 JWTs signed with the project secret; with the Supabase CLI's
 * local secret they are byte-for-byte the well-known local keys. Opaque `sb_…` keys map
 * to a role without ever being parsed as JWTs.
 */
import { createHmac } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';

/** The Supabase CLI's local JWT secret: public knowledge, so only safe on loopback. */
export const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

/** The local keys' fixed expiry (2032-11-12), as in the Supabase CLI. */
const LOCAL_KEY_EXPIRY = 1983812996;

/** The Supabase CLI's opaque local keys, valid only with the default secret. */
const LOCAL_PUBLISHABLE_KEY = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';
const LOCAL_SECRET_KEY = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';

/** Tokens issued a little in the future are accepted: clocks drift. */
const CLOCK_SKEW_SECONDS = 30;

export type Claims = Record<string, unknown> & { role: string };

export interface ProjectKeys {
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  publishableKey: string;
  secretKey: string;
}

export type JwtFailure = 'expired' | 'bad_signature' | 'malformed' | 'unsupported_algorithm';

export class JwtError extends Error {
  constructor(
    readonly reason: JwtFailure,
    message: string,
  ) {
    super(message);
  }
}

function secretBytes(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signJwt(payload: Record<string, unknown>, secret: string): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secretBytes(secret));
}

/** Opaque keys derived from the secret, so that another secret never accepts the local ones. */
function opaqueKey(prefix: string, secret: string, label: string): string {
  const digest = createHmac('sha256', secret).update(label).digest('base64url');
  return `${prefix}${digest.slice(0, 22)}_${digest.slice(22, 30)}`;
}

export async function createProjectKeys(jwtSecret: string): Promise<ProjectKeys> {
  const isDefault = jwtSecret === DEFAULT_JWT_SECRET;
  return {
    jwtSecret,
    anonKey: await signJwt({ iss: 'supabase-demo', role: 'anon', exp: LOCAL_KEY_EXPIRY }, jwtSecret),
    serviceRoleKey: await signJwt({ iss: 'supabase-demo', role: 'service_role', exp: LOCAL_KEY_EXPIRY }, jwtSecret),
    publishableKey: isDefault ? LOCAL_PUBLISHABLE_KEY : opaqueKey('sb_publishable_', jwtSecret, 'publishable'),
    secretKey: isDefault ? LOCAL_SECRET_KEY : opaqueKey('sb_secret_', jwtSecret, 'secret'),
  };
}

function decodeSegment(segment: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new JwtError('malformed', 'token is malformed');
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('malformed', 'token is malformed');
  }
}

/**
 * Verifies an HS256 token and returns its claims. Every other algorithm, `none`
 * included, is refused before any signature check, so a forged header cannot pick a
 * weaker verification.
 */
export async function verifyJwt(token: string, secret: string): Promise<Record<string, unknown>> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('malformed', `token contains an invalid number of segments`);
  const header = decodeSegment(parts[0]);
  const payload = decodeSegment(parts[1]);
  if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null) {
    throw new JwtError('malformed', 'token is malformed');
  }
  const alg = (header as { alg?: unknown }).alg;
  if (alg !== 'HS256') throw new JwtError('unsupported_algorithm', `signing method ${String(alg)} is invalid`);
  try {
    const { payload: claims } = await jwtVerify(token, secretBytes(secret), {
      algorithms: ['HS256'],
      clockTolerance: CLOCK_SKEW_SECONDS,
    });
    const iat = claims.iat;
    if (typeof iat === 'number' && iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) {
      throw new JwtError('expired', 'token used before issued');
    }
    return claims as Record<string, unknown>;
  } catch (error) {
    if (error instanceof JwtError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new JwtError('expired', 'token has invalid claims: token is expired');
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
      throw new JwtError('bad_signature', 'signature is invalid');
    }
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
      throw new JwtError('malformed', `token has invalid claims: ${error.message}`);
    }
    throw new JwtError('malformed', 'token is malformed');
  }
}

/** The API roles a token or key may carry; anything else never reaches the database. */
export const API_ROLES = new Set(['anon', 'authenticated', 'service_role']);

export type ApiKeyRole = 'anon' | 'service_role';

/**
 * The role of a project API key, or undefined when the value is not one. Legacy keys
 * are accepted when validly signed with an anon or service_role claim (hosted keys are
 * re-minted with other `iat`s), opaque keys only when they match exactly.
 */
export async function apiKeyRole(value: string, keys: ProjectKeys): Promise<ApiKeyRole | undefined> {
  if (value === keys.publishableKey) return 'anon';
  if (value === keys.secretKey) return 'service_role';
  if (value.startsWith('sb_')) return undefined;
  try {
    const claims = await verifyJwt(value, keys.jwtSecret);
    if (claims.role === 'anon' || claims.role === 'service_role') return claims.role;
  } catch {
    return undefined;
  }
  return undefined;
}

/** True for the opaque key format, which must never be parsed as a JWT. */
export function isOpaqueKey(value: string): boolean {
  return value.startsWith('sb_publishable_') || value.startsWith('sb_secret_');
}

export type BearerResult =
  | { ok: true; claims: Claims; user: boolean }
  | { ok: false; reason: JwtFailure | 'invalid_key' | 'missing_role'; message: string };

/**
 * Resolves an `Authorization: Bearer` value to request claims: an opaque key gives its
 * role's claims, anything else must be a valid JWT with a role claim.
 */
export async function claimsForBearer(
  token: string,
  keys: ProjectKeys,
  options: { defaultRole?: string } = {},
): Promise<BearerResult> {
  if (isOpaqueKey(token)) {
    if (token === keys.publishableKey) return { ok: true, claims: { role: 'anon' }, user: false };
    if (token === keys.secretKey) return { ok: true, claims: { role: 'service_role' }, user: false };
    return { ok: false, reason: 'invalid_key', message: 'Invalid API key' };
  }
  try {
    const claims = await verifyJwt(token, keys.jwtSecret);
    if (typeof claims.role !== 'string' || claims.role === '') {
      // PostgREST falls back to its anonymous role; realtime refuses such tokens.
      if (options.defaultRole) return { ok: true, claims: { ...claims, role: options.defaultRole }, user: false };
      return { ok: false, reason: 'missing_role', message: 'token has no role claim' };
    }
    return { ok: true, claims: claims as Claims, user: typeof claims.sub === 'string' };
  } catch (error) {
    if (error instanceof JwtError) return { ok: false, reason: error.reason, message: error.message };
    throw error;
  }
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}
