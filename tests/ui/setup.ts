import '@testing-library/jest-dom/vitest';
import { afterEach, beforeEach, vi } from 'vitest';
import { cleanup } from '@testing-library/react';

// A console error in a UI test is a bug unless the test says it expects one
// (by spying on console.error itself).
let errors: unknown[][] = [];
beforeEach(() => {
  errors = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    errors.push(args);
  });
});
afterEach(() => {
  cleanup();
  const seen = errors;
  vi.restoreAllMocks();
  if (seen.length > 0) {
    throw new Error(`Unexpected console.error in test:\n${seen.map((a) => a.map(String).join(' ')).join('\n')}`);
  }
});
