/**
 * The emulator: one Node HTTP server that answers the Supabase API subset supabase-js
 * uses — `/auth/v1` (GoTrue), `/rest/v1` (PostgREST), `/realtime/v1` (Phoenix
 * channels) — plus the built SPA, over embedded PGlite or a real Postgres.
 *
 * The gateway part (API keys, CORS, body limits) lives here, as Kong does it on a
 * Supabase project; each service gets verified claims and never sees a bad token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
import { serveStatic, serveThroughHandler, warmStatic } from './static.ts';
import { handleEventPreview } from '../../edge/event-preview.ts';
import { AuthError } from './auth/errors.ts';
import { createAuthService, type AuthService } from './auth/service.ts';
import { loadProjectConfig, type AuthConfig } from './config.ts';
import { handleInbox, Inbox } from './mail/inbox.ts';
import type { BroadcastSourceChoice } from './realtime/database-broadcasts.ts';
import { createRealtimeService, type RealtimeService } from './realtime/service.ts';
import { checkAdminSettings, isLoopbackAddress, startAdminServer, type AdminServer } from './admin.ts';
import { callerAddress, withClientAddress } from './client-address.ts';
import { roleRefusal } from './rest/errors.ts';
import { handleRest } from './rest/index.ts';
import type { RestContext, RestResponse } from './rest/types.ts';

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
  /**
   * The built SPA, served with index.html for client routes; event pages get their
   * link preview tags from the edge handler (edge/event-preview.ts).
   */
  staticDir?: string;
  /** How long an event page waits for its preview's event read. Default: the handler's. */
  eventPreviewTimeoutMs?: number;
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
  if (service === 'auth') return new AuthError(status, code, message).toReply();
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

/** The admin socket's settings, when it is asked for. */
interface AdminSettings {
  port: number;
  host: string;
  password: string;
}

/** Everything startEmulator decides from its options and supabase/config.toml, before any I/O. */
export interface EmulatorSettings {
  jwtSecret: string;
  host: string;
  port: number;
  maxBodyBytes: number;
  logErrors: boolean;
  /** What each REST request gets besides its database and claims. */
  rest: Omit<RestContext, 'db' | 'claims'>;
  auth: { config: AuthConfig; anonymousSignIns: boolean; rateLimit: AuthConfig['rate_limit'] | false };
  admin: AdminSettings | undefined;
}

/**
 * The configuration step: options over supabase/config.toml. Refuses settings that
 * would expose the project (the public default secret off loopback, a bad admin
 * socket) before the database is touched.
 */
export function emulatorSettings(options: EmulatorOptions): EmulatorSettings {
  const jwtSecret = options.jwtSecret ?? DEFAULT_JWT_SECRET;
  if (jwtSecret.length < 32) throw new Error('The JWT secret must be at least 32 characters long.');
  const host = options.host ?? '127.0.0.1';
  // The default secret is public: anyone who can reach the server could mint a
  // service_role token with it. Checked here, not only in the CLI, so no caller skips it.
  if (jwtSecret === DEFAULT_JWT_SECRET && !isLoopbackHost(host)) {
    throw new Error(
      `Refusing to listen on ${host} with the publicly known default JWT secret: anyone could mint a service_role token. Set a JWT secret of at least 32 characters.`,
    );
  }
  let admin: AdminSettings | undefined;
  if (options.adminPort !== undefined && options.adminPort !== false) {
    admin = {
      port: options.adminPort,
      host: options.adminHost ?? (isLoopbackAddress(host) ? host : '127.0.0.1'),
      password: options.adminPassword ?? randomBytes(18).toString('base64url'),
    };
    checkAdminSettings(admin.host, admin.password);
  }
  const project = loadProjectConfig();
  const authConfig = options.authConfig ?? project.auth;
  return {
    jwtSecret,
    host,
    port: options.port ?? project.api.port,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY,
    logErrors: options.logErrors ?? true,
    rest: {
      maxRows: options.maxRows ?? project.api.max_rows,
      schemas: project.api.schemas,
      extraSearchPath: project.api.extra_search_path,
      aggregatesEnabled: options.aggregatesEnabled ?? false,
    },
    auth: {
      config: authConfig,
      anonymousSignIns: options.anonymousSignIns ?? authConfig.enable_anonymous_sign_ins,
      rateLimit: options.authRateLimit ?? authConfig.rate_limit,
    },
    admin,
  };
}

/** The database step: the caller's, or one opened (and later closed) by the emulator. */
async function openOwnDatabase(options: EmulatorOptions): Promise<{ db: Database; ownsDb: boolean }> {
  if (options.db) return { db: options.db, ownsDb: false };
  const db = await openDatabase({
    databaseUrl: options.databaseUrl,
    dataDir: options.databaseUrl || options.memory ? undefined : options.dataDir,
  });
  return { db, ownsDb: true };
}

