/**
 * Hostile-input properties shared by the bounded suite (`npm test`) and the long one
 * (`npm run test:stress`): the same generators, run a different number of times.
 *
 * The bar for every request: answered within a time bound, with a status below 500,
 * a body that is well-formed JSON (or empty where the protocol says so), and — for
 * refused requests — a database that did not change.
 */
import fc from 'fast-check';
import WebSocket from 'ws';
import { expect } from 'vitest';
import type { World } from './world.ts';

/** No single request may take longer than this, however hostile. */
export const REQUEST_TIMEOUT_MS = 5_000;

export interface Outcome {
  status: number;
  text: string;
  /** Where a 3xx answer sends the client. */
  location?: string;
}

export interface HostileTarget {
  url: string;
  anonKey: string;
  /** A signed-in member's access token, so authenticated code paths are fuzzed too. */
  memberToken: string;
  tables: string[];
  columns: string[];
  functions: string[];
  /** Counts every request sent, for the report. */
  sent: { requests: number; frames: number };
}

export async function hostileTarget(world: World): Promise<HostileTarget> {
  const { data } = await world.clients.memberA.auth.getSession();
  const tables = (
    await world.db.query<{ relname: string }>(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'`,
    )
  ).rows.map((row) => row.relname);
  const columns = (
    await world.db.query<{ column_name: string }>(`select distinct column_name from information_schema.columns where table_schema = 'public'`)
  ).rows.map((row) => row.column_name);
  const functions = (
    await world.db.query<{ proname: string }>(
      `select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'`,
    )
  ).rows.map((row) => row.proname);
  return {
    url: world.emulator.url,
    anonKey: world.emulator.anonKey,
    memberToken: data.session!.access_token,
    tables,
    columns,
    functions,
    sent: { requests: 0, frames: 0 },
  };
}

/** Sends one request and checks the bar; returns what came back. */
export async function send(
  target: HostileTarget,
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; asMember?: boolean } = {},
): Promise<Outcome> {
  const headers: Record<string, string> = { apikey: target.anonKey, ...options.headers };
  if (options.asMember) headers.Authorization = `Bearer ${target.memberToken}`;
  if (options.body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
  target.sent.requests++;
  const started = Date.now();
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers,
    body: options.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    // A redirect is an answer (GoTrue's GET /verify redirects with the error in the
    // fragment); it is checked here, not followed.
    redirect: 'manual',
  });
  const text = await response.text();
  const context = `${method} ${path} → ${response.status} ${text.slice(0, 300)}`;
  expect(Date.now() - started, context).toBeLessThan(REQUEST_TIMEOUT_MS);
  expect(response.status, context).toBeLessThan(500);
  // 300 is not a redirect: PostgREST answers an ambiguous embedding (PGRST201) with
  // "300 Multiple Choices" and a JSON error listing the relationships.
  if (response.status > 300 && response.status < 400) {
    const location = response.headers.get('location');
    expect(location, context).toBeTruthy();
    return { status: response.status, text, location: location ?? undefined };
  }
  if (method === 'HEAD' || response.status === 204 || (response.status === 201 && text === '')) {
    expect(text, context).toBe('');
  } else {
    expect(() => JSON.parse(text), context).not.toThrow();
  }
  return { status: response.status, text };
}

// Generators -----------------------------------------------------------------------------

const INJECTIONS = [
  "'; drop table public.orders; --",
  "1' or '1'='1",
  '1; select pg_sleep(10)',
  "') or true --",
  '"; delete from public.events; --',
  "$$; drop schema public cascade; $$",
  'null',
  '\\',
  "''",
  '%',
  '_%_',
  '*',
  '(',
  ')',
  ',',
  '.',
  '"',
  'eq.1',
  'not.is.null',
  'or(id.eq.1,id.neq.1)',
  '{"a":1}',
  '{1,2,3}',
  '[1,2]',
  '\u0000',
  '\u0000abc',
  '\ud800',
  '\uffff',
  '👩‍👩‍👧‍👦',
  'e\u0301',
  '\u202e',
  'Ω≈ç√∫',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-0',
  '9'.repeat(400),
  '99999999999999999999999999999999',
  '-9223372036854775809',
  '2147483648',
  '1.7976931348623157e308',
  '0x1F',
  '2026-13-45',
  'infinity',
  'epoch',
  '00000000-0000-0000-0000-000000000000',
  'a'.repeat(10_000),
];

const OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'in', 'is', 'isdistinct', 'fts', 'plfts', 'phfts', 'wfts', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj', 'not.eq', 'not.in', 'any', 'all', 'eq(any)', 'like(all)'];

const hostileValue = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 1, arbitrary: fc.bigInt().map(String) },
    { weight: 1, arbitrary: fc.double().map(String) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 6 }), { maxLength: 5 }).map((items) => `(${items.join(',')})`) },
  );

