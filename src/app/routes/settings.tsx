import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { useSession } from '@/features/auth/components/session-provider';
import { AttributionSettingsPanel } from '@/features/organizations/components/attribution-settings-panel';
import { useCurrentOrganization } from '@/features/organizations/components/organization-provider';

/** The organization's settings: one section per concern, one under the other. */
export function SettingsRoute() {
  const organization = useCurrentOrganization();
  const session = useSession();
  const userId = session.status === 'signed-in' ? session.session.user.id : '';
  return (
    <>
      <div className="page-header">
        <h1>Settings</h1>
      </div>
      <div className="settings-sections">
        <PanelErrorBoundary title="Attribution settings could not load">
          <AttributionSettingsPanel organization={organization} userId={userId} />
        </PanelErrorBoundary>
      </div>
    </>
  );
}
