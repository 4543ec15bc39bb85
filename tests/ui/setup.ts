import '@testing-library/jest-dom/vitest';
import { afterEach, beforeEach, vi } from 'vitest';
import { cleanup, configure } from '@testing-library/react';

// UI tests wait for conditions (a row, a badge, a number), never for time. How long a
// condition may take to hold is not something a test can know: a page needs a few
// requests to the emulator process, and a busy machine makes that seconds instead of
// milliseconds. The library's default of 1 s made findBy*/waitFor fail on a loaded
// machine, so every wait gets one generous limit here; passing waits return as soon
// as their condition holds, so this only bounds how long a real failure takes.
configure({ asyncUtilTimeout: 20_000 });

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
