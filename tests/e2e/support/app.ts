/**
 * The whole app for a journey: the emulator in this process, in memory, with the demo
 * data, serving the built SPA (run `vite build` first; `npm run test:e2e` does).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { startEmulator, type Emulator } from '../../../supabase/emulator/server.ts';
import type { Database } from '../../../src/lib/database.types.ts';

const distDir = fileURLToPath(new URL('../../../dist', import.meta.url));

export interface App {
  emulator: Emulator;
  /** The origin the SPA is served from, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** A service-role client, to check what the database holds. */
  admin: SupabaseClient<Database>;
  stop(): Promise<void>;
}

export async function startApp(): Promise<App> {
  if (!existsSync(path.join(distDir, 'index.html'))) {
    throw new Error('The SPA is not built: run `npm run test:e2e` (or `vite build` first).');
  }
  // Event pages wait for their preview's read however busy the machine (the journeys check the tags).
  // Each browser context plays its own client address (see newSession).
  const emulator = await startEmulator({
    memory: true,
    seed: true,
    port: 0,
    staticDir: distDir,
    logErrors: true,
    eventPreviewTimeoutMs: 20_000,
    trustClientAddressHeader: true,
  });
  const admin = createClient<Database>(emulator.url, emulator.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
  });
  return {
    emulator,
    origin: new URL(emulator.url).origin,
    admin,
    async stop() {
      await admin.removeAllChannels();
      await emulator.stop();
    },
  };
}
