import { defineConfig, loadEnv, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { headersFile, securityHeaderRules } from './supabase/emulator/security-headers.ts';

/**
 * Emits `_headers` (CSP, frame, sniffing and referrer protections) next to the build,
 * allowing connections to VITE_SUPABASE_URL when the app is built for a hosted project.
 */
function securityHeaders(supabaseUrl: string | undefined): Plugin {
  return {
    name: 'promoter-links:security-headers',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: headersFile(securityHeaderRules({ supabaseUrl })) });
    },
  };
}

/**
 * A production build is for a hosted project: without its URL and anon key the app
 * would silently talk to the page's own origin with the public local key.
 */
function requireHostedProject(env: Record<string, string>): void {
  const missing = ['VITE_SUPABASE_URL', 'VITE_SUPABASE_ANON_KEY'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `A production build needs ${missing.join(' and ')} (the hosted Supabase project's API URL and anon key, ` +
        'in the environment or .env.production.local). To build for the local emulator, run `vite build --mode emulator`.',
    );
  }
}

/** The libraries every page of the SPA runs on. */
const FRAMEWORK_MODULES = /node_modules\/(react|react-dom|scheduler|react-router|react-router-dom|@tanstack\/[^/]+)\//;

export default defineConfig(({ command, mode }) => {
  const env = loadEnv(mode, process.cwd(), 'VITE_');
  if (command === 'build' && mode === 'production') requireHostedProject(env);
  return {
    plugins: [react(), securityHeaders(env.VITE_SUPABASE_URL || undefined)],
    resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
    server: { port: 5173 },
    // No source maps in the served build: they published the whole source.
    build: {
      outDir: 'dist',
      sourcemap: false,
      rolldownOptions: {
        output: {
          // React, React DOM, the router and React Query in one chunk that every page
          // loads: it changes only when they are upgraded, so it stays cached across
          // releases of the app, and one file compresses better than the handful of
          // shared pieces the bundler would otherwise cut from it.
          codeSplitting: { groups: [{ name: 'framework', test: FRAMEWORK_MODULES }] },
        },
      },
    },
  };
});
