import type { ErrorInfo } from 'react';
import type { RootOptions } from 'react-dom/client';

/**
 * The root's report of an error a boundary caught (`createRoot(…, { onCaughtError })`):
 * kept visible to developers as a warning, since the user already sees the boundary's
 * fallback. A failed read (the network, the API) is an expected state, not a crash;
 * React's default would log it as an error. Its own module, with no dependencies, as the
 * entry script imports it.
 */
export const reportCaughtError: NonNullable<RootOptions['onCaughtError']> = (error: unknown, info: ErrorInfo) => {
  console.warn('Caught by an error boundary:', error, info.componentStack);
};