/** What the HTTP routing step needs: the services behind the gateway and its settings. */
export interface Gateway {
  settings: EmulatorSettings;
  keys: ProjectKeys;
  db: Database;
  auth: AuthService;
  rt: RealtimeService;
  inbox: Inbox;
  staticDir: string | undefined;
  trustClientAddressHeader: boolean | undefined;
  /** The emulator's own address, known once it listens: the preview handler reads the API there. */
  baseUrl: () => string;
  eventPreviewTimeoutMs: number | undefined;
}

/** The request's headers with the caller's address as the services see it. */
function serviceHeaders(gateway: Gateway, request: IncomingMessage): Record<string, string> {
  const sent = flatHeaders(request);
  return withClientAddress(sent, callerAddress(request.socket.remoteAddress, sent, gateway.trustClientAddressHeader));
}

function authRequest(gateway: Gateway, request: IncomingMessage, pathname: string, query: URLSearchParams, body: Buffer | undefined) {
  const headers = flatHeaders(request);
  return gateway.auth.handle(
    { method: request.method ?? 'GET', path: pathname.slice('/auth/v1'.length) || '/', query, headers, body },
    callerAddress(request.socket.remoteAddress, headers, gateway.trustClientAddressHeader),
  );
}

/** REST behind the gateway: the bearer token's verified claims, as PostgREST checks them. */
async function restRequest(gateway: Gateway, request: IncomingMessage, pathname: string, query: URLSearchParams): Promise<Reply> {
  const headers = serviceHeaders(gateway, request);
  const token = bearerToken(headers.authorization);
  let claims: Record<string, unknown> & { role: string } = { role: 'anon' };
  if (token) {
    const result = await claimsForBearer(token, gateway.keys, { defaultRole: 'anon' });
    if (!result.ok) return restErrorForJwt(result.reason, result.message);
    claims = result.claims;
  }
  if (!API_ROLES.has(claims.role)) return json(403, roleRefusal(claims.role).toBody());
  const body = await readBody(request, gateway.settings.maxBodyBytes);
  const response = await handleRest(
    { method: request.method ?? 'GET', path: pathname.slice('/rest/v1'.length) || '/', query, headers, body },
    { db: gateway.db, claims, ...gateway.settings.rest },
  );
  return fromRest(response);
}

/** Paths outside the API: the local inbox, the built SPA, or 404. */
function otherRequest(gateway: Gateway, request: IncomingMessage, method: string, parsed: URL): Promise<Reply> | Reply {
  const { pathname } = parsed;
  if (pathname === '/inbox' || pathname.startsWith('/inbox/')) {
    // Mail carries sign-in links: only this machine may read it, whatever HOST is.
    if (!isLoopbackAddress(request.socket.remoteAddress ?? '')) return json(404, { error: 'not_found', message: 'Not found' });
    return handleInbox(gateway.inbox, method, pathname, parsed.searchParams);
  }
  if (pathname.startsWith('/storage/v1') || pathname.startsWith('/functions/v1')) {
    return json(404, { error: 'not_found', message: 'Storage and Edge Functions are not emulated.' });
  }
  if (gateway.staticDir && pathname.startsWith('/events/')) {
    // As the static host's edge function runs on these routes (decision 019).
    const supabaseUrl = gateway.baseUrl();
    return serveThroughHandler(gateway.staticDir, method, new URL(`${pathname}${parsed.search}`, supabaseUrl), flatHeaders(request), (page, next) =>
      handleEventPreview(page, { supabaseUrl, anonKey: gateway.keys.anonKey, next, timeoutMs: gateway.eventPreviewTimeoutMs }),
    );
  }
  if (gateway.staticDir) return serveStatic(gateway.staticDir, method, pathname, flatHeaders(request));
  return json(404, { error: 'not_found', message: 'Not found' });
}

