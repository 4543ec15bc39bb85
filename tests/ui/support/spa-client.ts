/**
 * The SPA's one client (`@/lib/supabase`) in UI tests: a real supabase-js client, pointed
 * at the test's own emulator once that has started. Test files swap the module with
 *
 *     vi.mock('@/lib/supabase', () => import('../support/spa-client'));
 *
 * It imports nothing from the app, so it can load while the app's modules are loading;
 * the client is set later and read through a getter at the time of each call.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '@/lib/database.types';

let current: SupabaseClient<Database> | undefined;

export function setSpaClient(client: SupabaseClient<Database> | undefined): void {
  current = client;
}

type SpaClient = SupabaseClient<Database> & { loadRealtime: () => Promise<SupabaseClient<Database>['realtime']> };

export const supabase = new Proxy({} as SpaClient, {
  get(_target, property) {
    if (!current) throw new Error('The emulator is not running: start it in beforeAll.');
    // The app's client loads Realtime on first use; the test client has it at hand.
    if (property === 'loadRealtime') {
      const client = current;
      return () => Promise.resolve(client.realtime);
    }
    const value = Reflect.get(current, property, current) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
  },
});

/** The attendee pages' REST client (`@/lib/public-api`): the same test client, which has `from` and `rpc` too. */
export const publicApi = supabase;
