import { QueryClient } from '@tanstack/react-query';

/**
 * Dashboard data is kept fresh by realtime invalidation, so a short stale time avoids
 * refetch storms on focus while staying correct when the socket is down.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 30_000, refetchOnWindowFocus: true, retry: 1 },
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
