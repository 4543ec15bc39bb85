/**
 * `npm run dev`: the emulator plus Vite's dev server (hot reload) on port 5173, with the
 * SPA pointed at the emulator. Takes the same options as the emulator.
 */
import { createServer } from 'vite';
import { describe, readSettings, startFromSettings, stopOnSignals } from './cli.ts';

async function main(): Promise<void> {
  const settings = { ...readSettings(process.argv.slice(2), process.env), staticDir: undefined };
  const emulator = await startFromSettings(settings);
  // Vite exposes VITE_* variables from the environment to the SPA.
  process.env.VITE_SUPABASE_URL = emulator.url;
  process.env.VITE_SUPABASE_ANON_KEY = emulator.anonKey;
  const vite = await createServer({ server: { port: 5173, host: settings.host } });
  await vite.listen();
  console.log(describe(emulator, settings, vite.resolvedUrls?.local[0] ?? 'http://localhost:5173/'));
  stopOnSignals(async () => {
    await vite.close();
    await emulator.stop();
  });
}

main().catch((error: unknown) => {
  console.error('dev: could not start:', error);
  process.exit(1);
});
