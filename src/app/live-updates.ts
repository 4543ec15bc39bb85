import { useQueryClient } from '@tanstack/react-query';
import { useToast } from '@/components/ui/toast';
import { eventKeys } from '@/features/events/api/keys';
import { groupKeys } from '@/features/groups/api/keys';
import { orderKeys } from '@/features/orders/api/keys';
import { promoterKeys } from '@/features/promoters/api/keys';
import { useOrganizationChannel, type LiveStatus } from '@/features/realtime/hooks/use-organization-channel';
import { formatMoney } from '@/lib/format';

/**
 * The one freshness mechanism for live numbers: an attribution broadcast invalidates the
 * queries it can have changed (summary, leaderboard, the promoter's detail with its chart
 * and links, group and event totals, orders); React Query refetches what is on screen. After a
 * gap in the channel (a rejoin, or a move to a new topic) everything live is refetched,
 * since messages sent meanwhile were missed.
 */
export function useLiveUpdates(organizationId: string): LiveStatus {
  const queryClient = useQueryClient();
  const toast = useToast();
  const refetchAll = () => {
    void queryClient.invalidateQueries({ queryKey: promoterKeys.organization(organizationId) });
    void queryClient.invalidateQueries({ queryKey: groupKeys.organization(organizationId) });
    void queryClient.invalidateQueries({ queryKey: eventKeys.performance(organizationId) });
    void queryClient.invalidateQueries({ queryKey: eventKeys.list(organizationId) });
    void queryClient.invalidateQueries({ queryKey: orderKeys.organization(organizationId) });
  };
  return useOrganizationChannel(organizationId, (message) => {
    void queryClient.invalidateQueries({ queryKey: promoterKeys.summaries(organizationId) });
    void queryClient.invalidateQueries({ queryKey: promoterKeys.lists(organizationId) });
    if (message.promoter_id) {
      void queryClient.invalidateQueries({ queryKey: promoterKeys.detail(organizationId, message.promoter_id) });
    }
    void queryClient.invalidateQueries({ queryKey: groupKeys.organization(organizationId) });
    void queryClient.invalidateQueries({ queryKey: eventKeys.performance(organizationId) });
    void queryClient.invalidateQueries({ queryKey: eventKeys.list(organizationId) });
    void queryClient.invalidateQueries({ queryKey: orderKeys.organization(organizationId) });
    if (message.kind === 'sale' && message.promoter_name) {
      const amount = message.revenue_minor != null && message.currency ? ` · ${formatMoney(message.revenue_minor, message.currency)}` : '';
      toast.show(`New sale via ${message.promoter_name}${amount}`, 'success');
    }
  }, refetchAll);
}
