import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { useSession } from '@/features/auth/components/session-provider';
import { MembersPanel } from '@/features/organizations/components/members-panel';
import { useCurrentOrganization } from '@/features/organizations/components/organization-provider';

export function MembersRoute() {
  const organization = useCurrentOrganization();
  const session = useSession();
  const userId = session.status === 'signed-in' ? session.session.user.id : '';
  return (
    <>
      <div className="page-header">
        <h1>Members</h1>
      </div>
      <p className="muted">
        Owners change roles and remove anyone; admins manage members and admins; everyone can leave. An organization always keeps one owner.
      </p>
      <PanelErrorBoundary title="Members could not load">
        <MembersPanel organization={organization} userId={userId} />
      </PanelErrorBoundary>
    </>
  );
}
