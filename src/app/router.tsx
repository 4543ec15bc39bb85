import { Navigate, type RouteObject } from 'react-router-dom';
import { NotFoundPage } from '@/components/not-found-page';
import { paths } from '@/config/paths';
import { SignInRoute, SignUpRoute } from './routes/auth';
import { DashboardLayout } from './routes/dashboard-layout';
import { EventsRoute } from './routes/events';
import { GroupsRoute } from './routes/groups';
import { OnboardingRoute } from './routes/onboarding';
import { PromotersRoute } from './routes/promoters';
import { RequireSession } from './routes/require-session';
import { RouteError } from './routes/route-error';

type RouteModule = { default: React.ComponentType; ErrorBoundary?: React.ComponentType };
/** Public attendee pages are separate chunks: organizers never download them and vice versa. */
const lazyRoute = (load: () => Promise<RouteModule>) => async () => {
  const module = await load();
  return { Component: module.default, ...(module.ErrorBoundary ? { ErrorBoundary: module.ErrorBoundary } : {}) };
};

export const routes: RouteObject[] = [
  {
    errorElement: <RouteError />,
    children: [
      { path: paths.home, element: <Navigate to={paths.promoters} replace /> },
      { path: paths.signIn, element: <SignInRoute /> },
      { path: paths.signUp, element: <SignUpRoute /> },
      { path: '/events/:slug', lazy: lazyRoute(() => import('./routes/public/event')) },
      { path: '/events/:slug/checkout', lazy: lazyRoute(() => import('./routes/public/checkout')) },
      { path: '/events/:slug/orders/:reference', lazy: lazyRoute(() => import('./routes/public/order-confirmation')) },
      {
        element: <RequireSession />,
        children: [
          { path: paths.onboarding, element: <OnboardingRoute /> },
          {
            path: paths.dashboard,
            element: <DashboardLayout />,
            children: [
              { index: true, element: <Navigate to={paths.promoters} replace /> },
              { path: 'promoters', element: <PromotersRoute /> },
              { path: 'promoters/:promoterId', element: <PromotersRoute /> },
              { path: 'events', element: <EventsRoute /> },
              { path: 'groups', element: <GroupsRoute /> },
            ],
          },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
