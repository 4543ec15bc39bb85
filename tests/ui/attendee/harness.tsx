/**
 * Renders the attendee routes against the real emulator (started in a child process,
 * see ../support/emulator-process.ts, on a fresh database per test file).
 *
 * The SPA's one client (`@/lib/supabase`) is, per test file, a real client pointed at
 * that emulator:
 *
 *     vi.mock('@/lib/supabase', () => import('../support/spa-client'));
 *
 * Requests go through `network`, so a test can make the network misbehave.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { MemoryRouter, useLocation } from 'react-router-dom';
import { App } from '@/app/app';
import { reportCaughtError } from '@/lib/report-caught-error';
import { ATTRIBUTION_COOKIE, ATTRIBUTION_DAYS_COOKIE, SESSION_COOKIE } from '@/features/attendee/lib/attendee-session';
import type { Database } from '@/lib/database.types';
import { apiStore, factory, type Factory } from '../../helpers/factory';
import { spawnEmulator, stopEmulator, type EmulatorProcess } from '../support/emulator';
import { setSpaClient } from '../support/spa-client';

type Client = SupabaseClient<Database>;
type Fetch = typeof fetch;

let emulator: EmulatorProcess | undefined;
let anonClient: Client | undefined;
let serviceClient: Client | undefined;

/** Every request of the SPA's client passes here; tests may swap `network.fetch`. */
export const network: { fetch: Fetch } = { fetch: (...args) => fetch(...args) };

let clientCount = 0;
function makeClient(key: string, fetchImpl: Fetch = (...args) => fetch(...args)): Client {
  if (!emulator) throw new Error('Call startAttendeeEmulator() in beforeAll first.');
  clientCount += 1;
  return createClient<Database>(emulator.url, key, {
    // Own storage keys: several clients in one page is intended here.
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, storageKey: `attendee-test-${clientCount}` },
    global: { fetch: fetchImpl },
  });
}

export async function startAttendeeEmulator(): Promise<void> {
  emulator = await spawnEmulator();
  anonClient = makeClient(emulator.anonKey, (...args) => network.fetch(...args));
  serviceClient = makeClient(emulator.serviceRoleKey);
  setSpaClient(anonClient);
}

export async function stopAttendeeEmulator(): Promise<void> {
  setSpaClient(undefined);
  const running = emulator;
  emulator = undefined;
  anonClient = undefined;
  serviceClient = undefined;
  await stopEmulator(running);
}

/** Where the emulator listens, e.g. to point a request built for the page's origin at it. */
export function emulatorUrl(): string {
  if (!emulator) throw new Error('The emulator is not running.');
  return emulator.url;
}

/** A service-role client, for arranging data and checking what the database holds. */
export function admin(): Client {
  if (!serviceClient) throw new Error('The emulator is not running.');
  return serviceClient;
}

/** The shared test-data builders, writing through the service role as an organizer's tools would. */
export function make(): Factory {
  return factory(apiStore(admin()));
}

function rowsOf<T>({ data, error }: { data: T | null; error: { message: string } | null }): T {
  if (error || data === null) throw new Error(`Could not read the orders: ${error?.message ?? 'no data'}`);
  return data;
}

/** Orders of a buyer and the promoter each is attributed to (null when not attributed). */
export async function ordersOf(buyerEmail: string) {
  const orders = rowsOf(await admin().from('orders').select('id, reference, ticket_count, total_minor, event_id').eq('buyer_email', buyerEmail));
  const orderIds = orders.map((order) => order.id);
  const attributions = rowsOf(await admin().from('attributions').select('order_id, promoter_id').in('order_id', orderIds));
  return orders.map((order) => ({
    ...order,
    promoterId: attributions.find((attribution) => attribution.order_id === order.id)?.promoter_id ?? null,
  }));
}

/** Another anonymous visitor, e.g. someone buying the last tickets first. */
export function otherVisitor(): Client {
  if (!emulator) throw new Error('The emulator is not running.');
  return makeClient(emulator.anonKey);
}

/** A fresh browser session: no cookies, nothing in sessionStorage, the real network. */
export function resetBrowserSession(): void {
  for (const name of [SESSION_COOKIE, ATTRIBUTION_COOKIE, ATTRIBUTION_DAYS_COOKIE]) {
    document.cookie = `${name}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
  }
  sessionStorage.clear();
  network.fetch = (...args) => fetch(...args);
}

function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location" hidden>{`${location.pathname}${location.search}`}</output>;
}

/**
 * Renders the SPA at `path` (the app's own route table and providers, as the page has
 * them), with a fresh QueryClient as every UI test gets (or the one given, e.g. with data
 * already loaded).
 */
export function newQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
}

export function renderAttendee(path: string, queryClient: QueryClient = newQueryClient()) {
  function TestRouter({ children }: { children: ReactNode }) {
    return (
      <MemoryRouter initialEntries={[path]} useTransitions={false}>
        {children}
        <LocationProbe />
      </MemoryRouter>
    );
  }
  const user = userEvent.setup();
  // As the page's root does (src/main.tsx).
  const view = render(<App router={TestRouter} queryClient={queryClient} />, { onCaughtError: reportCaughtError });
  const location = () => view.getByTestId('location').textContent ?? '';
  return { ...view, user, queryClient, location };
}
