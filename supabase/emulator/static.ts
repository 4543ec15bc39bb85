/**
 * Serves the built SPA: files from the build directory, index.html for client routes,
 * a long cache for content-hashed assets and none for index.html.
 *
 * Every answer carries the headers of the build's `_headers` file, the one the static
 * host uses in production (see security-headers.ts); a build without one gets the
 * same-origin defaults. Source maps and `_headers` itself are never served, as on the
 * static hosts.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Reply } from './http.ts';
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

async function fileIfExists(file: string): Promise<Buffer | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return undefined;
    return await readFile(file);
  } catch {
    return undefined;
  }
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

export async function serveStatic(root: string, method: string, pathname: string): Promise<Reply> {
  const reply = await serveFile(root, method, pathname);
  const headers = headersFor(await headerRules(path.resolve(root)), pathname);
  return { ...reply, headers: { ...headers, ...reply.headers } };
}

async function serveFile(root: string, method: string, pathname: string): Promise<Reply> {
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
    const body = await fileIfExists(target);
    if (body) {
      const type = CONTENT_TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream';
      const cache = HASHED_ASSET.test(decoded) ? 'public, max-age=31536000, immutable' : 'no-cache';
      return { status: 200, headers: { 'Content-Type': type, 'Cache-Control': cache }, body };
    }
    // A missing asset is a real 404: answering index.html would hide a broken build.
    if (HASHED_ASSET.test(decoded) || path.extname(decoded) !== '') return notFound();
  }

  const index = await fileIfExists(path.join(base, 'index.html'));
  if (!index) return notFound();
  return { status: 200, headers: { 'Content-Type': CONTENT_TYPES['.html'], 'Cache-Control': 'no-cache' }, body: index };
}
