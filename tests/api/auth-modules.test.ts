// The GoTrue stand-in's rules as plain functions: refresh-token reuse, request limits,
// routing, access-token claims and request bodies, without a server or a database.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadProjectConfig } from '../../supabase/emulator/config.ts';
import { createAuthLimits, credentialFields, optionalObject, parseWith } from '../../supabase/emulator/auth/deps.ts';
import { AuthError } from '../../supabase/emulator/auth/errors.ts';
import { AUTH_ROUTES, routeFor } from '../../supabase/emulator/auth/service.ts';
import { accessTokenClaims, revokedTokenOutcome } from '../../supabase/emulator/auth/sessions.ts';

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    if (error instanceof AuthError) return error.code;
    throw error;
  }
}

describe('refresh-token reuse', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const live = { token: 'live', parent: 'previous' };

  it("answers the live token's parent with the live token, however long ago it was revoked", () => {
    const presented = { token: 'previous', updatedAt: new Date(now.getTime() - 3_600_000) };
    expect(revokedTokenOutcome({ presented, live, now, reuseIntervalSeconds: 10 })).toEqual({ reuse: 'live' });
  });

  it('answers an older token revoked within the reuse interval with the live token', () => {
    const presented = { token: 'older', updatedAt: new Date(now.getTime() - 9_000) };
    expect(revokedTokenOutcome({ presented, live, now, reuseIntervalSeconds: 10 })).toEqual({ reuse: 'live' });
  });

  it('revokes the family for an older token past the interval, or when no token is live', () => {
    const presented = { token: 'older', updatedAt: new Date(now.getTime() - 10_000) };
    expect(revokedTokenOutcome({ presented, live, now, reuseIntervalSeconds: 10 })).toBe('revoke-family');
    expect(revokedTokenOutcome({ presented: { token: 'previous', updatedAt: now }, live: undefined, now, reuseIntervalSeconds: 10 })).toBe(
      'revoke-family',
    );
  });
});

describe('auth request limits', () => {
  const rule = { ...loadProjectConfig().auth.rate_limit, sign_in_sign_ups: 2, email_sent: 1 };

  it('counts each client address on its own and refuses past the limit until the bucket refills', () => {
    let clock = 0;
    const limits = createAuthLimits(rule, () => clock);
    expect(codeOf(() => limits.count('signInSignUps', 'a'))).toBeUndefined();
    expect(codeOf(() => limits.count('signInSignUps', 'a'))).toBeUndefined();
    expect(codeOf(() => limits.count('signInSignUps', 'a'))).toBe('over_request_rate_limit');
    expect(codeOf(() => limits.count('signInSignUps', 'b'))).toBeUndefined();
    clock += 5 * 60_000;
    expect(codeOf(() => limits.count('signInSignUps', 'a'))).toBeUndefined();
  });

  it('counts emails for the whole project', () => {
    const limits = createAuthLimits(rule, () => 0);
    expect(codeOf(() => limits.takeEmail())).toBeUndefined();
    expect(codeOf(() => limits.takeEmail())).toBe('over_email_send_rate_limit');
  });

  it('refuses nothing when limits are off', () => {
    const limits = createAuthLimits(false);
    for (let i = 0; i < 100; i += 1) {
      limits.count('signInSignUps', 'a');
      limits.takeEmail();
    }
  });
});

describe('auth routing', () => {
  it('finds an endpoint with or without a trailing slash, and answers HEAD as GET', () => {
    expect(routeFor('/token/', 'POST')).toBe(AUTH_ROUTES['/token'].POST);
    expect(routeFor('/settings', 'HEAD')).toBe(AUTH_ROUTES['/settings'].GET);
  });

  it("refuses an unknown path with GoTrue's 404 and a known path's other methods with 405", () => {
    expect(codeOf(() => routeFor('/admin/users', 'GET'))).toBe('not_found');
    expect(codeOf(() => routeFor('/token', 'GET'))).toBe('method_not_allowed');
  });
});

describe('access-token claims', () => {
  const signedInAt = new Date('2026-11-30T12:00:00Z');
  const base = { issuer: 'http://x/auth/v1', sessionId: 's', signedInAt, iat: 1, exp: 3601 };

  it("carry the session, the authenticated role and the sign-in's method and time", () => {
    const claims = accessTokenClaims({ id: 'u', email: 'a@b.c', is_anonymous: false }, { ...base, method: 'otp' });
    expect(claims).toMatchObject({
      iss: 'http://x/auth/v1',
      sub: 'u',
      aud: 'authenticated',
      role: 'authenticated',
      session_id: 's',
      email: 'a@b.c',
      is_anonymous: false,
      amr: [{ method: 'otp', timestamp: signedInAt.getTime() / 1000 }],
    });
  });

  it('name the anonymous or password method when the sign-in gives none', () => {
    expect(accessTokenClaims({ id: 'u', is_anonymous: true }, base).amr).toEqual([{ method: 'anonymous', timestamp: signedInAt.getTime() / 1000 }]);
    expect(accessTokenClaims({ id: 'u', is_anonymous: false }, base)).toMatchObject({ amr: [{ method: 'password' }], is_anonymous: false });
  });
});

describe('request bodies', () => {
  const body = z.object({ ...credentialFields, data: optionalObject });
  const parse = (text: string) => parseWith(body, Buffer.from(text));

  it('read a missing or null field as not given, and an empty body as {}', () => {
    expect(parse('{"email":"a@example.com","phone":null}')).toEqual({ email: 'a@example.com', phone: null });
    expect(parseWith(body, undefined)).toEqual({});
  });

  it('refuse a field of the wrong type as bad_json, naming the field', () => {
    expect(codeOf(() => parse('{"password":12345678}'))).toBe('bad_json');
    expect(() => parse('{"data":"text"}')).toThrow(/data:/);
  });
});
