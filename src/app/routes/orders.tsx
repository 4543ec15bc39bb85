import { useLocation, useParams } from 'react-router-dom';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { paths } from '@/config/paths';
import { useCurrentOrganization } from '@/features/organizations/components/organization-provider';
import { OrdersPage } from '@/features/orders/components/orders-page';

/** /dashboard/orders and /dashboard/orders/:orderId (the list with that order open beside it). */
export function OrdersRoute() {
  const organization = useCurrentOrganization();
  const { orderId } = useParams();
  const { search } = useLocation();
  return (
    <PanelErrorBoundary title="Orders could not load" resetKeys={[organization.id]}>
      <OrdersPage organizationId={organization.id} orderId={orderId} orderHref={(id) => paths.order(id) + search} />
    </PanelErrorBoundary>
  );
}
