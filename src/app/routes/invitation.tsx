import { useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Button } from '@/components/ui/button';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { FormError } from '@/components/ui/form-error';
import { PageSpinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useSignOut } from '@/features/auth/api/sign-out';
import { AuthForm } from '@/features/auth/components/auth-form';
import { useCurrentUserId, useSession } from '@/features/auth/components/session-provider';
import { useAcceptInvitation } from '@/features/organizations/api/accept-invitation';
import { invitationPreviewQueryOptions, type InvitationPreview } from '@/features/organizations/api/invitation-preview';
import { rememberOrganization } from '@/features/organizations/hooks/use-selected-organization';
import { AuthLayout } from './auth-layout';

/**
 * /invitations/:token — what the invitation offers; sign in or create an account with
 * the invited address, then accept: the dashboard opens in the new organization.
 */
export function InvitationRoute() {
  const { token = '' } = useParams();
  return (
    <AuthLayout>
      <PanelErrorBoundary
        title="The invitation could not load"
        resetKeys={[token]}
        loading={<PageSpinner label="Loading the invitation" />}
      >
        <InvitationPreviewed token={token} />
      </PanelErrorBoundary>
    </AuthLayout>
  );
}

function InvitationPreviewed({ token }: { token: string }) {
  const preview = useSuspenseQuery(invitationPreviewQueryOptions(token));
  return preview.data === null ? (
    <div className="form">
      <h1>This invitation link is not valid</h1>
      <p>
        It may have expired (links are valid for 7 days), been revoked or replaced by a newer link, or already been used. Ask the person who
        invited you for a new link.
      </p>
      <p className="muted">
        <Link to={paths.dashboard}>Go to your dashboard</Link>
      </p>
    </div>
  ) : (
    <Invitation token={token} invitation={preview.data} />
  );
}

const ROLE = { admin: 'an admin', member: 'a member' } as const;

function Invitation({ token, invitation }: { token: string; invitation: InvitationPreview }) {
  const session = useSession();
  const navigate = useNavigate();
  const signOut = useSignOut();
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>('sign-up');
  const userId = useCurrentUserId();
  const accept = useAcceptInvitation({
    onSuccess: (accepted) => {
      rememberOrganization(userId, accepted.organization_id);
      navigate(paths.promoters, { replace: true });
    },
  });

  const intro = (
    <>
      <h1>Join {invitation.organization_name}</h1>
      <p>
        {invitation.invited_by ? `${invitation.invited_by} invited you` : 'You are invited'} to join <strong>{invitation.organization_name}</strong> as{' '}
        {ROLE[invitation.role]}.
      </p>
      <p className="muted">
        The invitation is for <strong>{invitation.email}</strong>.
      </p>
    </>
  );

  if (session.status === 'loading') {
    return <PageSpinner label="Checking your session" />;
  }

  if (session.status === 'signed-out') {
    return (
      <div className="form">
        {intro}
        <AuthForm
          key={mode}
          mode={mode}
          title={mode === 'sign-up' ? 'Create your account to accept' : 'Sign in to accept'}
          initialEmail={invitation.email}
          // Signed in: this page shows the Accept button.
          onDone={() => undefined}
          footer={
            <p className="muted">
              {mode === 'sign-up' ? 'Already have an account? ' : 'New here? '}
              <Button size="sm" variant="ghost" onClick={() => setMode(mode === 'sign-up' ? 'sign-in' : 'sign-up')}>
                {mode === 'sign-up' ? 'Sign in instead' : 'Create an account instead'}
              </Button>
            </p>
          }
        />
      </div>
    );
  }

  const signedInAs = session.session.user.email ?? '';
  const matches = signedInAs.toLowerCase() === invitation.email.toLowerCase();
  return (
    <div className="form">
      {intro}
      <FormError error={accept.error} />
      {matches ? (
        <Button variant="primary" loading={accept.isPending} onClick={() => accept.mutate(token)}>
          Accept invitation
        </Button>
      ) : (
        <>
          <FormError>
            You are signed in as {signedInAs}. This invitation is for {invitation.email}: sign out, then sign in or create an account with that address.
          </FormError>
          <Button loading={signOut.isPending} onClick={() => signOut.mutate()}>
            Sign out
          </Button>
        </>
      )}
    </div>
  );
}