/** A query string as a hostile client might write it: real and made-up names, every operator, bad values. */
export function queryString(target: HostileTarget): fc.Arbitrary<string> {
  const column = fc.oneof(fc.constantFrom(...target.columns), fc.string({ maxLength: 12 }), fc.constantFrom('*', 'id->>x', 'a.b', 'x::text', ''));
  const filter = fc
    .tuple(column, fc.constantFrom(...OPERATORS), hostileValue())
    .map(([name, op, value]) => [name, `${op}.${value}`] as [string, string]);
  const logic = fc
    .tuple(fc.constantFrom('or', 'and', 'not.or', 'not.and'), fc.array(fc.tuple(column, fc.constantFrom(...OPERATORS), hostileValue()), { maxLength: 4 }))
    .map(([name, parts]) => [name, `(${parts.map(([c, o, v]) => `${c}.${o}.${v}`).join(',')})`] as [string, string]);
  // and/or groups nested up to 600 deep (a 500-level `not.and` was a 500 26000).
  const deepLogic = fc
    .tuple(fc.constantFrom('or', 'and', 'not.or', 'not.and'), fc.nat(600), fc.constantFrom('and', 'or', 'not.and'), column)
    .map(([name, depth, inner, c]) => [name, `(${`${inner}(`.repeat(depth)}${c}.eq.1${')'.repeat(depth)})`] as [string, string]);
  // Real relationships, alternating so every level resolves, up to 30 deep and wide:
  // the embeddings that multiply (events → orders → events → …) or hit the row budget.
  const relations = fc.constantFrom(['events', 'ticket_types'], ['events', 'orders'], ['promoters', 'event_promoters'], ['events', 'event_promoters']);
  const deepEmbedding = fc.tuple(relations, fc.nat(30), fc.nat(30), fc.boolean()).map(([[parent, child], depth, width, inner]) => {
    let select = 'id';
    for (let level = depth; level > 0; level--) select = `id,${level % 2 === 1 ? child : parent}${inner ? '!inner' : ''}(${select})`;
    const siblings = Array.from({ length: width }, (_, i) => `w${i}:${child}(*)`);
    return [select, ...siblings].join(',');
  });
  const select = fc
    .oneof(
      fc.array(column, { maxLength: 6 }).map((names) => names.join(',')),
      fc.tuple(fc.constantFrom(...target.tables), fc.array(column, { maxLength: 3 })).map(([t, names]) => `id,${t}(${names.join(',')})`),
      fc.nat(300).map((depth) => `${'a('.repeat(depth)}id${')'.repeat(depth)}`),
      deepEmbedding,
      hostileValue(),
    )
    .map((value) => ['select', value] as [string, string]);
  const order = fc
    .tuple(column, fc.constantFrom('', '.asc', '.desc', '.nullsfirst', '.desc.nullslast', '.sideways'), hostileValue())
    .map(([name, direction, extra]) => ['order', `${name}${direction}${extra.length < 5 ? extra : ''}`] as [string, string]);
  const paging = fc
    .tuple(fc.constantFrom('limit', 'offset'), fc.oneof(fc.bigInt().map(String), hostileValue()))
    .map(([name, value]) => [name, value] as [string, string]);
  const junk = fc.tuple(fc.string({ maxLength: 10 }), hostileValue());
  // Already-encoded garbage: bad escapes, overlong UTF-8, NUL.
  const raw = fc.constantFrom('%', '%zz', '%C0%AF', '%FF%FE', '%00', 'select=%E2%28%A1', '&&&', '==', 'a=b=c', '%ED%A0%80');
  return fc
    .array(fc.oneof(filter, logic, deepLogic, select, order, paging, junk.map(([n, v]) => [n, v] as [string, string])), { maxLength: 6 })
    .chain((pairs) => fc.option(raw).map((extra) => [...pairs.map(([name, value]) => `${percent(name)}=${percent(value)}`), ...(extra ? [extra] : [])].join('&')));
}

/** Percent-encodes the UTF-8 bytes of any string, lone surrogates included (as U+FFFD). */
export function percent(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** JSON bodies: ordinary, wide, deep, and not JSON at all. */
export function body(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)),
    fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 20 }).map((value) => JSON.stringify(value)),
    fc.nat(20_000).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
    fc.nat(20_000).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
    fc.nat(20_000).map((depth) => `[{"a":${'['.repeat(depth)}${']'.repeat(depth)}}]`),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom('', 'null', '[]', '{}', '{"', '[1,', 'true', '"\\u0000"', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}'),
  );
}

/**
 * Arguments for checkout: arbitrary JSON where the real shape would go, and arguments
 * nested thousands of levels deep (8,000 levels in p_items was a 500 XX000).
 */
