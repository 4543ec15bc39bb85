/**
 * Renders the whole organizer SPA (router, providers, real routes) against the real
 * emulator (a child process, see ../support/emulator-process.ts). The SPA's one client
 * (`@/lib/supabase`) is, per test, a real client pointed at that emulator:
 *
 *     vi.mock('@/lib/supabase', () => import('../support/spa-client'));
 */
import { randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useEffect, type ReactNode } from 'react';
import { MemoryRouter, useLocation } from 'react-router-dom';
import { App } from '@/app/app';
import { reportCaughtError } from '@/lib/report-caught-error';
import type { Database } from '@/lib/database.types';
import { apiStore, factory, type Event, type Factory, type Organization, type TicketTypeSpec } from '../../helpers/factory';
import { spawnEmulator, stopEmulator, type EmulatorProcess } from '../support/emulator';
import { setSpaClient } from '../support/spa-client';

type Client = SupabaseClient<Database>;
export const TEST_PASSWORD = 'test-password-1';

let emulator: EmulatorProcess | undefined;
let clientCount = 0;
let spaClient: Client | undefined;

/**
 * The SPA client's WebSocket: the platform's own, remembered so a test can cut the
 * connection the way a network drop does (the socket closes under the client's feet,
 * not through supabase-js's own disconnect). Nothing else about it changes.
 */
const openSockets = new Set<WebSocket>();
/** Topics (without the `realtime:` prefix) the SPA client has joined and not left. */
const joined = new Set<string>();

type Frame = { joinRef: string | null; ref: string | null; topic: string; event: string; payload: unknown };
function parseFrame(data: unknown): Frame | undefined {
  if (typeof data !== 'string') return undefined;
  const parsed: unknown = JSON.parse(data);
  if (Array.isArray(parsed)) {
    const [joinRef, ref, topic, event, payload] = parsed as [string | null, string | null, string, string, unknown];
    return { joinRef, ref, topic, event, payload };
  }
  const object = parsed as { join_ref?: string | null; ref?: string | null; topic: string; event: string; payload: unknown };
  return { joinRef: object.join_ref ?? null, ref: object.ref ?? null, topic: object.topic, event: object.event, payload: object.payload };
}

class DroppableWebSocket extends WebSocket {
  private readonly pendingJoins = new Map<string, string>();
  private readonly topics = new Set<string>();

  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    openSockets.add(this);
    this.addEventListener('message', (message) => this.observe(parseFrame(message.data)));
    this.addEventListener('close', () => {
      openSockets.delete(this);
      for (const topic of this.topics) this.forget(topic);
    });
  }

  override send(data: Parameters<WebSocket['send']>[0]): void {
    const frame = parseFrame(data);
    if (frame?.event === 'phx_join' && frame.ref) this.pendingJoins.set(frame.ref, frame.topic);
    if (frame?.event === 'phx_leave') this.forget(frame.topic);
    super.send(data as Parameters<WebSocket['send']>[0]);
  }

  private observe(frame: Frame | undefined): void {
    if (!frame) return;
    const status = (frame.payload as { status?: string } | null)?.status;
    const joining = frame.ref ? this.pendingJoins.get(frame.ref) : undefined;
    if (frame.event === 'phx_reply' && joining === frame.topic) {
      this.pendingJoins.delete(frame.ref!);
      if (status === 'ok') {
        this.topics.add(frame.topic);
        joined.add(frame.topic.replace(/^realtime:/, ''));
      }
    }
    if (frame.event === 'phx_close' || frame.event === 'phx_error') this.forget(frame.topic);
  }

  private forget(topic: string): void {
    this.topics.delete(topic);
    joined.delete(topic.replace(/^realtime:/, ''));
  }
}

/** Whether the SPA client currently has the realtime channel of `topic` joined. */
export function hasJoined(topic: string): boolean {
  return joined.has(topic);
}

/**
 * Delivers a `phx_close` for `topic` on the SPA client's open sockets, as the realtime
 * server sends when it ends a channel (the socket itself stays up); returns how many got it.
 */
export function closeChannelFromServer(topic: string): number {
  const sockets = [...openSockets].filter((socket) => socket.readyState === WebSocket.OPEN);
  const frame = JSON.stringify([null, null, `realtime:${topic}`, 'phx_close', {}]);
  for (const socket of sockets) socket.dispatchEvent(new MessageEvent('message', { data: frame }));
  return sockets.length;
}

/** Cuts every realtime connection of the SPA's client; returns how many were open. */
export function dropRealtimeConnections(): number {
  const sockets = [...openSockets].filter((socket) => socket.readyState === WebSocket.OPEN);
  for (const socket of sockets) socket.close(4000, 'network drop');
  return sockets.length;
}


export async function startDashboardEmulator(): Promise<void> {
  emulator = await spawnEmulator();
}

