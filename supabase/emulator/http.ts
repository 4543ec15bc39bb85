/**
 * HTTP plumbing shared by the services: CORS as the Supabase gateway answers it, body
 * reading with a size limit, and small response helpers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_METHODS = 'GET,POST,PATCH,PUT,DELETE,HEAD,OPTIONS';

/** Used when a preflight does not say which headers it wants. */
const DEFAULT_ALLOWED_HEADERS = [
  'authorization',
  'apikey',
  'x-client-info',
  'x-supabase-api-version',
  'content-type',
  'accept',
  'accept-profile',
  'content-profile',
  'prefer',
  'range',
  'range-unit',
  'x-retry-count',
  'traceparent',
  'tracestate',
  'baggage',
].join(', ');

/** Without these the browser hides the REST count and the auth error codes. */
const EXPOSED_HEADERS = 'Content-Range, Range-Unit, X-Supabase-Api-Version, x-sb-error-code, Location';

export type Headers = Record<string, string>;

function corsHeaders(request: IncomingMessage): Headers {
  const origin = request.headers.origin;
  return {
    'Access-Control-Allow-Origin': origin ?? '*',
    'Access-Control-Expose-Headers': EXPOSED_HEADERS,
    Vary: 'Origin',
  };
}

export function preflightHeaders(request: IncomingMessage): Headers {
  const requested = request.headers['access-control-request-headers'];
  return {
    ...corsHeaders(request),
    'Access-Control-Allow-Methods': ALLOWED_METHODS,
    'Access-Control-Allow-Headers': requested && requested.trim() ? requested : DEFAULT_ALLOWED_HEADERS,
    'Access-Control-Max-Age': '86400',
    Vary: 'Origin, Access-Control-Request-Headers',
  };
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes.`);
  }
}

/**
 * Reads the whole body, refusing early (from Content-Length) or as soon as the stream
 * passes the limit, so an oversized upload is never buffered whole.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    request.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (done) return;
      done = true;
      resolve(size === 0 ? undefined : Buffer.concat(chunks));
    });
    request.on('error', (error) => {
      if (done) return;
      done = true;
      reject(error);
    });
  });
}

export interface Reply {
  status: number;
  headers?: Headers;
  body?: string | Buffer;
}

export function json(status: number, value: unknown, headers: Headers = {}): Reply {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}

/**
 * Writes a reply with the headers every response needs: CORS, and nosniff so no
 * browser reads a JSON error as HTML or script, as the platform's gateway sends it.
 */
export function send(request: IncomingMessage, response: ServerResponse, reply: Reply): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const headers: Headers = { 'X-Content-Type-Options': 'nosniff', ...corsHeaders(request), ...reply.headers };
  const body = reply.body ?? '';
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  // A 204 must not carry a Content-Length, nor a 304 one that is not the full body's.
  if (reply.status !== 204 && reply.status !== 304 && !hasHeader(headers, 'content-length')) headers['Content-Length'] = String(length);
  response.writeHead(reply.status, headers);
  if (request.method === 'HEAD' || reply.status === 204 || reply.status === 304) response.end();
  else response.end(body);
}

function hasHeader(headers: Headers, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/** Request headers with lower-case names and single string values. */
export function flatHeaders(request: IncomingMessage): Headers {
  const result: Headers = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}

/** One request as a service sees it, after the gateway checked the API key. */
export interface ServiceRequest {
  method: string;
  /** The path after the service prefix, e.g. '/token' for '/auth/v1/token'. */
  path: string;
  query: URLSearchParams;
  /** Lower-case names. */
  headers: Headers;
  body: Buffer | undefined;
}
