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

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), 'VITE_');
  return {
    plugins: [react(), securityHeaders(env.VITE_SUPABASE_URL || undefined)],
    resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
    server: { port: 5173 },
    // No source maps in the served build: they published the whole source.
    build: { outDir: 'dist', sourcemap: false },
  };
});
