/**
 * What one REST request may cost: embedding depth and breadth, the rows embedded
 * resources may read, and the nesting of logic filters and JSON. Each bound is a
 * PostgREST-shaped 400 answered before the database does the expensive work, on both
 * engines (the embedded one has no statement timeout to fall back on).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EMBEDDED_ROWS, MAX_EMBEDS, MAX_EMBED_DEPTH, MAX_JSON_DEPTH, MAX_LOGIC_DEPTH } from '../../supabase/emulator/rest/limits.ts';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';

let emulator: TestEmulator;
let memberToken: string;

beforeAll(async () => {
  emulator = await startTestEmulator({ seed: true, emulator: { logErrors: false } });
  const client = emulator.client();
  const { data, error } = await client.auth.signInWithPassword({ email: 'demo@example.com', password: 'demo-password' });
  if (error || !data.session) throw error ?? new Error('The demo user could not sign in.');
  memberToken = data.session.access_token;
});

afterAll(async () => {
  await emulator?.stop();
});

interface Answer {
  status: number;
  body: { code?: string; message?: string; details?: string | null; hint?: string | null } & Record<string, unknown>;
  ms: number;
}

async function rest(
  path: string,
  options: { method?: string; body?: string; member?: boolean; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { apikey: emulator.anonKey, ...options.headers };
  if (options.member) headers.Authorization = `Bearer ${memberToken}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const started = performance.now();
  const response = await fetch(`${emulator.url}/rest/v1/${path}`, { method: options.method ?? 'GET', headers, body: options.body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, ms: performance.now() - started };
}

/** `id,a(id,b(id,a(…)))`: `depth` embeddings, alternating between two relations. */
function alternating(depth: number, a: string, b: string): string {
  let select = 'id';
  for (let level = depth; level > 0; level--) select = `id,${level % 2 === 1 ? a : b}(${select})`;
  return select;
}

function expectRefused(answer: Answer, code: string): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  expect(answer.body).toMatchObject({ code });
  expect(typeof answer.body.message).toBe('string');
  expect(Object.keys(answer.body).sort()).toEqual(['code', 'details', 'hint', 'message']);
}

