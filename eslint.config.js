import { readdirSync } from 'node:fs';
import { URL } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// One-way imports in src/: app → features → shared (components, lib, config). A feature
// never imports another feature or the app; shared code imports neither. Relative
// imports stay inside a feature (`../../` would leave it).
const features = readdirSync(new URL('./src/features/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const appImports = { group: ['@/app', '@/app/**'], message: 'Only src/app composes features into pages; nothing imports from it.' };

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'coverage', '.data', 'supabase/.build', 'bench/.work', 'tests/e2e/artifacts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Plain JavaScript run by node before anything is built (supabase/emulator/build.mjs).
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/components/**', 'src/lib/**', 'src/config/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            appImports,
            { group: ['@/features', '@/features/**'], message: 'Shared code (components, lib, config) does not depend on features.' },
            { group: ['../features/**', '../app/**', '../../features/**', '../../app/**'], message: 'Shared code does not depend on features or the app.' },
          ],
        },
      ],
    },
  },
  ...features.map((feature) => ({
    files: [`src/features/${feature}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            appImports,
            {
              group: ['@/features/**', `!@/features/${feature}`, `!@/features/${feature}/**`],
              message: `The ${feature} feature does not import other features: move what both need to src/lib or src/components, or compose them in src/app.`,
            },
            { group: ['../../*', '../../**'], message: 'Relative imports stay inside the feature; use @/lib, @/components or @/config for shared code.' },
          ],
        },
      ],
    },
  })),
  {
    // The emulator stays in small, separately testable functions, as the services it
    // stands in for are split.
    files: ['supabase/emulator/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 150 }] },
  },
  {
    // The same bound for the SPA and the edge handler.
    files: ['src/**/*.{ts,tsx}', 'edge/**/*.ts'],
    ignores: ['src/lib/database.types.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 150 }] },
  },
);