export function checkoutArgs(slug: string): fc.Arbitrary<string> {
  const deep = fc
    .tuple(fc.nat(12_000), fc.constantFrom('p_items', 'p_event_slug', 'p_buyer_name', 'extra'), fc.constantFrom('[', '{"a":'), fc.uuid())
    .map(([depth, key, open, key2]) => {
      const nested = `${open.repeat(depth)}${open === '[' ? '' : '1'}${(open === '[' ? ']' : '}').repeat(depth)}`;
      const args: Record<string, string> = {
        p_event_slug: JSON.stringify(slug),
        p_items: '[{"ticket_type_id":"00000000-0000-0000-0000-000000000000","quantity":1}]',
        p_buyer_name: '"x"',
        p_buyer_email: '"x@example.com"',
        p_idempotency_key: JSON.stringify(key2),
      };
      args[key] = nested;
      return `{${Object.entries(args).map(([name, value]) => `"${name}":${value}`).join(',')}}`;
    });
  return fc.oneof({ weight: 4, arbitrary: shapedCheckoutArgs(slug) }, { weight: 1, arbitrary: deep });
}

function shapedCheckoutArgs(slug: string): fc.Arbitrary<string> {
  const anything = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(...INJECTIONS));
  const item = fc.record(
    { ticket_type_id: fc.oneof(fc.uuid(), anything), quantity: fc.oneof(fc.integer(), fc.double(), fc.bigInt().map(String), anything) },
    { requiredKeys: [] },
  );
  return fc
    .record(
      {
        p_event_slug: fc.oneof(fc.constant(slug), anything),
        p_items: fc.oneof(fc.array(item, { maxLength: 30 }), anything, fc.nat(3000).map((n) => Array.from({ length: n }, () => ({ ticket_type_id: '00000000-0000-0000-0000-000000000000', quantity: 1 })))),
        p_buyer_name: fc.oneof(fc.string({ maxLength: 300 }), anything),
        p_buyer_email: fc.oneof(fc.emailAddress(), anything),
        p_idempotency_key: fc.oneof(fc.uuid(), anything),
        p_attribution_token: fc.oneof(fc.string({ maxLength: 64 }), anything),
        extra: anything,
      },
      { requiredKeys: [] },
    )
    .map((args) => JSON.stringify(args));
}

/** Random WebSocket frames: text that is Phoenix-shaped, JSON, or garbage; and binary. */
export function frame(): fc.Arbitrary<string | Uint8Array> {
  const phoenixish = fc
    .tuple(
      fc.oneof(fc.string({ maxLength: 5 }), fc.constant(null), fc.integer()),
      fc.oneof(fc.string({ maxLength: 5 }), fc.constant(null), fc.integer()),
      fc.oneof(fc.constantFrom('phoenix', 'realtime:x', 'realtime:', 'realtime:org:00000000-0000-0000-0000-000000000000'), fc.string({ maxLength: 30 })),
      fc.oneof(fc.constantFrom('phx_join', 'phx_leave', 'heartbeat', 'broadcast', 'presence', 'access_token', 'postgres_changes'), fc.string({ maxLength: 12 })),
      fc.jsonValue({ maxDepth: 4 }),
    )
    .map((message) => JSON.stringify(message));
  return fc.oneof(
    { weight: 4, arbitrary: phoenixish },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    { weight: 1, arbitrary: fc.nat(5000).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  );
}

/** An open realtime socket that records everything the server sends. */
export async function openSocket(target: HostileTarget): Promise<{ ws: WebSocket; texts: string[]; closed: () => boolean }> {
  const ws = new WebSocket(`${target.url.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${target.anonKey}&vsn=2.0.0`);
  const texts: string[] = [];
  let isClosed = false;
  ws.on('message', (data, isBinary) => {
    // Binary frames are broadcasts in the v2 serializer; only text frames must be JSON.
    if (!isBinary) texts.push(data.toString());
  });
  ws.on('close', () => (isClosed = true));
  ws.on('error', () => (isClosed = true));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, texts, closed: () => isClosed };
}

/** Sends a heartbeat and waits for its reply: proof that the socket still works. */
export async function heartbeat(socket: { ws: WebSocket; texts: string[] }, ref: string): Promise<boolean> {
  socket.ws.send(JSON.stringify([null, ref, 'phoenix', 'heartbeat', {}]));
  const deadline = Date.now() + REQUEST_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (socket.texts.some((text) => text.includes(`"${ref}"`))) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return false;
}

// The suite ------------------------------------------------------------------------------

export interface HostileSuiteOptions {
  /** Runs per property. */
  runs: number;
  /** Per-test timeout. */
  timeoutMs: number;
}
