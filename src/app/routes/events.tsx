import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { EventsPanel } from '@/features/events/components/events-panel';
import { useCurrentOrganization } from '@/features/organizations/components/organization-provider';

export function EventsRoute() {
  const organization = useCurrentOrganization();
  return (
    <PanelErrorBoundary title="Events could not load">
      <EventsPanel organizationId={organization.id} currency={organization.currency} />
    </PanelErrorBoundary>
  );
}
