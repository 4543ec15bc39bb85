import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ToastProvider } from '@/components/ui/toast';
import { AppRoutes } from './router';

/**
 * Providers and routes; the session lives under the organizer routes (see router.tsx).
 * The router itself comes from outside (a browser router in the page, a memory router in
 * tests), as does the query client, so tests can make their own.
 */
export function App({ router: Router, queryClient }: { router: (props: { children: ReactNode }) => ReactNode; queryClient: QueryClient }) {
  return (
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <Router>
          <AppRoutes />
        </Router>
      </ToastProvider>
    </QueryClientProvider>
  );
}
