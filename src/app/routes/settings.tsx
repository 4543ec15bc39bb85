import type { ReactNode } from 'react';
import { useSuspenseQuery } from '@tanstack/react-query';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { PageHeader } from '@/components/ui/page-header';
import { SkeletonList } from '@/components/ui/skeleton';
import { useCurrentUserId } from '@/features/auth/components/session-provider';
import { membersQueryOptions } from '@/features/organizations/api/get-members';
import { AttributionSettingsPanel } from '@/features/organizations/components/attribution-settings-panel';
import { useCurrentOrganization } from '@/features/organizations/components/organization-provider';
import { PortalSettings } from '@/features/organizations/components/portal-settings';
import { SelfReferralSettings } from '@/features/organizations/components/self-referral-settings';

/** The organization's settings: one section per concern, one under the other. */
export function SettingsRoute() {
  const organization = useCurrentOrganization();
  const userId = useCurrentUserId();
  return (
    <>
      <PageHeader title="Settings" />
      <div className="settings-sections">
        <PanelErrorBoundary title="Attribution settings could not load">
          <AttributionSettingsPanel organization={organization} userId={userId} />
        </PanelErrorBoundary>
        <PanelErrorBoundary
          title="Portal settings could not load"
          loading={<SkeletonList rows={2} label="Loading portal settings" />}
          resetKeys={[organization.id]}
        >
          <RoleSection organizationId={organization.id} userId={userId} render={(canEdit) => <PortalSettings organizationId={organization.id} canEdit={canEdit} />} />
        </PanelErrorBoundary>
        <PanelErrorBoundary
          title="Self-referral settings could not load"
          loading={<SkeletonList rows={1} label="Loading self-referral settings" />}
          resetKeys={[organization.id]}
        >
          <RoleSection
            organizationId={organization.id}
            userId={userId}
            render={(canEdit) => <SelfReferralSettings organizationId={organization.id} canEdit={canEdit} />}
          />
        </PanelErrorBoundary>
      </div>
    </>
  );
}

/** A section that owners and admins edit and members read: waits for the caller's role. */
function RoleSection({ organizationId, userId, render }: { organizationId: string; userId: string; render: (canEdit: boolean) => ReactNode }) {
  const members = useSuspenseQuery(membersQueryOptions(organizationId));
  const myRole = members.data.find((member) => member.user_id === userId)?.role;
  return render(myRole === 'owner' || myRole === 'admin');
}
