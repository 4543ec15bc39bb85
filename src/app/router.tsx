import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { NotFoundPage } from '@/components/not-found-page';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { DashboardLayout } from './routes/dashboard-layout';
import { PromotersRoute } from './routes/promoters';
import { RequireSession } from './routes/require-session';
import { RouteErrorBoundary } from './routes/route-error';

/**
 * Declarative routes (`<Routes>`), not the data router: the app loads its data with React
 * Query, so the data router's loaders, actions and fetchers would be code shipped in the
 * first download for nothing.
 *
 * The first load serves the promoters view. Every other page (sign-in and sign-up,
 * onboarding, events, groups, orders, and the public attendee pages, which organizers never
 * open) is its own chunk, fetched when its route matches.
 */
const page = <Module,>(load: () => Promise<Module>, pick: (module: Module) => ComponentType) =>
  lazy(async () => ({ default: pick(await load()) }));

const SignInRoute = page(() => import('./routes/auth'), (module) => module.SignInRoute);
const SignUpRoute = page(() => import('./routes/auth'), (module) => module.SignUpRoute);
const OnboardingRoute = page(() => import('./routes/onboarding'), (module) => module.OnboardingRoute);
const EventsRoute = page(() => import('./routes/events'), (module) => module.EventsRoute);
const GroupsRoute = page(() => import('./routes/groups'), (module) => module.GroupsRoute);
const OrdersRoute = page(() => import('./routes/orders'), (module) => module.OrdersRoute);
const PublicEventRoute = page(() => import('./routes/public/event'), (module) => module.default);
const CheckoutRoute = page(() => import('./routes/public/checkout'), (module) => module.default);
const OrderConfirmationRoute = page(() => import('./routes/public/order-confirmation'), (module) => module.default);

/** Where a page's chunk is loading: inside the dashboard shell, so the shell stays put. */
function PageLoading({ children }: { children: ReactNode }) {
  return (
    <Suspense
      fallback={
        <div className="center">
          <Spinner label="Loading page" />
        </div>
      }
    >
      {children}
    </Suspense>
  );
}

export function AppRoutes() {
  const location = useLocation();
  return (
    <RouteErrorBoundary resetKey={location.pathname}>
      <Routes>
        <Route path={paths.home} element={<Navigate to={paths.promoters} replace />} />
        <Route path={paths.signIn} element={<PageLoading><SignInRoute /></PageLoading>} />
        <Route path={paths.signUp} element={<PageLoading><SignUpRoute /></PageLoading>} />
        <Route path="/events/:slug" element={<PageLoading><PublicEventRoute /></PageLoading>} />
        <Route path="/events/:slug/checkout" element={<PageLoading><CheckoutRoute /></PageLoading>} />
        <Route path="/events/:slug/orders/:reference" element={<PageLoading><OrderConfirmationRoute /></PageLoading>} />
        <Route element={<RequireSession />}>
          <Route path={paths.onboarding} element={<PageLoading><OnboardingRoute /></PageLoading>} />
          <Route path={paths.dashboard} element={<DashboardLayout />}>
            <Route index element={<Navigate to={paths.promoters} replace />} />
            <Route path="promoters" element={<PromotersRoute />} />
            <Route path="promoters/:promoterId" element={<PromotersRoute />} />
            <Route path="events" element={<PageLoading><EventsRoute /></PageLoading>} />
            <Route path="groups" element={<PageLoading><GroupsRoute /></PageLoading>} />
            <Route path="orders" element={<PageLoading><OrdersRoute /></PageLoading>} />
            <Route path="orders/:orderId" element={<PageLoading><OrdersRoute /></PageLoading>} />
          </Route>
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </RouteErrorBoundary>
  );
}
