/**
 * The emulator: one Node HTTP server that answers the Supabase API subset supabase-js
 * uses — `/auth/v1` (GoTrue), `/rest/v1` (PostgREST), `/realtime/v1` (Phoenix
 * channels) — plus the built SPA, over embedded PGlite or a real Postgres.
 *
 * The gateway part (API keys, CORS, body limits) lives here, as Kong does it on a
 * Supabase project; each service gets verified claims and never sees a bad token.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from './database.ts';
import { migrate } from './migrate.ts';
import { BodyTooLargeError, flatHeaders, json, preflightHeaders, readBody, send, type Reply } from './http.ts';
import {
  API_ROLES,
  DEFAULT_JWT_SECRET,
  apiKeyRole,
  bearerToken,
  claimsForBearer,
  createProjectKeys,
  type ProjectKeys,
} from './jwt.ts';
import { serveStatic, warmStatic } from './static.ts';
import { createAuthService, type AuthService } from './auth/service.ts';
import { loadProjectConfig, type AuthConfig } from './config.ts';
import { handleInbox, Inbox } from './mail/inbox.ts';
import type { BroadcastSourceChoice } from './realtime/database-broadcasts.ts';
import { createRealtimeService, type RealtimeService } from './realtime/service.ts';
import { checkAdminSettings, isLoopbackAddress, startAdminServer, type AdminServer } from './admin.ts';
import { callerAddress, withClientAddress } from './client-address.ts';
import { handleRest } from './rest/index.ts';
import type { RestResponse } from './rest/types.ts';

export interface EmulatorOptions {
  /** Use this database instead of opening one; it is neither migrated nor closed. */
  db?: Database;
  /** A Postgres connection string; otherwise PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; ignored with `memory` or `databaseUrl`. */
  dataDir?: string;
  /** PGlite in memory: nothing survives stop(). */
  memory?: boolean;
  /** Load seed.sql into a fresh database. */
  seed?: boolean;
  /** 0 picks a free port. Default: `[api] port` of supabase/config.toml. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: the Supabase CLI's local secret, which gives the well-known local keys. */
  jwtSecret?: string;
  /** The built SPA, served with index.html for client routes. */
  staticDir?: string;
  /** Largest accepted request body. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Rows a REST read returns at most, as PostgREST's db-max-rows: it caps the
   * top-level rows of each read (embedded arrays are bounded by the REST row budget
   * instead). Default: `[api] max_rows` from supabase/config.toml.
   */
  maxRows?: number;
  /**
   * Aggregate functions in REST `select` (`count()`, `amount.sum()`…), as PostgREST's
   * `db-aggregates-enabled`. Hosted projects have them off and config.toml has no key
   * for them, so the default is off: a request using one gets 400 PGRST123.
   */
  aggregatesEnabled?: boolean;
  /**
   * Where the realtime server reads database broadcasts: `auto` (default) reads them
   * from the WAL on a Postgres with `wal_level = logical` and uses NOTIFY elsewhere;
   * `notify` always uses NOTIFY.
   */
  realtimeBroadcasts?: BroadcastSourceChoice;
  /** Allow `signInAnonymously()`. Off by default, as in the Supabase CLI. */
  anonymousSignIns?: boolean;
  /**
   * `[auth]` settings (password rules, token lifetimes, `[auth.email]`). Default: those
   * of supabase/config.toml; tests pass variations of it.
   */
  authConfig?: AuthConfig;
  /**
   * Auth request limits per client address. Default: `[auth.rate_limit]` of
   * supabase/config.toml, as `npm start` enforces it; false for none (test suites that
   * sign hundreds of users in from one address).
   */
  authRateLimit?: AuthConfig['rate_limit'] | false;
  /** Postgres wire protocol for psql on embedded PGlite; false (default) for none. */
  adminPort?: number | false;
  /**
   * The admin socket's address: loopback only, anything else is refused. Default: `host`
   * when that is a loopback address, else 127.0.0.1.
   */
  adminHost?: string;
  /** The `postgres` password on the admin socket. Default: a new random one per start. */
  adminPassword?: string;
  /** Print request failures that are the emulator's fault. Default true. */
  logErrors?: boolean;
  /**
   * Take the caller's address from the `cf-connecting-ip` (else `x-forwarded-for`)
   * header the client sent instead of the socket's, for the auth limits and SQL alike,
   * so tests can play many clients from one machine. Off by default: the platform's
   * edge always overwrites it.
   */
  trustClientAddressHeader?: boolean;
}

