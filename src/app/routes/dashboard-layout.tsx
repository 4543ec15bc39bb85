import { useSuspenseQuery } from '@tanstack/react-query';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { Button } from '@/components/ui/button';
import { PanelError, PanelErrorBoundary } from '@/components/ui/error-boundary';
import { PageSpinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useSignOut } from '@/features/auth/api/sign-out';
import { useCurrentUserId } from '@/features/auth/components/session-provider';
import { myOrganizationsQueryOptions, type Organization } from '@/features/organizations/api/get-my-organizations';
import { LeaveOrganizationButton } from '@/features/organizations/components/leave-organization-button';
import { OrganizationProvider } from '@/features/organizations/components/organization-provider';
import { OrganizationSwitcher } from '@/features/organizations/components/organization-switcher';
import { useSelectedOrganization } from '@/features/organizations/hooks/use-selected-organization';
import { LiveIndicator } from '@/features/realtime/components/live-indicator';
import { useLiveUpdates } from '../live-updates';

/**
 * Resolves the organization (the one chosen last, else the oldest; or onboarding when
 * there is none), then shows the shell.
 */
export function DashboardLayout() {
  const userId = useCurrentUserId();
  return (
    <PanelErrorBoundary
      resetKeys={[userId]}
      loading={<PageSpinner label="Loading your organization" />}
      renderError={({ error, retry }) => (
        <main className="main">
          <PanelError title="Your organization could not load" error={error} onRetry={retry} />
        </main>
      )}
    >
      <Dashboard userId={userId} />
    </PanelErrorBoundary>
  );
}

function Dashboard({ userId }: { userId: string }) {
  const organizations = useSuspenseQuery(myOrganizationsQueryOptions(userId));
  const { organization, select } = useSelectedOrganization(userId, organizations.data);
  if (!organization) return <Navigate to={paths.onboarding} replace />;
  return (
    <OrganizationProvider organization={organization}>
      <Shell organization={organization} organizations={organizations.data} userId={userId} onSelect={select} />
    </OrganizationProvider>
  );
}

function Shell({
  organization,
  organizations,
  userId,
  onSelect,
}: {
  organization: Organization;
  organizations: Organization[];
  userId: string;
  onSelect: (organizationId: string) => void;
}) {
  const status = useLiveUpdates(organization.id);
  const signOut = useSignOut();
  const navigate = useNavigate();
  const location = useLocation();
  const switchTo = (organizationId: string) => {
    onSelect(organizationId);
    // A promoter's page belongs to the organization left behind; its list is the page to show.
    if (location.pathname.startsWith(`${paths.promoters}/`)) navigate(paths.promoters);
  };
  return (
    <div className="shell">
      <header className="topbar">
        <NavLink className="brand" to={paths.promoters}>
          Promoter Links
        </NavLink>
        <nav className="nav" aria-label="Dashboard">
          <NavLink to={paths.promoters}>Promoters</NavLink>
          <NavLink to={paths.events}>Events</NavLink>
          <NavLink to={paths.groups}>Groups</NavLink>
          <NavLink to={paths.orders}>Orders</NavLink>
          <NavLink to={paths.members}>Members</NavLink>
          <NavLink to={paths.settings}>Settings</NavLink>
        </nav>
        <div className="topbar__end">
          <LiveIndicator status={status} />
          <OrganizationSwitcher organizations={organizations} current={organization} onSelect={switchTo} />
          <LeaveOrganizationButton organization={organization} userId={userId} />
          <NavLink className="topbar__link" to={paths.account}>
            Account
          </NavLink>
          <Button size="sm" variant="ghost" loading={signOut.isPending} onClick={() => signOut.mutate(undefined, { onSuccess: () => navigate(paths.signIn) })}>
            Sign out
          </Button>
        </div>
      </header>
      {/* Keyed by organization: a switch starts every page afresh (filters, open dialogs). */}
      <main className="main" id="main" key={organization.id}>
        {/* A page that fails does so inside the shell, and navigating elsewhere starts afresh. */}
        <PanelErrorBoundary title="This page could not load" resetKeys={[location.pathname]}>
          <Outlet />
        </PanelErrorBoundary>
      </main>
    </div>
  );
}
