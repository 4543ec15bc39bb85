/** Realtime's token rules, for the socket's apikey, a join and a later access_token. */
import { API_ROLES, JwtError, apiKeyRole, isOpaqueKey, verifyJwt, type Claims, type ProjectKeys } from '../jwt.ts';

export type TokenCheck = { ok: true; claims: Claims } | { ok: false; reason: string };

/** An opaque key gives its role; a JWT needs a role and an expiry. */
export async function checkToken(keys: ProjectKeys, token: string): Promise<TokenCheck> {
  if (isOpaqueKey(token)) {
    const role = await apiKeyRole(token, keys);
    return role ? { ok: true, claims: { role } } : { ok: false, reason: 'InvalidJWTToken: Invalid API key' };
  }
  let claims: Record<string, unknown>;
  try {
    claims = await verifyJwt(token, keys.jwtSecret);
  } catch (error) {
    if (error instanceof JwtError) {
      const reason = error.reason === 'expired' ? 'Token has expired' : error.message;
      return { ok: false, reason: `InvalidJWTToken: ${reason}` };
    }
    throw error;
  }
  if (typeof claims.role !== 'string' || typeof claims.exp !== 'number') {
    return { ok: false, reason: 'InvalidJWTToken: Fields `role` and `exp` are required in JWT' };
  }
  if (!API_ROLES.has(claims.role)) return { ok: false, reason: `InvalidJWTToken: Invalid role ${claims.role}` };
  return { ok: true, claims: claims as Claims };
}
