import { useSuspenseQuery } from '@tanstack/react-query';
import { Navigate, useNavigate } from 'react-router-dom';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useSession } from '@/features/auth/components/session-provider';
import { myOrganizationsQueryOptions } from '@/features/organizations/api/get-my-organizations';
import { OnboardingForm } from '@/features/organizations/components/onboarding-form';

export function OnboardingRoute() {
  const session = useSession();
  const userId = session.status === 'signed-in' ? session.session.user.id : '';
  return (
    <PanelErrorBoundary
      title="Your organization could not load"
      resetKeys={[userId]}
      loading={
        <div className="center">
          <Spinner label="Loading your organization" />
        </div>
      }
    >
      <Onboarding userId={userId} />
    </PanelErrorBoundary>
  );
}

function Onboarding({ userId }: { userId: string }) {
  const organizations = useSuspenseQuery(myOrganizationsQueryOptions(userId));
  const navigate = useNavigate();
  if (organizations.data.length > 0) return <Navigate to={paths.promoters} replace />;
  return (
    <main className="auth">
      <div className="card auth__card">
        <OnboardingForm onDone={() => navigate(paths.promoters, { replace: true })} />
      </div>
    </main>
  );
}
