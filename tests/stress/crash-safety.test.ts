/**
 * Crash safety of the embedded database: the emulator runs as a child process (the CLI)
 * on a persisted PGlite data directory while buyers check out concurrently, and it is
 * killed with SIGKILL at random moments and restarted, several times. Afterwards every
 * checkout that was answered with success exists, nothing is half-written, and the
 * dashboard figures equal a recomputation from the raw orders.
 *
 * This is about the embedded engine's durability, so it always runs on PGlite, with or
 * without DATABASE_URL.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cleanupCliProcesses, freePort, killHard, startCli, tempDataDir } from '../helpers/cli-process.ts';
import type { Database as AppDatabase } from '../../src/lib/database.types.ts';
import { openDatabase } from '../../supabase/emulator/database.ts';
import { createProjectKeys, DEFAULT_JWT_SECRET } from '../../supabase/emulator/jwt.ts';
import { randomAddress } from '../db/support/race.ts';
import { expectConsistentOrders, expectDashboardMatchesRawOrders, type DashboardFigures } from './support/ledger.ts';

const KILLS = 8;
const WORKERS = 6;

afterAll(cleanupCliProcesses);

interface Sale {
  key: string;
  orderId: string;
  tickets: number;
  total: number;
}

describe('crash safety on embedded PGlite (the CLI on a data directory)', () => {
  it(`checkouts survive ${KILLS} kill -9s at random moments: every confirmed order exists, none half-written, dashboards equal the raw orders`, async () => {
    const dataDir = await tempDataDir('crash-safety');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const keys = await createProjectKeys(DEFAULT_JWT_SECRET);
    // Buyers come from many addresses (one address may place only a few orders a minute).
    const cliArgs = ['--trust-client-address-header'];
    let child = await startCli(dataDir, port, undefined, cliArgs);

    const client = (key: string): SupabaseClient<AppDatabase> =>
      createClient<AppDatabase>(url, key, {
        auth: { persistSession: false, autoRefreshToken: false },
        // Node 20 has no global WebSocket.
        realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
      });
    const anon = client(keys.anonKey);
    const owner = client(keys.anonKey);
    const signUp = await owner.auth.signUp({ email: `crash-${randomUUID()}@example.com`, password: 'crash-password-1' });
    expect(signUp.error).toBeNull();

    // The organizer sets up an event with two ticket types and three promoters.
    const org = await owner.rpc('create_organization', { p_name: 'Crash Test Events', p_currency: 'EUR' });
    expect(org.error).toBeNull();
    const organizationId = (org.data as { id: string }).id;
    const slug = `crash-${randomUUID().slice(0, 8)}`;
    const event = await owner
      .from('events')
      .insert({ organization_id: organizationId, slug, name: 'Crash', currency: 'EUR', starts_at: new Date(Date.now() + 86_400_000).toISOString(), status: 'published' })
      .select('id')
      .single();
    expect(event.error).toBeNull();
    const types = await owner
      .from('ticket_types')
      .insert([
        { organization_id: organizationId, event_id: event.data!.id, name: 'Standard', price_minor: 1500, capacity: 1_000_000 },
        { organization_id: organizationId, event_id: event.data!.id, name: 'VIP', price_minor: 9900, capacity: 1_000_000 },
      ])
      .select('id, price_minor');
    expect(types.error).toBeNull();
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const code = `CRASH${i}${randomUUID().slice(0, 4)}`;
      const promoter = await owner.from('promoters').insert({ organization_id: organizationId, name: `Promoter ${i}`, promo_code: code }).select('id').single();
      expect(promoter.error).toBeNull();
      const link = await owner.from('event_promoters').insert({ organization_id: organizationId, event_id: event.data!.id, promoter_id: promoter.data!.id });
      expect(link.error).toBeNull();
      for (let j = 0; j < 5; j++) {
        const visit = await anon.rpc('track_promoter_visit', { p_event_slug: slug, p_promo_code: code, p_session_id: randomUUID() });
        expect(visit.error).toBeNull();
        tokens.push(visit.data as string);
      }
    }

    const confirmed: Sale[] = [];
    const unanswered = new Map<string, string>(); // idempotency key → request body
    let requests = 0;

    const checkoutBody = (key: string) => {
      const lines = types.data!.filter(() => Math.random() < 0.7);
      const items = (lines.length ? lines : [types.data![0]]).map((type) => ({ ticket_type_id: type.id, quantity: randomInt(1, 4) }));
      return JSON.stringify({
        p_event_slug: slug,
        p_items: items,
        p_buyer_name: 'Crash Buyer',
        p_buyer_email: 'crash@example.com',
        p_idempotency_key: key,
        p_attribution_token: Math.random() < 0.6 ? tokens[randomInt(tokens.length)] : null,
      });
    };

    const checkout = async (key: string, body: string): Promise<'confirmed' | 'lost'> => {
      requests++;
      try {
        const response = await fetch(`${url}/rest/v1/rpc/checkout`, {
          method: 'POST',
          headers: { apikey: keys.anonKey, 'Content-Type': 'application/json', 'cf-connecting-ip': randomAddress() },
          body,
          signal: AbortSignal.timeout(20_000),
        });
        const payload = (await response.json()) as { order_id: string; ticket_count: number; total_minor: number; message?: string };
        // Whatever the moment of the crash, a checkout is answered with success or the
        // connection drops; an error status would be a bug (the request itself is valid).
        expect(response.status, JSON.stringify(payload)).toBe(200);
        confirmed.push({ key, orderId: payload.order_id, tickets: payload.ticket_count, total: Number(payload.total_minor) });
        unanswered.delete(key);
        return 'confirmed';
      } catch (error) {
        if (error instanceof Error && error.name === 'AssertionError') throw error;
        unanswered.set(key, body);
        return 'lost';
      }
    };

    const verifyConfirmedVisible = async () => {
      const service = client(keys.serviceRoleKey);
      const ids = confirmed.map((sale) => sale.orderId);
      for (let i = 0; i < ids.length; i += 200) {
        const { data, error } = await service.from('orders').select('id').in('id', ids.slice(i, i + 200));
        expect(error).toBeNull();
        expect(data!.length, 'confirmed orders visible after the restart').toBe(ids.slice(i, i + 200).length);
      }
    };

    for (let round = 1; round <= KILLS; round++) {
      let running = true;
      const workers = Array.from({ length: WORKERS }, async () => {
        while (running) {
          const key = randomUUID();
          if ((await checkout(key, checkoutBody(key))) === 'lost') break;
        }
      });
      await new Promise((resolve) => setTimeout(resolve, randomInt(300, 2500)));
      await killHard(child);
      running = false;
      await Promise.all(workers);

      child = await startCli(dataDir, port, undefined, cliArgs);
      await verifyConfirmedVisible();
      // A buyer whose request was cut off retries with the same key: exactly one order.
      for (const [key, body] of [...unanswered]) {
        expect(await checkout(key, body)).toBe('confirmed');
      }
    }

    const performance = await owner.rpc('promoter_performance', { p_organization_id: organizationId });
    const events = await owner.rpc('event_performance', { p_organization_id: organizationId });
    expect(performance.error).toBeNull();
    expect(events.error).toBeNull();

    // Stop cleanly, then audit the data directory directly as the database owner.
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    const db = await openDatabase({ dataDir });
    try {
      const stored = await db.query<{ id: string; idempotency_key: string; ticket_count: number; total_minor: string }>(
        'select id, idempotency_key, ticket_count, total_minor from public.orders where organization_id = $1',
        [organizationId],
      );
      const byId = new Map(stored.rows.map((row) => [row.id, row]));
      for (const sale of confirmed) {
        const row = byId.get(sale.orderId);
        expect(row, `confirmed order ${sale.orderId}`).toBeDefined();
        expect({ key: row!.idempotency_key, tickets: row!.ticket_count, total: Number(row!.total_minor) }).toEqual({
          key: sale.key,
          tickets: sale.tickets,
          total: sale.total,
        });
      }
      // Retries never doubled an order, and nothing exists that nobody asked for.
      expect(new Set(confirmed.map((sale) => sale.orderId)).size).toBe(new Set(confirmed.map((sale) => sale.key)).size);
      expect(stored.rows.length).toBe(new Set(confirmed.map((sale) => sale.key)).size);
      const totals = await expectConsistentOrders(db);
      await expectDashboardMatchesRawOrders(db, organizationId, {
        events: (events.data ?? []) as DashboardFigures['events'],
        promoters: (performance.data ?? []) as unknown as DashboardFigures['promoters'],
      });
      console.info(
        `crash safety: ${KILLS} kills survived, ${requests} checkout requests, ${confirmed.length} confirmed orders verified, ${totals.orders} orders audited in total`,
      );
      expect(confirmed.length).toBeGreaterThan(KILLS);
    } finally {
      await db.close();
    }
  });
});
