/**
 * Builds the emulator's command line (cli.ts and everything it imports) into one plain
 * JavaScript file that `npm start` and `npm run emulator` run with node alone.
 *
 * Why: running the TypeScript through tsx keeps a loader thread with its own JavaScript
 * heap and the transformed sources for the life of the process, about 70–90 MiB resident
 * of an emulator that should stay under 250 (measured in docs/decisions/028). Building
 * takes well under a second, so it runs before every start and is never stale.
 *
 * The file sits in supabase/.build/, two levels below the project like the sources in
 * supabase/emulator/, so the paths the code takes from its own location (config.toml,
 * the migrations, dist/) stay the same. Packages are left to node_modules.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export const EMULATOR_ENTRY = fileURLToPath(new URL('./cli.ts', import.meta.url));
export const EMULATOR_BUNDLE = fileURLToPath(new URL('../.build/emulator.mjs', import.meta.url));

export async function buildEmulator() {
  await build({
    entryPoints: [EMULATOR_ENTRY],
    outfile: EMULATOR_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return EMULATOR_BUNDLE;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildEmulator().catch((error) => {
    console.error('emulator build failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
