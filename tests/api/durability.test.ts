/**
 * The embedded database keeps every committed write: the emulator is killed with
 * SIGKILL (no chance to flush) and restarted on the same data directory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { cleanupCliProcesses, freePort, killHard, startCli, tempDataDir } from '../helpers/cli-process.ts';

const anonKey =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';

afterAll(cleanupCliProcesses);

function client(url: string) {
  return createClient(url, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
  });
}

describe('durability of the embedded database', () => {
  it('keeps committed sign-ups and writes after kill -9 and a restart', { timeout: 240_000 }, async () => {
    const dataDir = await tempDataDir('emulator-durability');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;

    const first = await startCli(dataDir, port);
    const email = `durable-${Date.now()}@example.com`;
    const before = client(url);
    const signUp = await before.auth.signUp({ email, password: 'durable-password-1' });
    expect(signUp.error).toBeNull();
    const created = await before.rpc('create_organization', { p_name: 'Kept Org', p_currency: 'EUR' });
    expect(created.error).toBeNull();
    await killHard(first);

    await startCli(dataDir, port);
    const after = client(url);
    const signIn = await after.auth.signInWithPassword({ email, password: 'durable-password-1' });
    expect(signIn.error).toBeNull();
    expect(signIn.data.user?.id).toBe(signUp.data.user?.id);
    const { data, error } = await after.from('organizations').select('name, currency');
    expect(error).toBeNull();
    expect(data).toEqual([{ name: 'Kept Org', currency: 'EUR' }]);
  });
});
