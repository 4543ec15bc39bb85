/**
 * The emulator on a fresh database, for API and UI tests: one per test file (or per
 * call), on a random port, with clients made the way the SPA makes them.
 */
import { randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { Database as AppDatabase } from '../../src/lib/database.types.ts';
import type { Database } from '../../supabase/emulator/database.ts';
import type { Inbox } from '../../supabase/emulator/mail/inbox.ts';
import { startEmulator, type EmulatorOptions } from '../../supabase/emulator/server.ts';
import { createTestDatabase } from './test-database.ts';

export type TestClient = SupabaseClient<AppDatabase>;

export interface TestEmulator {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret: string;
  db: Database;
  /** The emulator's local inbox (tests read it over HTTP, at `/inbox/api/messages`). */
  inbox: Inbox;
  /** Set on Postgres: this test's own database. */
  databaseUrl?: string;
  /** A signed-out client with the anon key. */
  client(options?: ClientOptions): TestClient;
  /** A client with the service_role key: bypasses RLS, for arranging data. */
  serviceClient(options?: ClientOptions): TestClient;
  /** Signs up a new user (a random address unless given) and returns its signed-in client. */
  signUpUser(email?: string): Promise<TestClient>;
  stop(): Promise<void>;
}

export interface TestEmulatorOptions {
  /** Include the demo data from supabase/seed.sql. */
  seed?: boolean;
  /** Emulator options other than the database and port. */
  emulator?: Omit<EmulatorOptions, 'db' | 'port' | 'databaseUrl' | 'dataDir' | 'memory' | 'seed'>;
}

export interface ClientOptions {
  /** Replaces the client's fetch, e.g. to watch or fail requests. */
  fetch?: typeof fetch;
}

export const TEST_PASSWORD = 'test-password-1';

export async function startTestEmulator(options: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const database = await createTestDatabase({ seed: options.seed });
  // Suites sign hundreds of users in from one address: no auth rate limit unless asked.
  const emulator = await startEmulator({ authRateLimit: false, ...options.emulator, db: database.db, port: 0 }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const clients: TestClient[] = [];

  const makeClient = (key: string, clientOptions: ClientOptions = {}): TestClient => {
    const client = createClient<AppDatabase>(emulator.url, key, {
      global: clientOptions.fetch ? { fetch: clientOptions.fetch } : undefined,
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // Node 20 has no global WebSocket; the SPA's browsers do.
      realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
    });
    clients.push(client);
    return client;
  };

  return {
    url: emulator.url,
    anonKey: emulator.anonKey,
    serviceRoleKey: emulator.serviceRoleKey,
    jwtSecret: emulator.jwtSecret,
    db: database.db,
    inbox: emulator.inbox,
    databaseUrl: database.databaseUrl,
    client: (clientOptions) => makeClient(emulator.anonKey, clientOptions),
    serviceClient: (clientOptions) => makeClient(emulator.serviceRoleKey, clientOptions),
    async signUpUser(email = `user-${randomUUID()}@example.com`) {
      const client = makeClient(emulator.anonKey);
      const { data, error } = await client.auth.signUp({ email, password: TEST_PASSWORD });
      if (error) throw error;
      if (!data.session) throw new Error('Sign-up returned no session');
      return client;
    },
    async stop() {
      await Promise.all(clients.map((client) => client.removeAllChannels()));
      for (const client of clients) client.realtime.disconnect();
      await emulator.stop();
      await database.close();
    },
  };
}

/** The id of the user a signed-in client belongs to. */
export async function userId(client: SupabaseClient): Promise<string> {
  const { data, error } = await client.auth.getUser();
  if (error || !data.user) throw error ?? new Error('The client is not signed in.');
  return data.user.id;
}

/** Polls until `predicate` holds, for things that arrive asynchronously (realtime). */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('Timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
