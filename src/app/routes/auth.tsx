import { Link, Navigate, useLocation, useNavigate } from 'react-router-dom';
import { paths } from '@/config/paths';
import { AuthForm } from '@/features/auth/components/auth-form';
import { useSession } from '@/features/auth/components/session-provider';

function useReturnTo(): string {
  const location = useLocation();
  const from = (location.state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/') ? from : paths.dashboard;
}

export function SignInRoute() {
  const navigate = useNavigate();
  const returnTo = useReturnTo();
  const session = useSession();
  if (session.status === 'signed-in') return <Navigate to={returnTo} replace />;
  return (
    <main className="auth">
      <div className="card auth__card">
        <AuthForm
          mode="sign-in"
          onDone={() => navigate(returnTo, { replace: true })}
          footer={
            <>
              <p className="muted">
                New here? <Link to={paths.signUp}>Create an account</Link>
              </p>
              <p className="auth__demo">
                Demo: <span className="mono">demo@example.com</span> / <span className="mono">demo-password</span>
              </p>
            </>
          }
        />
      </div>
    </main>
  );
}

export function SignUpRoute() {
  const navigate = useNavigate();
  const session = useSession();
  if (session.status === 'signed-in') return <Navigate to={paths.dashboard} replace />;
  return (
    <main className="auth">
      <div className="card auth__card">
        <AuthForm
          mode="sign-up"
          onDone={() => navigate(paths.onboarding, { replace: true })}
          footer={
            <p className="muted">
              Already have an account? <Link to={paths.signIn}>Sign in</Link>
            </p>
          }
        />
      </div>
    </main>
  );
}
