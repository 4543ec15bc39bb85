import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { RouterProvider, type createBrowserRouter } from 'react-router-dom';
import { ToastProvider } from '@/components/ui/toast';
import { SessionProvider } from '@/features/auth/components/session-provider';

type Router = ReturnType<typeof createBrowserRouter>;

/** Providers around the router; the router and query client come from outside so tests can make their own. */
export function App({ router, queryClient }: { router: Router; queryClient: QueryClient }) {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <ToastProvider>
          <RouterProvider router={router} />
        </ToastProvider>
      </SessionProvider>
    </QueryClientProvider>
  );
}
