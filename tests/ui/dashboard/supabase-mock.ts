/**
 * Stands in for `@/lib/supabase` in the dashboard UI tests. Kept apart from the harness
 * (which imports the app, which imports `@/lib/supabase`) so the mock has no cycle.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '@/lib/database.types';

let current: SupabaseClient<Database> | undefined;

export function setTestClient(client: SupabaseClient<Database> | undefined): void {
  current = client;
}

export const supabase = new Proxy({} as SupabaseClient<Database>, {
  get(_target, property) {
    if (!current) throw new Error('No test client: call freshBrowser() first.');
    const value = Reflect.get(current, property, current) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
  },
});
