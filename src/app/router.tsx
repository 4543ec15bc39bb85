import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { DocumentTitle } from '@/components/document-title';
import { NotFoundPage } from '@/components/not-found-page';
import { PageSpinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { RouteErrorBoundary } from './routes/route-error';

/**
 * Declarative routes (`<Routes>`), not the data router: the app loads its data with React
 * Query, so the data router's loaders, actions and fetchers would be code shipped in the
 * first download for nothing.
 *
 * Only the route table and the shell are in the first download. The public attendee
 * pages (what a promoter link opens) are chunks of their own that never pull in the
 * Supabase client with auth and realtime, nor any dashboard code: they talk to the REST
 * API through `@/lib/public-api`. Everything organizers use sits under the organizer area
 * (the session and the full client), whose chunk also holds the dashboard shell and the
 * promoters view, the first dashboard page; sign-in and sign-up, onboarding, events and
 * groups, orders, members and the invitation landing page are chunks fetched when their route
 * matches. The promoter portal (`/p/<secret>`) is public like the attendee pages: its
 * chunk holds the portal and loads the realtime client, chart.js and QR code only itself.
 */
const page = <Module,>(load: () => Promise<Module>, pick: (module: Module) => ComponentType) =>
  lazy(async () => ({ default: pick(await load()) }));

const OrganizerArea = page(() => import('./routes/organizer'), (module) => module.OrganizerArea);
const RequireSession = page(() => import('./routes/organizer'), (module) => module.RequireSession);
const DashboardLayout = page(() => import('./routes/organizer'), (module) => module.DashboardLayout);
const PromotersRoute = page(() => import('./routes/organizer'), (module) => module.PromotersRoute);
const SignInRoute = page(() => import('./routes/auth'), (module) => module.SignInRoute);
const SignUpRoute = page(() => import('./routes/auth'), (module) => module.SignUpRoute);
const ForgotPasswordRoute = page(() => import('./routes/auth'), (module) => module.ForgotPasswordRoute);
const ResetPasswordRoute = page(() => import('./routes/auth'), (module) => module.ResetPasswordRoute);
const AccountRoute = page(() => import('./routes/account'), (module) => module.AccountRoute);
const OnboardingRoute = page(() => import('./routes/onboarding'), (module) => module.OnboardingRoute);
const EventsRoute = page(() => import('./routes/events'), (module) => module.EventsRoute);
const GroupsRoute = page(() => import('./routes/groups'), (module) => module.GroupsRoute);
const MembersRoute = page(() => import('./routes/members'), (module) => module.MembersRoute);
const SettingsRoute = page(() => import('./routes/settings'), (module) => module.SettingsRoute);
const InvitationRoute = page(() => import('./routes/invitation'), (module) => module.InvitationRoute);
const OrdersRoute = page(() => import('./routes/orders'), (module) => module.OrdersRoute);
const PublicEventRoute = page(() => import('./routes/public/event'), (module) => module.default);
const CheckoutRoute = page(() => import('./routes/public/checkout'), (module) => module.default);
const OrderConfirmationRoute = page(() => import('./routes/public/order-confirmation'), (module) => module.default);
const PortalRoute = page(() => import('./routes/public/portal'), (module) => module.default);

/** Where a page's chunk is loading: inside the dashboard shell, so the shell stays put. */
function PageLoading({ children }: { children: ReactNode }) {
  return <Suspense fallback={<PageSpinner label="Loading page" />}>{children}</Suspense>;
}

/**
 * A page of the route table with its title, in the tab while the page's chunk still
 * loads. Pages named after what they show title themselves: the public event pages and
 * the portal use `PageLoading` alone; an open promoter (title null) keeps the promoters
 * view mounted and lets its panel name the promoter.
 */
function TitledPage({ title, children }: { title: string | null; children: ReactNode }) {
  return (
    <>
      {title === null ? null : <DocumentTitle title={title} />}
      <PageLoading>{children}</PageLoading>
    </>
  );
}

export function AppRoutes() {
  const location = useLocation();
  return (
    <RouteErrorBoundary resetKey={location.pathname}>
      <Routes>
        <Route path={paths.home} element={<Navigate to={paths.promoters} replace />} />
        <Route path="/events/:slug" element={<PageLoading><PublicEventRoute /></PageLoading>} />
        <Route path="/events/:slug/checkout" element={<PageLoading><CheckoutRoute /></PageLoading>} />
        <Route path="/events/:slug/orders/:reference" element={<PageLoading><OrderConfirmationRoute /></PageLoading>} />
        <Route path="/p/:secret" element={<PageLoading><PortalRoute /></PageLoading>} />
        <Route element={<PageLoading><OrganizerArea /></PageLoading>}>
          <Route path={paths.signIn} element={<TitledPage title="Sign in"><SignInRoute /></TitledPage>} />
          <Route path={paths.signUp} element={<TitledPage title="Create your account"><SignUpRoute /></TitledPage>} />
          <Route path={paths.forgotPassword} element={<TitledPage title="Forgot password"><ForgotPasswordRoute /></TitledPage>} />
          <Route path={paths.resetPassword} element={<TitledPage title="Set a new password"><ResetPasswordRoute /></TitledPage>} />
          <Route path="/invitations/:token" element={<TitledPage title="Invitation"><InvitationRoute /></TitledPage>} />
          <Route element={<PageLoading><RequireSession /></PageLoading>}>
            <Route path={paths.onboarding} element={<TitledPage title="Set up your organization"><OnboardingRoute /></TitledPage>} />
            <Route path={paths.dashboard} element={<PageLoading><DashboardLayout /></PageLoading>}>
              <Route index element={<Navigate to={paths.promoters} replace />} />
              <Route path="promoters" element={<TitledPage title="Promoters"><PromotersRoute /></TitledPage>} />
              <Route path="promoters/:promoterId" element={<TitledPage title={null}><PromotersRoute /></TitledPage>} />
              <Route path="events" element={<TitledPage title="Events"><EventsRoute /></TitledPage>} />
              <Route path="groups" element={<TitledPage title="Groups"><GroupsRoute /></TitledPage>} />
              <Route path="account" element={<TitledPage title="Account"><AccountRoute /></TitledPage>} />
              <Route path="orders" element={<TitledPage title="Orders"><OrdersRoute /></TitledPage>} />
              <Route path="orders/:orderId" element={<TitledPage title="Orders"><OrdersRoute /></TitledPage>} />
              <Route path="members" element={<TitledPage title="Members"><MembersRoute /></TitledPage>} />
              <Route path="settings" element={<TitledPage title="Settings"><SettingsRoute /></TitledPage>} />
            </Route>
          </Route>
        </Route>
        <Route path="*" element={<><DocumentTitle title="Page not found" /><NotFoundPage /></>} />
      </Routes>
    </RouteErrorBoundary>
  );
}
