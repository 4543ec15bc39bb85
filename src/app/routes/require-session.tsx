import { Navigate, Outlet, useLocation } from 'react-router-dom';
import { PageSpinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useSession } from '@/features/auth/components/session-provider';

/** Routes below need a signed-in user; others are sent to sign in and brought back after. */
export function RequireSession() {
  const session = useSession();
  const location = useLocation();
  if (session.status === 'loading') {
    return <PageSpinner label="Checking your session" />;
  }
  if (session.status === 'signed-out') {
    return <Navigate to={paths.signIn} replace state={{ from: location.pathname + location.search }} />;
  }
  return <Outlet />;
}
