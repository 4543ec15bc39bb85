import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { useSession } from '@/features/auth/components/session-provider';
import { useMembers } from '@/features/organizations/api/get-members';
import { AttributionSettingsPanel } from '@/features/organizations/components/attribution-settings-panel';
import { useCurrentOrganization } from '@/features/organizations/components/organization-provider';
import { PortalSettings } from '@/features/organizations/components/portal-settings';
import { SelfReferralSettings } from '@/features/organizations/components/self-referral-settings';

/** The organization's settings: one section per concern, one under the other. */
export function SettingsRoute() {
  const organization = useCurrentOrganization();
  const session = useSession();
  const userId = session.status === 'signed-in' ? session.session.user.id : '';
  const members = useMembers(organization.id);
  const myRole = members.data?.find((member) => member.user_id === userId)?.role;
  return (
    <>
      <div className="page-header">
        <h1>Settings</h1>
      </div>
      <div className="settings-sections">
        <PanelErrorBoundary title="Attribution settings could not load">
          <AttributionSettingsPanel organization={organization} userId={userId} />
        </PanelErrorBoundary>
        {members.data ? (
          <PanelErrorBoundary title="Portal settings could not load">
            <PortalSettings organizationId={organization.id} canEdit={myRole === 'owner' || myRole === 'admin'} />
          </PanelErrorBoundary>
        ) : null}
        {members.data ? (
          <PanelErrorBoundary title="Self-referral settings could not load">
            <SelfReferralSettings organizationId={organization.id} canEdit={myRole === 'owner' || myRole === 'admin'} />
          </PanelErrorBoundary>
        ) : null}
      </div>
    </>
  );
}
