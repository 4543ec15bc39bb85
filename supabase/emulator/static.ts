/**
 * Serves the built SPA as a static host does: files from the build directory, index.html
 * for client routes, a year-long immutable cache for content-hashed assets and
 * revalidation (`no-cache`) for everything else, ETags answered with 304, and text
 * compressed with brotli or gzip as the request's Accept-Encoding allows.
 *
 * Every answer carries the headers of the build's `_headers` file, the one the static
 * host uses in production (see security-headers.ts); a build without one gets the
 * same-origin defaults. Source maps and `_headers` itself are never served, as on the
 * static hosts.
 *
 * Files are read and compressed once per version (path, size and modification time) and
 * kept in memory, so a rebuild while the emulator runs is served at once.
 *
 * A page handler (the static host's edge function, see serveThroughHandler) may rewrite
 * the HTML of some client routes; its pages are compressed and tagged the same way.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import type { Headers, Reply } from './http.ts';
import { headersFor, parseHeadersFile, securityHeaderRules, type HeaderRule } from './security-headers.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/** Vite puts content-hashed files under assets/; they never change under one name. */
const HASHED_ASSET = /^\/assets\//;
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** Types worth compressing: text. Images and fonts are compressed already. */
const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json|javascript)|image\/svg\+xml)/;
/** Below this, compression saves less than the headers it costs. */
const MIN_COMPRESS_BYTES = 512;

type Encoding = 'br' | 'gzip';

/** One version of one file, with its compressed forms when they are smaller. */
interface CachedFile {
  body: Buffer;
  type: string;
  /** Hash of the content; each representation's ETag derives from it. */
  hash: string;
  encoded: Partial<Record<Encoding, Buffer>>;
}

const compressBrotli = promisify(brotliCompress);
const compressGzip = promisify(gzip);

/** Loaded files by absolute path, with the version (size and mtime) they were read at. */
const fileCache = new Map<string, { version: string; file: Promise<CachedFile> }>();

async function loadFile(file: string, size: number): Promise<CachedFile> {
  const body = await readFile(file);
  return encodeFile(body, CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', size);
}

async function encodeFile(body: Buffer, type: string, size = body.length): Promise<CachedFile> {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  const encoded: CachedFile['encoded'] = {};
  if (COMPRESSIBLE.test(type) && body.length >= MIN_COMPRESS_BYTES) {
    // Highest levels, as a host precompressing a build does: paid once per file version.
    const [br, gz] = await Promise.all([
      compressBrotli(body, {
        params: {
          [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
          [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
          [zlibConstants.BROTLI_PARAM_SIZE_HINT]: size,
        },
      }),
      compressGzip(body, { level: zlibConstants.Z_BEST_COMPRESSION }),
    ]);
    if (br.length < body.length) encoded.br = br;
    if (gz.length < body.length) encoded.gzip = gz;
  }
  return { body, type, hash, encoded };
}

/** The file at an absolute path, from the cache while it is unchanged; undefined if none. */
async function cachedFile(file: string): Promise<CachedFile | undefined> {
  let info;
  try {
    info = await stat(file);
  } catch {
    fileCache.delete(file);
    return undefined;
  }
  if (!info.isFile()) return undefined;
  const version = `${info.size}:${info.mtimeMs}`;
  const hit = fileCache.get(file);
  if (hit?.version === version) return hit.file;
  const loading = loadFile(file, info.size);
  fileCache.set(file, { version, file: loading });
  // A failed read is not remembered.
  loading.catch(() => {
    if (fileCache.get(file)?.file === loading) fileCache.delete(file);
  });
  return loading.catch(() => undefined);
}

/**
 * Reads and compresses every file of the build ahead of the first request, so the first
 * page load does not wait for brotli. Errors are left to the request that meets them.
 */
export async function warmStatic(root: string): Promise<void> {
  const base = path.resolve(root);
  const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (PRIVATE_FILE.test(path.relative(base, file).split(path.sep).join('/'))) continue;
    await cachedFile(file);
  }
}

/**
 * The encoding to send for an Accept-Encoding header: brotli, then gzip, among those
 * the client accepts (q > 0, named or through `*`) and the file has.
 */
export function chooseEncoding(acceptEncoding: string | undefined, available: readonly Encoding[]): Encoding | undefined {
  if (!acceptEncoding || available.length === 0) return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.trim().split('=');
      if (key === 'q') q = Number(value);
    }
    weights.set(name.trim(), Number.isFinite(q) ? q : 0);
  }
  const weight = (name: Encoding) => weights.get(name) ?? (name === 'gzip' ? weights.get('x-gzip') : undefined) ?? weights.get('*') ?? 0;
  const candidates = (['br', 'gzip'] as const).filter((name) => available.includes(name) && weight(name) > 0);
  // Highest q wins; on a tie, the listed order (brotli is smaller).
  return candidates.sort((a, b) => weight(b) - weight(a))[0];
}

/** True when an If-None-Match header names this ETag (weak comparison, as for GET). */
function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

function represent(file: CachedFile, cacheControl: string, requestHeaders: Headers): Reply {
  const available = Object.keys(file.encoded) as Encoding[];
  const encoding = chooseEncoding(requestHeaders['accept-encoding'], available);
  const etag = `"${file.hash}${encoding ? `-${encoding}` : ''}"`;
  const headers: Headers = { 'Cache-Control': cacheControl, ETag: etag };
  // Whether or not this answer is compressed, another Accept-Encoding may get another body.
  if (available.length) headers.Vary = 'Accept-Encoding';
  if (matchesEtag(requestHeaders['if-none-match'], etag)) return { status: 304, headers };
  headers['Content-Type'] = file.type;
  if (encoding) headers['Content-Encoding'] = encoding;
  return { status: 200, headers, body: encoding ? file.encoded[encoding] : file.body };
}

