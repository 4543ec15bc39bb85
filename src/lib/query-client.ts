import { QueryClient } from '@tanstack/react-query';
import { isNetworkError } from '@/lib/errors';

/** How many times a read that failed on the network is tried again, 1 s then 2 s later. */
export const NETWORK_RETRIES = 2;

/**
 * The app's one retry policy for reads: again after a network failure, never after an
 * answer (a refusal or an error is the same the second time). The REST clients do not
 * retry on their own (see `@/lib/supabase`), so a read that cannot reach the server says
 * so after about three seconds instead of spinning through two stacked retry loops.
 */
export function retryNetworkFailures(failureCount: number, error: unknown): boolean {
  return failureCount < NETWORK_RETRIES && isNetworkError(error);
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
