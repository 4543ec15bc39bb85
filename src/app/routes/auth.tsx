import { Link, Navigate, useLocation, useNavigate } from 'react-router-dom';
import { FormError } from '@/components/ui/form-error';
import { PageSpinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { AuthForm } from '@/features/auth/components/auth-form';
import { ForgotPasswordForm } from '@/features/auth/components/forgot-password-form';
import { NewPasswordForm } from '@/features/auth/components/new-password-form';
import { useSession } from '@/features/auth/components/session-provider';
import { AuthLayout } from './auth-layout';

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
    <AuthLayout>
      <AuthForm
        mode="sign-in"
        onDone={() => navigate(returnTo, { replace: true })}
        footer={
          <>
            <p className="muted">
              <Link to={paths.forgotPassword}>Forgot password?</Link>
            </p>
            <p className="muted">
              New here? <Link to={paths.signUp}>Create an account</Link>
            </p>
            <p className="auth__demo">
              Demo: <span className="mono">demo@example.com</span> / <span className="mono">demo-password</span>
            </p>
          </>
        }
      />
    </AuthLayout>
  );
}

export function SignUpRoute() {
  const navigate = useNavigate();
  const session = useSession();
  if (session.status === 'signed-in') return <Navigate to={paths.dashboard} replace />;
  return (
    <AuthLayout>
      <AuthForm
        mode="sign-up"
        onDone={() => navigate(paths.onboarding, { replace: true })}
        footer={
          <p className="muted">
            Already have an account? <Link to={paths.signIn}>Sign in</Link>
          </p>
        }
      />
    </AuthLayout>
  );
}

export function ForgotPasswordRoute() {
  return (
    <AuthLayout>
      <ForgotPasswordForm
        footer={
          <p className="muted">
            Remembered it? <Link to={paths.signIn}>Sign in</Link>
          </p>
        }
      />
    </AuthLayout>
  );
}

/**
 * Where the emailed reset link lands: the link has signed the user in (supabase-js reads
 * the session from the address), so the new password is a plain password update. A used
 * or expired link arrives signed out.
 */
export function ResetPasswordRoute() {
  const navigate = useNavigate();
  const session = useSession();
  if (session.status === 'loading') {
    return <PageSpinner label="Checking your link" />;
  }
  return (
    <AuthLayout>
      {session.status === 'signed-in' ? (
        <NewPasswordForm title="Set a new password" onDone={() => navigate(paths.dashboard, { replace: true })} />
      ) : (
        <div className="form">
          <h1>Set a new password</h1>
          <FormError>This link is invalid or has expired. Links work once, within an hour.</FormError>
          <p className="muted">
            <Link to={paths.forgotPassword}>Send a new link</Link> or <Link to={paths.signIn}>sign in</Link>.
          </p>
        </div>
      )}
    </AuthLayout>
  );
}
