/**
 * Ordinary users' latency while hostile clients loop on the most expensive REST
 * requests they can build, shared by the bounded run (`npm test`) and the long one
 * (`npm run test:stress`).
 *
 * The hostile mix: the issue's 24-level embedding, embeddings that multiply past the
 * row budget, `!inner` chains that search without returning, the widest embedding
 * the budget still accepts, a full page with to-one embeddings, logic filters and JSON
 * bodies nested far too deep. The ordinary user reads a public event page and its
 * ticket types, as the attendee page does.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.ts';

export interface LoadFigures {
  /** Ordinary requests' latency without hostile load, ms. */
  idle: { p50: number; p95: number };
  /** The same requests while the hostile clients loop, ms. */
  loaded: { p50: number; p95: number; max: number };
  hostileRequests: number;
  /** The slowest hostile request, ms. */
  hostileMax: number;
  statuses: Record<number, number>;
}

export interface LoadOptions {
  hostileClients: number;
  /** Ordinary requests measured (each of the two reads counts once). */
  ordinaryRequests: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

export async function startLoadTarget(): Promise<{ emulator: TestEmulator; memberToken: string }> {
  const emulator = await startTestEmulator({ seed: true, emulator: { logErrors: false } });
  const { data, error } = await emulator.client().auth.signInWithPassword({ email: 'demo@example.com', password: 'demo-password' });
  if (error || !data.session) throw error ?? new Error('The demo user could not sign in.');
  return { emulator, memberToken: data.session.access_token };
}

function hostileRequests(): { path: string; member: boolean; method?: string; body?: string }[] {
  let nested = 'id';
  for (let level = 24; level > 0; level--) nested = `id,${level % 2 === 1 ? 'ticket_types' : 'events'}(${nested})`;
  let multiplying = 'id';
  for (let level = 6; level > 0; level--) multiplying = `id,${level % 2 === 1 ? 'orders' : 'events'}(${multiplying})`;
  const deepLogic = `${'and('.repeat(499)}id.not.is.null${')'.repeat(499)}`;
  const deepJson = `${'['.repeat(8000)}${']'.repeat(8000)}`;
  return [
    { path: `events?select=${nested}`, member: false },
    { path: `events?select=${nested}`, member: true },
    { path: `events?select=${multiplying}`, member: true },
    { path: `events?select=id,orders!inner(id,events!inner(id,orders!inner(id,events!inner(id))))&orders.events.orders.events.name=eq.none&limit=1`, member: true },
    // The widest embedding within the row budget on the demo data: every order, twice.
    { path: 'events?select=*,a:orders(*),b:orders(*)', member: true },
    { path: 'attributions?select=*,events(*),orders(*)', member: true },
    { path: 'orders?select=*&order=created_at.desc', member: true },
    { path: `events?select=id&not.and=(${deepLogic})`, member: false },
    {
      path: 'rpc/checkout',
      member: false,
      method: 'POST',
      body: `{"p_event_slug":"harbour-lights-festival","p_items":${deepJson},"p_buyer_name":"x","p_buyer_email":"x@example.com","p_idempotency_key":"${randomUUID()}"}`,
    },
  ];
}

/** Runs ordinary reads idle, then under hostile load, and checks every answer. */
export async function measureUnderHostileLoad(
  target: { emulator: TestEmulator; memberToken: string },
  options: LoadOptions,
): Promise<LoadFigures> {
  const { emulator, memberToken } = target;
  const headers = (member: boolean): Record<string, string> => ({
    apikey: emulator.anonKey,
    ...(member ? { Authorization: `Bearer ${memberToken}` } : {}),
  });
  const slug = 'harbour-lights-festival';
  const eventRow = await (await fetch(`${emulator.url}/rest/v1/events?select=id&slug=eq.${slug}`, { headers: headers(false) })).json() as { id: string }[];
  const ordinaryPaths = [
    `events?select=id,slug,name,description,venue,starts_at,ends_at,currency&slug=eq.${slug}`,
    `ticket_types?select=id,name,price_minor,capacity,sold,sort_order&event_id=eq.${eventRow[0].id}&order=sort_order`,
  ];

  const ordinary = async (count: number): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const response = await fetch(`${emulator.url}/rest/v1/${ordinaryPaths[i % ordinaryPaths.length]}`, { headers: headers(false) });
      const body = await response.text();
      times.push(performance.now() - started);
      expect(response.status, body.slice(0, 200)).toBe(200);
    }
    return times.sort((a, b) => a - b);
  };

  // Warm up (schema cache, plans), then the baseline on the same machine, at the same moment.
  await ordinary(10);
  const idle = await ordinary(Math.max(20, Math.floor(options.ordinaryRequests / 2)));

  const requests = hostileRequests();
  const statuses: Record<number, number> = {};
  let hostileCount = 0;
  let hostileMax = 0;
  let running = true;
  const hostile = async (client: number): Promise<void> => {
    for (let i = client; running; i++) {
      const request = requests[i % requests.length];
      const started = performance.now();
      const response = await fetch(`${emulator.url}/rest/v1/${request.path}`, {
        method: request.method ?? 'GET',
        headers: { ...headers(request.member), ...(request.body ? { 'Content-Type': 'application/json' } : {}) },
        body: request.body,
      });
      const text = await response.text();
      hostileMax = Math.max(hostileMax, performance.now() - started);
      hostileCount++;
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      expect(response.status, `${request.path.slice(0, 80)} → ${text.slice(0, 200)}`).toBeLessThan(500);
    }
  };
  const clients = Array.from({ length: options.hostileClients }, (_, client) => hostile(client));
  // The ordinary user starts once every hostile client has had a request answered.
  const firstRound = performance.now();
  while (hostileCount < options.hostileClients && performance.now() - firstRound < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  let loaded: number[];
  try {
    loaded = await ordinary(options.ordinaryRequests);
  } finally {
    running = false;
    await Promise.all(clients);
  }
  return {
    idle: { p50: percentile(idle, 50), p95: percentile(idle, 95) },
    loaded: { p50: percentile(loaded, 50), p95: percentile(loaded, 95), max: loaded[loaded.length - 1] },
    hostileRequests: hostileCount,
    hostileMax,
    statuses,
  };
}