describe('embedding bounds', () => {
  it('refuses the 24-level events/ticket_types request from the issue at once, without running it', async () => {
    const answer = await rest(`events?select=${alternating(24, 'ticket_types', 'events')}`);
    expectRefused(answer, 'PGRST100');
    expect(answer.body.details).toContain(`at most ${MAX_EMBED_DEPTH}`);
    // Before the bound it ran for 7–60 s on the embedded engine, and was a 500 on Postgres.
    expect(answer.ms).toBeLessThan(3_000);
  });

  it(`accepts embeddings ${MAX_EMBED_DEPTH} levels deep and refuses one more`, async () => {
    const ok = await rest(`events?select=${alternating(MAX_EMBED_DEPTH, 'ticket_types', 'events')}`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expectRefused(await rest(`events?select=${alternating(MAX_EMBED_DEPTH + 1, 'ticket_types', 'events')}`), 'PGRST100');
  });

  it(`refuses more than ${MAX_EMBEDS} embedded resources in one request`, async () => {
    const embeds = (n: number) => Array.from({ length: n }, (_, i) => `t${i}:ticket_types(id)`).join(',');
    const ok = await rest(`events?select=id,${embeds(MAX_EMBEDS)}`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const refused = await rest(`events?select=id,${embeds(MAX_EMBEDS + 1)}`);
    expectRefused(refused, 'PGRST100');
    expect(refused.body.details).toContain(`at most ${MAX_EMBEDS}`);
  });

  it('refuses embeddings whose rows multiply past the row budget, quickly, while shallower ones work', async () => {
    // events → orders → events → orders: every event's orders, once per order of the event.
    const ok = await rest(`events?select=${alternating(2, 'orders', 'events')}`, { member: true });
    expect(ok.status, JSON.stringify(ok.body).slice(0, 300)).toBe(200);
    const refused = await rest(`events?select=${alternating(3, 'orders', 'events')}`, { member: true });
    expectRefused(refused, 'PGRST100');
    expect(refused.body.details).toContain(`more than ${MAX_EMBEDDED_ROWS} rows`);
    // Unbounded, this request took seconds (depth 3) to minutes and "out of memory" (depth 5).
    expect(refused.ms).toBeLessThan(3_000);
    const deeper = await rest(`events?select=${alternating(6, 'orders', 'events')}`, { member: true });
    expectRefused(deeper, 'PGRST100');
  });

  it('counts what !inner embeddings search, not only the rows they return', async () => {
    const select = 'id,orders!inner(id,events!inner(id,orders!inner(id,events!inner(id))))';
    const refused = await rest(`events?select=${select}&orders.events.orders.events.name=eq.${randomUUID()}&limit=1`, { member: true });
    expectRefused(refused, 'PGRST100');
  });

  it('keeps an embedding limit: a limited deep embedding stays within the budget', async () => {
    const answer = await rest(`events?select=id,orders(id,events(id,orders(id)))&orders.limit=2&orders.events.orders.limit=2`, { member: true });
    expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(200);
  });

  it('applies the same budget to embeddings in a write representation, and the write is undone', async () => {
    const path = `events?status=eq.published&select=${alternating(3, 'orders', 'events')}`;
    const answer = await rest(path, {
      method: 'PATCH',
      body: '{"venue":"Nowhere"}',
      member: true,
      headers: { Prefer: 'return=representation' },
    });
    expectRefused(answer, 'PGRST100');
    const { rows } = await emulator.db.query(`select 1 from public.events where venue = 'Nowhere'`);
    expect(rows).toHaveLength(0);
  });
});

describe('nesting of filters and JSON', () => {
  const nestedLogic = (depth: number) => `${'and('.repeat(depth - 1)}id.not.is.null${')'.repeat(depth - 1)}`;

  it('refuses logic filters nested 500 levels deep with a 400 (it was a 500 26000)', async () => {
    expectRefused(await rest(`events?select=id&not.and=(${nestedLogic(500)})`), 'PGRST100');
    expectRefused(await rest(`events?select=id&or=(${nestedLogic(MAX_LOGIC_DEPTH + 1)})`), 'PGRST100');
  });

  it(`accepts logic filters ${MAX_LOGIC_DEPTH} levels deep, with a list in the innermost`, async () => {
    const innermost = `${'and('.repeat(MAX_LOGIC_DEPTH - 1)}id.not.is.null,status.in.(published,draft)${')'.repeat(MAX_LOGIC_DEPTH - 1)}`;
    const answer = await rest(`events?select=id&or=(${innermost})`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(Array.isArray(answer.body)).toBe(true);
  });

  it('refuses a checkout body nested 8,000 levels deep with a 400 (it was a 500 XX000)', async () => {
    const deep = `${'['.repeat(8000)}${']'.repeat(8000)}`;
    const body = `{"p_event_slug":"harbour-lights-festival","p_items":${deep},"p_buyer_name":"x","p_buyer_email":"x@example.com","p_idempotency_key":"${randomUUID()}"}`;
    const answer = await rest('rpc/checkout', { method: 'POST', body });
    expectRefused(answer, 'PGRST102');
    expect(answer.body.details).toContain(`at most ${MAX_JSON_DEPTH}`);
  });

  it('refuses deeply nested JSON in table writes, function arguments and filter values', async () => {
    const deep = `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`;
    expectRefused(await rest('events', { method: 'POST', body: deep }), 'PGRST102');
    expectRefused(await rest('events?id=eq.x', { method: 'PATCH', body: `{"name":${deep}}` }), 'PGRST102');
    const args = `p_event_slug=x&p_buyer_name=x&p_buyer_email=x&p_idempotency_key=${randomUUID()}`;
    expectRefused(await rest(`rpc/checkout?${args}&p_items=${encodeURIComponent(deep)}`), 'PGRST100');
    expectRefused(await rest(`events?select=id&name=eq.${encodeURIComponent(deep)}`), 'PGRST100');
  });

  it(`still passes JSON nested ${MAX_JSON_DEPTH} levels to the database`, async () => {
    const items = `${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}`;
    const body = `{"p_event_slug":"harbour-lights-festival","p_items":${items},"p_buyer_name":"x","p_buyer_email":"x@example.com","p_idempotency_key":"${randomUUID()}"}`;
    const answer = await rest('rpc/checkout', { method: 'POST', body });
    // The function's own validation answers: a 4xx from checkout, not from the bound.
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.code).not.toBe('PGRST102');
  });
});
