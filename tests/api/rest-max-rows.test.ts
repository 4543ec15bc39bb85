/**
 * `[api] max_rows` from supabase/config.toml is the emulator's default row cap, applied
 * as PostgREST applies db-max-rows: to the top-level rows of a read (and of a function
 * returning a set), not to embedded arrays. The config is replaced here by one with
 * max_rows = 2, so the test shows the value really comes from the file's settings.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';

vi.mock('../../supabase/emulator/config.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../supabase/emulator/config.ts')>();
  return {
    ...actual,
    loadProjectConfig: () => ({ ...actual.loadProjectConfig(), api: { ...actual.loadProjectConfig().api, max_rows: 2 } }),
  };
});

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ seed: true, emulator: { logErrors: false } });
});

afterAll(async () => {
  await emulator?.stop();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${emulator.url}/rest/v1/${path}`, { headers: { apikey: emulator.anonKey, ...headers } });
  return { status: response.status, range: response.headers.get('content-range'), body: (await response.json()) as unknown };
}

describe('max_rows from config.toml', () => {
  it('caps the top-level rows of a read, with a partial Content-Range when counted', async () => {
    const { rows } = await emulator.db.query<{ n: number }>(`select count(*)::int as n from public.events where status = 'published'`);
    expect(rows[0].n).toBeGreaterThan(2);
    const plain = await get('events?select=id');
    expect(plain.status).toBe(200);
    expect(plain.body).toHaveLength(2);
    expect(plain.range).toBe('0-1/*');
    const counted = await get('events?select=id', { Prefer: 'count=exact' });
    expect(counted.status).toBe(206);
    expect(counted.range).toBe(`0-1/${rows[0].n}`);
    // A smaller limit still wins; a larger one is capped.
    expect((await get('events?select=id&limit=1')).body).toHaveLength(1);
    expect((await get('events?select=id&limit=50')).body).toHaveLength(2);
  });

  it('leaves embedded arrays whole, as PostgREST does', async () => {
    const answer = await get('events?select=id,ticket_types(id)&order=id');
    const events = answer.body as { id: string; ticket_types: unknown[] }[];
    expect(events).toHaveLength(2);
    const { rows } = await emulator.db.query<{ n: number }>(
      `select count(*)::int as n from public.ticket_types where event_id = any($1::uuid[])`,
      [events.map((event) => event.id)],
    );
    expect(rows[0].n).toBeGreaterThan(2);
    expect(events.reduce((sum, event) => sum + event.ticket_types.length, 0)).toBe(rows[0].n);
  });
});
