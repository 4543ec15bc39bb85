/**
 * Stands in for `@/lib/supabase` in the attendee UI tests. It imports nothing from the
 * app, so the mock can load while the app's modules are still loading:
 *
 *     vi.mock('@/lib/supabase', () => import('./supabase-mock'));
 *
 * The emulator starts after the modules load, so the client is set later and read
 * through a getter at the time of each request.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '@/lib/database.types';

let current: SupabaseClient<Database> | undefined;

export function setTestClient(client: SupabaseClient<Database> | undefined): void {
  current = client;
}

export const supabase = new Proxy({} as SupabaseClient<Database>, {
  get(_target, property) {
    if (!current) throw new Error('The emulator is not running: start it in beforeAll.');
    const value = Reflect.get(current, property, current);
    return typeof value === 'function' ? value.bind(current) : value;
  },
});