export interface Emulator {
  /** The API URL to give createClient, without a trailing slash. */
  url: string;
  port: number;
  anonKey: string;
  serviceRoleKey: string;
  publishableKey: string;
  secretKey: string;
  jwtSecret: string;
  db: Database;
  /** postgresql://postgres:<password>@… for psql when the admin socket runs. */
  adminUrl?: string;
  /** Where the admin socket is bound, when it runs. */
  adminAddress?: { host: string; port: number };
  /**
   * The local inbox: every email the emulator sends, readable at `/inbox` and
   * `/inbox/api/messages` from this machine. `inbox.sendMail()` sends one.
   */
  inbox: Inbox;
  stop(): Promise<void>;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

type Service = 'auth' | 'rest' | 'realtime' | 'other';

function serviceOf(pathname: string): Service {
  if (pathname === '/auth/v1' || pathname.startsWith('/auth/v1/')) return 'auth';
  if (pathname === '/rest/v1' || pathname.startsWith('/rest/v1/')) return 'rest';
  if (pathname === '/realtime/v1' || pathname.startsWith('/realtime/v1/')) return 'realtime';
  return 'other';
}

/** A refusal shaped the way the service behind the gateway would shape it. */
function serviceError(service: Service, status: number, code: string, message: string): Reply {
  if (service === 'rest') return json(status, { code, message, details: null, hint: null });
  if (service === 'auth') {
    return json(
      status,
      { code, error_code: code, message, msg: message },
      { 'X-Supabase-Api-Version': '2024-01-01', 'x-sb-error-code': code },
    );
  }
  return json(status, { error: message, message });
}

function restErrorForJwt(reason: string, message: string): Reply {
  const expired = reason === 'expired';
  const code = expired ? 'PGRST303' : 'PGRST301';
  const text = expired ? 'JWT expired' : reason === 'invalid_key' ? 'Invalid API key' : `JWT invalid: ${message}`;
  return json(
    401,
    { code, message: text, details: null, hint: null },
    { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${text.replace(/"/g, "'")}"` },
  );
}

function fromRest(response: RestResponse): Reply {
  return { status: response.status, headers: response.headers, body: response.body };
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const jwtSecret = options.jwtSecret ?? DEFAULT_JWT_SECRET;
  if (jwtSecret.length < 32) throw new Error('The JWT secret must be at least 32 characters long.');
  const keys: ProjectKeys = await createProjectKeys(jwtSecret);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const apiConfig = loadProjectConfig().api;
  const maxRows = options.maxRows ?? apiConfig.max_rows;
  const restSettings = {
    schemas: apiConfig.schemas,
    extraSearchPath: apiConfig.extra_search_path,
    aggregatesEnabled: options.aggregatesEnabled ?? false,
  };
  const logErrors = options.logErrors ?? true;
  const host = options.host ?? '127.0.0.1';
  // The default secret is public: anyone who can reach the server could mint a
  // service_role token with it. Checked here, not only in the CLI, so no caller skips it.
  if (jwtSecret === DEFAULT_JWT_SECRET && !isLoopbackHost(host)) {
    throw new Error(
      `Refusing to listen on ${host} with the publicly known default JWT secret: anyone could mint a service_role token. Set a JWT secret of at least 32 characters.`,
    );
  }

  const wantsAdmin = options.adminPort !== undefined && options.adminPort !== false;
  const adminHost = options.adminHost ?? (isLoopbackAddress(host) ? host : '127.0.0.1');
  const adminPassword = options.adminPassword ?? randomBytes(18).toString('base64url');
  // Refused before the database is touched, like the secret above.
  if (wantsAdmin) checkAdminSettings(adminHost, adminPassword);

  const ownsDb = !options.db;
  const db =
    options.db ??
    (await openDatabase({
      databaseUrl: options.databaseUrl,
      dataDir: options.databaseUrl || options.memory ? undefined : options.dataDir,
    }));

  let server: ReturnType<typeof createServer> | undefined;
  let realtime: RealtimeService | undefined;
  let admin: AdminServer | undefined;
  try {
    if (ownsDb) await migrate(db, { seed: options.seed ?? false });

    let url = '';
    const authConfig = options.authConfig ?? loadProjectConfig().auth;
    const inbox = new Inbox();
    const auth: AuthService = createAuthService({
      db,
      keys,
      issuer: () => `${url}/auth/v1`,
      anonymousSignIns: options.anonymousSignIns ?? authConfig.enable_anonymous_sign_ins,
      config: authConfig,
      rateLimit: options.authRateLimit ?? authConfig.rate_limit,
      mailer: inbox,
    });
    realtime = await createRealtimeService({ db, keys, logErrors, broadcastSource: options.realtimeBroadcasts });
    const rt = realtime;

    const handleRestRequest = async (request: IncomingMessage, pathname: string, query: URLSearchParams): Promise<Reply> => {
      const sent = flatHeaders(request);
      const headers = withClientAddress(sent, callerAddress(request.socket.remoteAddress, sent, options.trustClientAddressHeader));
      const token = bearerToken(headers.authorization);
      let claims: Record<string, unknown> & { role: string } = { role: 'anon' };
      if (token) {
        const result = await claimsForBearer(token, keys, { defaultRole: 'anon' });
        if (!result.ok) return restErrorForJwt(result.reason, result.message);
        claims = result.claims;
      }
      if (!API_ROLES.has(claims.role)) {
        return json(403, {
          code: '42501',
          message: `permission denied to set role "${claims.role}"`,
          details: null,
          hint: null,
        });
      }
      const body = await readBody(request, maxBodyBytes);
      const response = await handleRest(
        { method: request.method ?? 'GET', path: pathname.slice('/rest/v1'.length) || '/', query, headers, body },
        { db, claims, maxRows, ...restSettings },
      );
      return fromRest(response);
    };

    const route = async (request: IncomingMessage): Promise<Reply> => {
      const parsed = new URL(request.url ?? '/', 'http://emulator');
      const pathname = parsed.pathname;
      const service = serviceOf(pathname);
      const method = request.method ?? 'GET';

      if (service === 'other') {
        if (pathname === '/inbox' || pathname.startsWith('/inbox/')) {
          // Mail carries sign-in links: only this machine may read it, whatever HOST is.
          if (!isLoopbackAddress(request.socket.remoteAddress ?? '')) return json(404, { error: 'not_found', message: 'Not found' });
          return handleInbox(inbox, method, pathname, parsed.searchParams);
        }
        if (pathname.startsWith('/storage/v1') || pathname.startsWith('/functions/v1')) {
          return json(404, { error: 'not_found', message: 'Storage and Edge Functions are not emulated.' });
        }
        if (options.staticDir) return serveStatic(options.staticDir, method, pathname, flatHeaders(request));
        return json(404, { error: 'not_found', message: 'Not found' });
      }

      // The gateway in front of every Supabase service insists on a project key, except
      // on the auth routes a browser opens from an email or a provider's redirect.
      if (service === 'auth' && method === 'GET' && /^\/auth\/v1\/(verify|callback)\/?$/.test(pathname)) {
        const headers = flatHeaders(request);
        return auth.handle(
          { method, path: pathname.slice('/auth/v1'.length), query: parsed.searchParams, headers, body: undefined },
          callerAddress(request.socket.remoteAddress, headers, options.trustClientAddressHeader),
        );
      }
      const apikey = request.headers.apikey ?? parsed.searchParams.get('apikey') ?? undefined;
      const key = Array.isArray(apikey) ? apikey[0] : apikey;
      if (!key) {
        return json(401, {
          message: 'No API key found in request',
          hint: 'No `apikey` request header or url param was found.',
        });
      }
      if (!(await apiKeyRole(key, keys))) {
        return json(401, { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' });
      }

      if (service === 'rest') return handleRestRequest(request, pathname, parsed.searchParams);
      const body = await readBody(request, maxBodyBytes);
      if (service === 'auth') {
        const headers = flatHeaders(request);
        return auth.handle(
          { method, path: pathname.slice('/auth/v1'.length) || '/', query: parsed.searchParams, headers, body },
          callerAddress(request.socket.remoteAddress, headers, options.trustClientAddressHeader),
        );
      }
      return rt.handleHttp({
        method,
        path: pathname.slice('/realtime/v1'.length) || '/',
        query: parsed.searchParams,
        headers: flatHeaders(request),
        body,
      });
    };

    const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
      if (request.method === 'OPTIONS') {
        response.writeHead(204, preflightHeaders(request));
        response.end();
        return;
      }
      route(request)
        .catch((error: unknown): Reply => {
          const service = serviceOf(new URL(request.url ?? '/', 'http://emulator').pathname);
          if (error instanceof BodyTooLargeError) {
            const reply = serviceError(
              service,
              413,
              service === 'rest' ? 'PGRST413' : 'request_too_large',
              `Request body too large: the limit is ${error.limit} bytes.`,
            );
            // The rest of the upload is not read; closing is cheaper than draining it.
            reply.headers = { ...reply.headers, Connection: 'close' };
            return reply;
          }
          if (logErrors) console.error('[emulator]', request.method, request.url, error);
          return serviceError(service, 500, service === 'rest' ? 'PGRST000' : 'unexpected_failure', 'Unexpected emulator error');
        })
        .then((reply) => send(request, response, reply))
        .catch((error: unknown) => {
          if (logErrors) console.error('[emulator] could not send a response', error);
          response.destroy();
        });
    };

    server = createServer({ maxHeaderSize: 64 * 1024 }, onRequest);
    server.on('upgrade', (request, socket, head) => rt.handleUpgrade(request, socket, head));
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });

    const httpServer = server;
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port ?? loadProjectConfig().api.port, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    const port = (httpServer.address() as AddressInfo).port;
    url = `http://${hostForUrl(host)}:${port}`;
    // Compress the build in the background; a request before it is done compresses its own file.
    if (options.staticDir) void warmStatic(options.staticDir);

    if (options.adminPort !== undefined && options.adminPort !== false) {
      admin = await startAdminServer(db, {
        port: options.adminPort,
        host: adminHost,
        password: adminPassword,
        onNotification: (channel, payload) => {
          if (channel === 'realtime_messages') rt.deliverNotification(payload);
        },
      });
    }
    const adminServer = admin;

    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      anonKey: keys.anonKey,
      serviceRoleKey: keys.serviceRoleKey,
      publishableKey: keys.publishableKey,
      secretKey: keys.secretKey,
      jwtSecret,
      db,
      adminUrl: adminServer?.url,
      adminAddress: adminServer?.address,
      inbox,
      stop() {
        stopped ??= (async () => {
          await adminServer?.close();
          await rt.close();
          await new Promise<void>((resolve) => {
            httpServer.close(() => resolve());
            httpServer.closeAllConnections();
          });
          if (ownsDb) await db.close();
        })();
        return stopped;
      },
    };
  } catch (error) {
    await admin?.close().catch(() => {});
    await realtime?.close().catch(() => {});
    server?.close();
    if (ownsDb) await db.close().catch(() => {});
    throw error;
  }
}
