import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../../src', import.meta.url));

// The long runs: contention on real Postgres (DATABASE_URL) or the embedded database,
// crash safety under kill -9, and hostile input at scale. `npm run test:stress`.
export default defineConfig({
  resolve: { alias: { '@': src } },
  test: {
    name: 'stress',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/stress/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
