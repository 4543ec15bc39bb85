import { useState } from 'react';
import { useSession } from '@/features/auth/components/session-provider';
import { NewPasswordForm } from '@/features/auth/components/new-password-form';
import { PageHeader } from '@/components/ui/page-header';

/** The signed-in organizer's account: who they are signed in as, and a new password. */
export function AccountRoute() {
  const session = useSession();
  const [changed, setChanged] = useState(0);
  const email = session.status === 'signed-in' ? session.session.user.email : undefined;
  return (
    <>
      <PageHeader title="Account" />
      {email ? (
        <p className="muted">
          Signed in as <strong>{email}</strong>
        </p>
      ) : null}
      <div className="card account-card">
        {changed > 0 ? (
          <p role="status">Your password was changed. Other devices signed in to this account were signed out.</p>
        ) : null}
        {/* A new form after each change, so the fields start empty again. */}
        <NewPasswordForm key={changed} title="Change password" headingLevel={2} onDone={() => setChanged((count) => count + 1)} />
      </div>
    </>
  );
}
