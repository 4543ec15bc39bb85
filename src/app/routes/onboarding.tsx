import { Navigate, useNavigate } from 'react-router-dom';
import { PanelError } from '@/components/ui/error-boundary';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useSession } from '@/features/auth/components/session-provider';
import { useMyOrganizations } from '@/features/organizations/api/get-my-organizations';
import { OnboardingForm } from '@/features/organizations/components/onboarding-form';

export function OnboardingRoute() {
  const session = useSession();
  const userId = session.status === 'signed-in' ? session.session.user.id : '';
  const organizations = useMyOrganizations(userId);
  const navigate = useNavigate();
  if (organizations.isPending) {
    return (
      <div className="center">
        <Spinner label="Loading your organization" />
      </div>
    );
  }
  if (organizations.isError) return <PanelError title="Your organization could not load" error={organizations.error} onRetry={() => void organizations.refetch()} />;
  if (organizations.data.length > 0) return <Navigate to={paths.promoters} replace />;
  return (
    <main className="auth">
      <div className="card auth__card">
        <OnboardingForm onDone={() => navigate(paths.promoters, { replace: true })} />
      </div>
    </main>
  );
}
