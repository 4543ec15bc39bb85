import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ToastProvider } from '@/components/ui/toast';
import { SessionProvider } from '@/features/auth/components/session-provider';
import { AppRoutes } from './router';

/**
 * Providers and routes. The router itself comes from outside (a browser router in the
 * page, a memory router in tests), as does the query client, so tests can make their own.
 */
export function App({ router: Router, queryClient }: { router: (props: { children: ReactNode }) => ReactNode; queryClient: QueryClient }) {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <ToastProvider>
          <Router>
            <AppRoutes />
          </Router>
        </ToastProvider>
      </SessionProvider>
    </QueryClientProvider>
  );
}
