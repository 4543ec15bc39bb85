import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('./src', import.meta.url));

// One run, three suites: the database (SQL through the platform roles), the API
// (the emulator driven by the real supabase-js client) and the UI (React against the
// in-process emulator). Each file gets its own fresh database.
export default defineConfig({
  resolve: { alias: { '@': src } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'db', include: ['tests/db/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: { name: 'api', include: ['tests/api/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: { name: 'security', include: ['tests/security/**/*.test.ts'], environment: 'node' },
      },
      {
        // The benchmark's report and limit functions: plain functions, no database.
        extends: true,
        test: { name: 'bench', include: ['bench/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        plugins: [react()],
        test: {
          name: 'ui',
          include: ['tests/ui/**/*.test.{ts,tsx}', 'src/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          // Room for several waits of up to 20 s each (tests/ui/setup.ts) on a busy machine.
          testTimeout: 90_000,
          setupFiles: ['tests/ui/setup.ts'],
        },
      },
    ],
  },
});
