/**
 * GoTrue, the part supabase-js uses, routed as GoTrue routes it: sign-up (signup.ts),
 * the password and refresh-token grants (token.ts, sessions.ts), the user endpoints
 * and logout (user.ts), the emailed flows (email-flows.ts, whose mail goes to the
 * local inbox) and the public settings (settings.ts). Each endpoint is a plain
 * function of the service's dependencies (deps.ts) and the request.
 *
 * Everything lives in the `auth` schema tables of the same database, written in one
 * transaction per request, so application triggers and foreign keys on auth.users work
 * exactly as on a Supabase project.
 */
import type { Reply, ServiceRequest } from '../http.ts';
import { createAuthDeps, type AuthDeps, type AuthServiceOptions } from './deps.ts';
import * as emailFlows from './email-flows.ts';
import { AuthError, authErrors } from './errors.ts';
import { health, settings } from './settings.ts';
import { createOtpUser, signup } from './signup.ts';
import { token } from './token.ts';
import { getUser, logout } from './user.ts';

export type { AuthServiceOptions } from './deps.ts';

export interface AuthService {
  /** `clientAddress` is what the request's rate limits count against. */
  handle(request: ServiceRequest, clientAddress: string): Promise<Reply>;
}

type Handler = (deps: AuthDeps, request: ServiceRequest, clientAddress: string) => Promise<Reply> | Reply;

/** Path → method → endpoint; HEAD is answered as GET. */
export const AUTH_ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  '/signup': { POST: signup },
  '/token': { POST: token },
  '/user': { GET: getUser, PUT: emailFlows.updateUser },
  '/recover': { POST: emailFlows.recover },
  '/otp': {
    POST: (deps, request, clientAddress) => {
      deps.limits.count('signInSignUps', clientAddress);
      return emailFlows.otp(deps, request, (input) => createOtpUser(deps, input));
    },
  },
  '/verify': { GET: emailFlows.verifyGet, POST: emailFlows.verifyPost },
  '/reauthenticate': { GET: emailFlows.reauthenticate },
  '/logout': { POST: logout },
  '/settings': { GET: settings },
  '/health': { GET: health },
};

/** The endpoint for a path and method; throws GoTrue's 404 or 405. */
export function routeFor(path: string, method: string): Handler {
  const route = AUTH_ROUTES[path.replace(/\/+$/, '') || '/'];
  if (!route) throw authErrors.notFound();
  const handler = route[method === 'HEAD' ? 'GET' : method];
  if (!handler) throw authErrors.methodNotAllowed();
  return handler;
}

export function createAuthService(options: AuthServiceOptions): AuthService {
  const deps = createAuthDeps(options);
  return {
    async handle(request, clientAddress) {
      try {
        return await routeFor(request.path, request.method)(deps, request, clientAddress);
      } catch (error) {
        if (error instanceof AuthError) return error.toReply();
        throw error;
      }
    },
  };
}
