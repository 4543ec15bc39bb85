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
