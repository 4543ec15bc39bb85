import { useQueryClient } from '@tanstack/react-query';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { PageHeader } from '@/components/ui/page-header';
import { GroupsPanel } from '@/features/groups/components/groups-panel';
import { useCurrentOrganization } from '@/features/organizations/components/organization-provider';
import { promoterKeys } from '@/features/promoters/api/keys';

export function GroupsRoute() {
  const organization = useCurrentOrganization();
  const queryClient = useQueryClient();
  return (
    <>
      <PageHeader title="Groups" />
      <p className="muted">Assign promoters to groups from their page or when adding them. Deleting a group keeps its promoters.</p>
      <PanelErrorBoundary title="Groups could not load">
        <GroupsPanel
          organizationId={organization.id}
          currency={organization.currency}
          onChanged={() => void queryClient.invalidateQueries({ queryKey: promoterKeys.organization(organization.id) })}
        />
      </PanelErrorBoundary>
    </>
  );
}
