/**
 * The emulator in its own process for the benchmarks, so that the load generator and
 * the websocket clients never share its event loop or its memory figures.
 *
 * Configuration comes as JSON in argv[2]: { databaseUrl?, dataDir?, seed?, staticDir?,
 * realtimeBroadcasts? }.
 * `dataDir` is a PGlite data directory (as `npm start` keeps one); without databaseUrl
 * or dataDir the database is a freshly migrated in-memory PGlite.
 * Tells the parent { url, anonKey, serviceRoleKey } over IPC once it listens.
 */
import { openDatabase } from '../supabase/emulator/database.ts';
import { migrate } from '../supabase/emulator/migrate.ts';
import { startEmulator } from '../supabase/emulator/server.ts';
import type { ChildConfig } from './lib/emulator-process.ts';

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
  const db = config.databaseUrl
    ? await openDatabase({ databaseUrl: config.databaseUrl })
    : await openDatabase({ dataDir: config.dataDir });
  await migrate(db, { seed: config.seed ?? false });
  // The load generator signs hundreds of dashboards in from one address: no auth rate
  // limit; and it plays many buyers, so the per-client checkout bound is not the limit.
  const emulator = await startEmulator({
    db,
    port: 0,
    staticDir: config.staticDir,
    logErrors: true,
    authRateLimit: false,
    trustClientAddressHeader: true,
    realtimeBroadcasts: config.realtimeBroadcasts,
  });
  const stop = async () => {
    await emulator.stop();
    await db.close();
    process.exit(0);
  };
  process.on('message', (message: unknown) => {
    if (message === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.send?.({ url: emulator.url, anonKey: emulator.anonKey, serviceRoleKey: emulator.serviceRoleKey });
}

main().catch((error: unknown) => {
  console.error('emulator-child:', error);
  process.exit(1);
});