/** The gateway's project-key check; a refusal, or undefined when the key is valid. */
async function apiKeyRefusal(gateway: Gateway, request: IncomingMessage, parsed: URL): Promise<Reply | undefined> {
  const apikey = request.headers.apikey ?? parsed.searchParams.get('apikey') ?? undefined;
  const key = Array.isArray(apikey) ? apikey[0] : apikey;
  if (!key) {
    return json(401, {
      message: 'No API key found in request',
      hint: 'No `apikey` request header or url param was found.',
    });
  }
  if (!(await apiKeyRole(key, gateway.keys))) {
    return json(401, { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' });
  }
  return undefined;
}

/** The HTTP routing step: one request to the service its path names. */
export async function routeRequest(gateway: Gateway, request: IncomingMessage): Promise<Reply> {
  const parsed = new URL(request.url ?? '/', 'http://emulator');
  const pathname = parsed.pathname;
  const service = serviceOf(pathname);
  const method = request.method ?? 'GET';
  if (service === 'other') return otherRequest(gateway, request, method, parsed);

  // The gateway in front of every Supabase service insists on a project key, except
  // on the auth routes a browser opens from an email or a provider's redirect.
  if (service === 'auth' && method === 'GET' && /^\/auth\/v1\/(verify|callback)\/?$/.test(pathname)) {
    return authRequest(gateway, request, pathname, parsed.searchParams, undefined);
  }
  const refusal = await apiKeyRefusal(gateway, request, parsed);
  if (refusal) return refusal;

  if (service === 'rest') return restRequest(gateway, request, pathname, parsed.searchParams);
  const body = await readBody(request, gateway.settings.maxBodyBytes);
  if (service === 'auth') return authRequest(gateway, request, pathname, parsed.searchParams, body);
  return realtimeRequest(gateway.rt, request, method, parsed, body);
}

function realtimeRequest(rt: RealtimeService, request: IncomingMessage, method: string, parsed: URL, body: Buffer | undefined) {
  return rt.handleHttp({
    method,
    path: parsed.pathname.slice('/realtime/v1'.length) || '/',
    query: parsed.searchParams,
    headers: flatHeaders(request),
    body,
  });
}

/** A request that failed outside the services' own error answers: 413, else a 500 in the service's shape. */
function failureReply(request: IncomingMessage, error: unknown, logErrors: boolean): Reply {
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
}

function requestListener(gateway: Gateway): (request: IncomingMessage, response: ServerResponse) => void {
  const { logErrors } = gateway.settings;
  return (request, response) => {
    if (request.method === 'OPTIONS') {
      response.writeHead(204, preflightHeaders(request));
      response.end();
      return;
    }
    routeRequest(gateway, request)
      .catch((error: unknown): Reply => failureReply(request, error, logErrors))
      .then((reply) => send(request, response, reply))
      .catch((error: unknown) => {
        if (logErrors) console.error('[emulator] could not send a response', error);
        response.destroy();
      });
  };
}

function createHttpServer(gateway: Gateway): Server {
  const server = createServer({ maxHeaderSize: 64 * 1024 }, requestListener(gateway));
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

/** Listens on the configured address; resolves with the port (the chosen one for port 0). */
async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** What the shutdown step stops, in reverse order of starting. */
interface Running {
  db: Database;
  ownsDb: boolean;
  rt?: RealtimeService;
  server?: Server;
  admin?: AdminServer;
}

/** The shutdown step: admin socket, realtime, HTTP server, then the database if it is the emulator's. */
async function shutdown(running: Running): Promise<void> {
  await running.admin?.close();
  await running.rt?.close();
  const server = running.server;
  if (server) {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
  if (running.ownsDb) await running.db.close();
}

/** Undoes a start that failed part-way, without hiding the failure. */
async function abandon(running: Running): Promise<void> {
  await running.admin?.close().catch(() => {});
  await running.rt?.close().catch(() => {});
  running.server?.close();
  if (running.ownsDb) await running.db.close().catch(() => {});
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const settings = emulatorSettings(options);
  const keys: ProjectKeys = await createProjectKeys(settings.jwtSecret);
  const { db, ownsDb } = await openOwnDatabase(options);
  const logErrors = settings.logErrors;
  const running: Running = { db, ownsDb };
  let realtime: RealtimeService | undefined;
  try {
    if (ownsDb) await migrate(db, { seed: options.seed ?? false });

    let url = '';
    const inbox = new Inbox();
    const auth = createAuthService({ db, keys, issuer: () => `${url}/auth/v1`, mailer: inbox, ...settings.auth });
    realtime = await createRealtimeService({ db, keys, logErrors, broadcastSource: options.realtimeBroadcasts });
    const rt = realtime;
    running.rt = rt;

    const gateway: Gateway = {
      settings,
      keys,
      db,
      auth,
      rt,
      inbox,
      staticDir: options.staticDir,
      trustClientAddressHeader: options.trustClientAddressHeader,
      baseUrl: () => url,
      eventPreviewTimeoutMs: options.eventPreviewTimeoutMs,
    };
    const server = createHttpServer(gateway);
    running.server = server;
    server.on('upgrade', (request, socket, head) => rt.handleUpgrade(request, socket, head));
    const port = await listen(server, settings.port, settings.host);
    url = `http://${hostForUrl(settings.host)}:${port}`;
    // Compress the build in the background; a request before it is done compresses its own file.
    if (options.staticDir) void warmStatic(options.staticDir);

    if (settings.admin) {
      running.admin = await startAdminServer(db, {
        ...settings.admin,
        onNotification: (channel, payload) => {
          if (channel === 'realtime_messages') rt.deliverNotification(payload);
        },
      });
    }

    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      anonKey: keys.anonKey,
      serviceRoleKey: keys.serviceRoleKey,
      publishableKey: keys.publishableKey,
      secretKey: keys.secretKey,
      jwtSecret: settings.jwtSecret,
      db,
      adminUrl: running.admin?.url,
      adminAddress: running.admin?.address,
      inbox,
      stop() {
        stopped ??= shutdown(running);
        return stopped;
      },
    };
  } catch (error) {
    await abandon(running);
    throw error;
  }
}
