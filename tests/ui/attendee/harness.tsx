/**
 * Renders the attendee routes against the real emulator running in this process.
 *
 * The SPA's one client (`@/lib/supabase`) is replaced, per test file, by a client of the
 * same kind pointed at the emulator:
 *
 *     vi.mock('@/lib/supabase', async () => (await import('./harness')).supabaseModule);
 *
 * Requests go through `network`, so a test can make the network misbehave.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import WebSocket from 'ws';
import CheckoutRoute from '@/app/routes/public/checkout';
import EventRoute from '@/app/routes/public/event';
import OrderConfirmationRoute from '@/app/routes/public/order-confirmation';
import { ATTRIBUTION_COOKIE, SESSION_COOKIE } from '@/features/attendee/lib/attendee-session';
import type { Database } from '@/lib/database.types';
import { startEmulator } from '../../../supabase/emulator/server';
import { createTestDatabase } from '../../helpers/test-database';

// TEMPORARY until tests/helpers/emulator.ts lands.
async function startTestEmulator(_options: { seed: boolean }) {
  const database = await createTestDatabase({ seed: false });
  const emulator = await startEmulator({ db: database.db, port: 0, logErrors: true });
  return { ...emulator, close: async () => { await emulator.stop(); await database.close(); } };
}

type Client = SupabaseClient<Database>;
type Fetch = typeof fetch;

let emulator: Awaited<ReturnType<typeof startTestEmulator>> | undefined;
let anonClient: Client | undefined;
let serviceClient: Client | undefined;

/** Every request of the SPA's client passes here; tests may swap `network.fetch`. */
export const network: { fetch: Fetch } = { fetch: (...args) => fetch(...args) };

function client(key: string, fetchImpl: Fetch): Client {
  if (!emulator) throw new Error('Call startAttendeeEmulator() in beforeAll first.');
  return createClient<Database>(emulator.url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
    global: { fetch: fetchImpl },
  });
}

/** What `@/lib/supabase` exports, resolved lazily because the emulator starts later. */
export const supabaseModule = {
  get supabase(): Client {
    if (!anonClient) throw new Error('The emulator is not running.');
    return anonClient;
  },
};

export async function startAttendeeEmulator(): Promise<void> {
  emulator = await startTestEmulator({ seed: false });
  anonClient = client(emulator.anonKey, (...args) => network.fetch(...args));
  serviceClient = client(emulator.serviceRoleKey, (...args) => fetch(...args));
}

export async function stopAttendeeEmulator(): Promise<void> {
  await anonClient?.removeAllChannels();
  await serviceClient?.removeAllChannels();
  await emulator?.close();
  emulator = undefined;
  anonClient = undefined;
  serviceClient = undefined;
}

/** A service-role client, for arranging data and checking what the database holds. */
export function admin(): Client {
  if (!serviceClient) throw new Error('The emulator is not running.');
  return serviceClient;
}

/** Another anonymous visitor, e.g. someone buying the last tickets first. */
export function otherVisitor(): Client {
  if (!emulator) throw new Error('The emulator is not running.');
  return client(emulator.anonKey, (...args) => fetch(...args));
}

/** A fresh browser session: no cookies, nothing in sessionStorage, the real network. */
export function resetBrowserSession(): void {
  for (const name of [SESSION_COOKIE, ATTRIBUTION_COOKIE]) {
    document.cookie = `${name}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
  }
  sessionStorage.clear();
  network.fetch = (...args) => fetch(...args);
}

function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location" hidden>{`${location.pathname}${location.search}`}</output>;
}

/** Renders the public routes at `path`, with a fresh QueryClient as every UI test gets. */
export function renderAttendee(path: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const user = userEvent.setup();
  const view = render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/events/:slug" element={<EventRoute />} />
          <Route path="/events/:slug/checkout" element={<CheckoutRoute />} />
          <Route path="/events/:slug/orders/:reference" element={<OrderConfirmationRoute />} />
        </Routes>
        <LocationProbe />
      </MemoryRouter>
    </QueryClientProvider>,
  );
  const location = () => view.getByTestId('location').textContent ?? '';
  return { ...view, user, queryClient, location };
}
