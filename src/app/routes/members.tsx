import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { PageHeader } from '@/components/ui/page-header';
import { useCurrentUserId } from '@/features/auth/components/session-provider';
import { MembersPanel } from '@/features/organizations/components/members-panel';
import { useCurrentOrganization } from '@/features/organizations/components/organization-provider';

export function MembersRoute() {
  const organization = useCurrentOrganization();
  const userId = useCurrentUserId();
  return (
    <>
      <PageHeader title="Members" />
      <p className="muted">
        Owners change roles and remove anyone; admins manage members and admins; everyone can leave. An organization always keeps one owner.
      </p>
      <PanelErrorBoundary title="Members could not load">
        <MembersPanel organization={organization} userId={userId} />
      </PanelErrorBoundary>
    </>
  );
}