export async function stopDashboardEmulator(): Promise<void> {
  await closeBrowser();
  const running = emulator;
  emulator = undefined;
  await stopEmulator(running);
}

/** The running emulator's API URL (its local inbox is under it, at /inbox). */
export function emulatorUrl(): string {
  return requireEmulator().url;
}

/** The running emulator's public anon key. */
export function emulatorAnonKey(): string {
  return requireEmulator().anonKey;
}

function requireEmulator(): EmulatorProcess {
  if (!emulator) throw new Error('The emulator is not running.');
  return emulator;
}

/** A plain API client (own in-memory session), like another browser or a script. */
export function apiClient(key: 'anon' | 'service' = 'anon', headers: Record<string, string> = {}): Client {
  const emu = requireEmulator();
  clientCount += 1;
  return createClient<Database>(emu.url, key === 'anon' ? emu.anonKey : emu.serviceRoleKey, {
    global: { headers },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, storageKey: `dashboard-test-${clientCount}` },
  });
}

/** A new browser: a signed-out SPA client with its own (in-memory) session. */
export async function freshBrowser(): Promise<Client> {
  await closeBrowser();
  const emu = requireEmulator();
  clientCount += 1;
  spaClient = createClient<Database>(emu.url, emu.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, storageKey: `dashboard-spa-${clientCount}` },
    realtime: { transport: DroppableWebSocket },
  });
  setSpaClient(spaClient);
  return spaClient;
}

export async function closeBrowser(): Promise<void> {
  if (!spaClient) return;
  await spaClient.removeAllChannels();
  spaClient.realtime.disconnect();
  spaClient = undefined;
  setSpaClient(undefined);
}

export interface Organizer {
  email: string;
  organizationId: string;
  organization: Organization;
  /** The organizer's own API client, for arranging data through RLS like the SPA would. */
  api: Client;
}

/** A user with an organization, signed in in the SPA's client. */
export async function organizerWithOrganization(name = 'Test Events', currency = 'EUR'): Promise<Organizer> {
  const email = `organizer-${randomUUID()}@example.com`;
  const api = apiClient();
  const signUp = await api.auth.signUp({ email, password: TEST_PASSWORD });
  if (signUp.error) throw signUp.error;
  const { data, error } = await api.rpc('create_organization', { p_name: name, p_currency: currency });
  if (error) throw error;
  const spa = await freshBrowser();
  const signIn = await spa.auth.signInWithPassword({ email, password: TEST_PASSWORD });
  if (signIn.error) throw signIn.error;
  const organization = { id: data.id, name: data.name, currency: data.currency };
  return { email, organizationId: data.id, organization, api };
}

/** The shared test-data builders, writing through the organizer's own client (and so through RLS). */
export function make(organizer: Organizer): Factory {
  return factory(apiStore(organizer.api));
}

/** The one ticket type the dashboard tests sell: General, at `price_minor`, for up to 1,000. */
export function generalAdmission(price_minor: number): TicketTypeSpec[] {
  return [{ name: 'General', price_minor, capacity: 1000 }];
}

/** The builders as an anonymous attendee at `address` (the test emulator trusts the header). */
export function attendeeFrom(address: string): Factory {
  return factory(apiStore(apiClient('anon', { 'cf-connecting-ip': address })));
}

/**
 * An attendee opens the promoter's link and buys `quantity` tickets in the same session,
 * from an address of their own (the test emulator trusts the header), as real buyers do.
 */
export async function buyThroughLink(event: Event, code: string, quantity = 1) {
  const attendee = attendeeFrom(`198.51.100.${(clientCount % 250) + 1}`);
  const token = await attendee.visit({ slug: event.slug, code });
  const items = [{ ticket_type_id: event.ticketTypes[0].id, quantity }];
  return attendee.order({ slug: event.slug, items, name: 'Ada Attendee', email: 'ada@example.com', token });
}

/** Reports where the SPA's router is, so tests can assert navigations. */
function LocationProbe({ onChange }: { onChange: (pathname: string) => void }) {
  const location = useLocation();
  useEffect(() => onChange(location.pathname), [location.pathname, onChange]);
  return null;
}

/** Renders the SPA at `path` with a fresh QueryClient that never retries. */
export function renderApp(path: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 0 }, mutations: { retry: false } } });
  const seen = { pathname: path.split('?')[0] };
  const track = (pathname: string) => {
    seen.pathname = pathname;
  };
  function TestRouter({ children }: { children: ReactNode }) {
    return (
      <MemoryRouter initialEntries={[path]} useTransitions={false}>
        {children}
        <LocationProbe onChange={track} />
      </MemoryRouter>
    );
  }
  const user = userEvent.setup();
  // The root reports caught errors as the page's root does (src/main.tsx).
  const view = render(<App router={TestRouter} queryClient={queryClient} />, { onCaughtError: reportCaughtError });
  return { ...view, user, queryClient, pathname: () => seen.pathname };
}
