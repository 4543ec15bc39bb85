import { QueryClient } from '@tanstack/react-query';
import { isNetworkError } from '@/lib/network-error';

/** How many times a read that failed for a passing reason is tried again, 1 s then 2 s later. */
export const NETWORK_RETRIES = 2;

/**
 * PostgREST's own "try again" answers (503/504): it could not reach the database, its
 * schema cache is loading, or no pool connection came free in time.
 */
const POSTGREST_UNAVAILABLE = new Set(['PGRST000', 'PGRST001', 'PGRST002', 'PGRST003']);

/**
 * The app's one retry policy for reads: again after a network failure or PostgREST's
 * "unavailable", never after an answer (a refusal or an error is the same the second
 * time). The REST clients do not retry on their own (see `@/lib/supabase`), so a read
 * that cannot reach the server says so after about three seconds instead of spinning
 * through two stacked retry loops.
 */
export function retryNetworkFailures(failureCount: number, error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const passing = isNetworkError(error) || (typeof code === 'string' && POSTGREST_UNAVAILABLE.has(code));
  return failureCount < NETWORK_RETRIES && passing;
}

/**
 * Dashboard data is kept fresh by realtime invalidation, so a short stale time avoids
 * refetch storms on focus while staying correct when the socket is down.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 30_000, refetchOnWindowFocus: true, retry: retryNetworkFailures },
      mutations: { retry: false },
    },
  });
}

/**
 * Marks every query of one organization stale, whichever feature owns it: query keys are
 * `[feature, organizationId, …]` throughout the app. For writes whose effects reach other
 * features' figures (a refund, publishing an event).
 */
export function invalidateOrganization(queryClient: QueryClient, organizationId: string): Promise<void> {
  return queryClient.invalidateQueries({ predicate: (query) => query.queryKey[1] === organizationId });
}
