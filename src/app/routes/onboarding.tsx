import { useSuspenseQuery } from '@tanstack/react-query';
import { Navigate, useNavigate } from 'react-router-dom';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { PageSpinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useCurrentUserId } from '@/features/auth/components/session-provider';
import { myOrganizationsQueryOptions } from '@/features/organizations/api/get-my-organizations';
import { OnboardingForm } from '@/features/organizations/components/onboarding-form';
import { AuthLayout } from './auth-layout';

export function OnboardingRoute() {
  const userId = useCurrentUserId();
  return (
    <PanelErrorBoundary
      title="Your organization could not load"
      resetKeys={[userId]}
      loading={<PageSpinner label="Loading your organization" />}
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
    <AuthLayout>
      <OnboardingForm onDone={() => navigate(paths.promoters, { replace: true })} />
    </AuthLayout>
  );
}