function notFound(): Reply {
  return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not found' };
}

/** Files a static host keeps to itself: its configuration and source maps. */
const PRIVATE_FILE = /(^|\/)_headers$|(^|\/)_redirects$|\.map$/i;

const rulesByRoot = new Map<string, Promise<HeaderRule[]>>();

/** The build's `_headers` rules, read once per build directory. */
function headerRules(root: string): Promise<HeaderRule[]> {
  let rules = rulesByRoot.get(root);
  if (!rules) {
    rules = readFile(path.join(root, '_headers'), 'utf8').then(parseHeadersFile, (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return securityHeaderRules();
      throw error;
    });
    rulesByRoot.set(root, rules);
  }
  return rules;
}

/** `requestHeaders`: lower-case names (Accept-Encoding and If-None-Match are read). */
export async function serveStatic(root: string, method: string, pathname: string, requestHeaders: Headers = {}): Promise<Reply> {
  const reply = await serveFile(root, method, pathname, requestHeaders);
  const headers = headersFor(await headerRules(path.resolve(root)), pathname);
  return { ...reply, headers: { ...headers, ...reply.headers } };
}

async function serveFile(root: string, method: string, pathname: string, requestHeaders: Headers): Promise<Reply> {
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, headers: { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Method not allowed' };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Bad request path' };
  }
  const base = path.resolve(root);
  const target = path.resolve(base, `.${path.posix.normalize(decoded)}`);
  // Never serve a file outside the build directory, whatever the path says.
  if (target !== base && !target.startsWith(base + path.sep)) return notFound();

  if (PRIVATE_FILE.test(decoded)) return notFound();
  if (decoded !== '/' && !decoded.endsWith('/')) {
    const file = await cachedFile(target);
    if (file) return represent(file, HASHED_ASSET.test(decoded) ? IMMUTABLE : REVALIDATE, requestHeaders);
    // A missing asset is a real 404: answering index.html would hide a broken build.
    if (HASHED_ASSET.test(decoded) || path.extname(decoded) !== '') return notFound();
  }

  const index = await cachedFile(path.join(base, 'index.html'));
  if (!index) return notFound();
  return represent(index, REVALIDATE, requestHeaders);
}

/**
 * An edge function in front of the static host: it gets the request and `next`, the
 * host's own answer (uncompressed), and returns the answer to send.
 */
export type PageHandler = (request: Request, next: () => Promise<Response>) => Promise<Response>;

/** Rendered pages by content hash, most recently used last; a few per event page. */
const renderedCache = new Map<string, Promise<CachedFile>>();
const RENDERED_CACHE_SIZE = 64;

function renderedFile(body: Buffer, type: string): Promise<CachedFile> {
  const key = `${type}\n${createHash('sha256').update(body).digest('base64url')}`;
  let file = renderedCache.get(key);
  if (file) renderedCache.delete(key);
  else file = encodeFile(body, type);
  renderedCache.set(key, file);
  while (renderedCache.size > RENDERED_CACHE_SIZE) renderedCache.delete(renderedCache.keys().next().value as string);
  return file;
}

function toResponse(reply: Reply): Response {
  const empty = reply.status === 204 || reply.status === 304;
  const body = typeof reply.body === 'string' || reply.body === undefined ? (reply.body ?? '') : new Uint8Array(reply.body);
  return new Response(empty ? null : body, { status: reply.status, headers: reply.headers });
}

/** Headers of a handler's answer that describe the body; the emulator sets its own. */
const BODY_HEADERS = new Set(['content-length', 'content-encoding', 'content-type', 'etag', 'cache-control', 'vary', 'last-modified']);

/**
 * Serves a client route through a page handler, as a static host runs an edge function
 * on the routes it is configured for. The handler's HTML pages are then served like
 * index.html: compressed as the client accepts, with an ETag of the content (304 when
 * it is unchanged) and `no-cache`. Anything else it answers is sent as it is.
 *
 * `url`: the request's full address as the handler should see it.
 */
export async function serveThroughHandler(
  root: string,
  method: string,
  url: URL,
  requestHeaders: Headers,
  handler: PageHandler,
): Promise<Reply> {
  if (method !== 'GET' && method !== 'HEAD') return serveStatic(root, method, url.pathname, requestHeaders);
  // The handler sees the plain page: encodings and revalidation are answered here.
  const { 'accept-encoding': _encoding, 'if-none-match': _etag, ...plainHeaders } = requestHeaders;
  const next = async () => toResponse(await serveStatic(root, 'GET', url.pathname, plainHeaders));
  const response = await handler(new Request(url, { method: 'GET' }), next);
  const page = response.status === 200 && /^text\/html\b/i.test(response.headers.get('content-type') ?? '');
  // The build's headers, spelled as for every other file (the handler's copies are lower-case).
  const ruleHeaders = headersFor(await headerRules(path.resolve(root)), url.pathname);
  const own = new Set([...Object.keys(ruleHeaders).map((name) => name.toLowerCase()), ...(page ? BODY_HEADERS : [])]);
  const headers: Headers = {};
  response.headers.forEach((value, name) => {
    if (!own.has(name)) headers[name] = value;
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (!page) return { status: response.status, headers: { ...headers, ...ruleHeaders }, body };
  const reply = represent(await renderedFile(body, response.headers.get('content-type') ?? 'text/html; charset=utf-8'), REVALIDATE, requestHeaders);
  return { ...reply, headers: { ...headers, ...ruleHeaders, ...reply.headers } };
}
