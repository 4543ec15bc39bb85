import { Navigate, NavLink, Outlet, useNavigate } from 'react-router-dom';
import { Button } from '@/components/ui/button';
import { PanelError } from '@/components/ui/error-boundary';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useSignOut } from '@/features/auth/api/sign-out';
import { useSession } from '@/features/auth/components/session-provider';
import { useMyOrganizations, type Organization } from '@/features/organizations/api/get-my-organizations';
import { LeaveOrganizationButton } from '@/features/organizations/components/leave-organization-button';
import { OrganizationProvider } from '@/features/organizations/components/organization-provider';
import { LiveIndicator } from '@/features/realtime/components/live-indicator';
import { useLiveUpdates } from '../live-updates';

/** Resolves the organization (or sends the user to onboarding), then shows the shell. */
export function DashboardLayout() {
  const session = useSession();
  const userId = session.status === 'signed-in' ? session.session.user.id : '';
  const organizations = useMyOrganizations(userId);
  if (organizations.isPending) {
    return (
      <div className="center">
        <Spinner label="Loading your organization" />
      </div>
    );
  }
  if (organizations.isError) {
    return (
      <main className="main">
        <PanelError title="Your organization could not load" error={organizations.error} onRetry={() => void organizations.refetch()} />
      </main>
    );
  }
  const organization = organizations.data[0];
  if (!organization) return <Navigate to={paths.onboarding} replace />;
  return (
    <OrganizationProvider organization={organization}>
      <Shell organization={organization} userId={userId} />
    </OrganizationProvider>
  );
}

function Shell({ organization, userId }: { organization: Organization; userId: string }) {
  const status = useLiveUpdates(organization.id);
  const signOut = useSignOut();
  const navigate = useNavigate();
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
        </nav>
        <div className="topbar__end">
          <LiveIndicator status={status} />
          <span className="org-name">{organization.name}</span>
          <LeaveOrganizationButton organization={organization} userId={userId} />
          <Button size="sm" variant="ghost" loading={signOut.isPending} onClick={() => signOut.mutate(undefined, { onSuccess: () => navigate(paths.signIn) })}>
            Sign out
          </Button>
        </div>
      </header>
      <main className="main" id="main">
        <Outlet />
      </main>
    </div>
  );
}
