/**
 * Renders the attendee routes against the real emulator (started in a child process,
 * see emulator-process.ts, on a fresh database per test file).
 *
 * The SPA's one client (`@/lib/supabase`) is replaced, per test file, by a client of the
 * same kind pointed at the emulator:
 *
 *     vi.mock('@/lib/supabase', () => import('./supabase-mock'));
 *
 * Requests go through `network`, so a test can make the network misbehave.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import CheckoutRoute from '@/app/routes/public/checkout';
import EventRoute from '@/app/routes/public/event';
import OrderConfirmationRoute from '@/app/routes/public/order-confirmation';
import { ATTRIBUTION_COOKIE, SESSION_COOKIE } from '@/features/attendee/lib/attendee-session';
import type { Database } from '@/lib/database.types';
import { setTestClient } from './supabase-mock';

type Client = SupabaseClient<Database>;
type Fetch = typeof fetch;

interface RunningEmulator {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  process: ChildProcess;
}

let emulator: RunningEmulator | undefined;
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

/** Starts the emulator on a fresh database in a child process (see emulator-process.ts). */
function spawnEmulator(): Promise<RunningEmulator> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'emulator-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const newline = output.indexOf('\n');
      if (newline === -1) return;
      child.stdout.off('data', onData);
      try {
        resolve({ ...(JSON.parse(output.slice(0, newline)) as Omit<RunningEmulator, 'process'>), process: child });
      } catch (error) {
        child.kill();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    child.stdout.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`The emulator process exited early (code ${code}).`)));
  });
}

export async function startAttendeeEmulator(): Promise<void> {
  emulator = await spawnEmulator();
  anonClient = makeClient(emulator.anonKey, (...args) => network.fetch(...args));
  serviceClient = makeClient(emulator.serviceRoleKey);
  setTestClient(anonClient);
}

export async function stopAttendeeEmulator(): Promise<void> {
  setTestClient(undefined);
  const running = emulator?.process;
  emulator = undefined;
  anonClient = undefined;
  serviceClient = undefined;
  if (!running || running.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
  running.stdin?.end();
  await exited;
}

/** A service-role client, for arranging data and checking what the database holds. */
export function admin(): Client {
  if (!serviceClient) throw new Error('The emulator is not running.');
  return serviceClient;
}

/** Another anonymous visitor, e.g. someone buying the last tickets first. */
export function otherVisitor(): Client {
  if (!emulator) throw new Error('The emulator is not running.');
  return makeClient(emulator.anonKey);
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
