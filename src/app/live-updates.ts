import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useToast } from '@/components/ui/toast';
import { eventKeys } from '@/features/events/api/keys';
import { groupKeys } from '@/features/groups/api/keys';
import { orderKeys } from '@/features/orders/api/keys';
import { organizationKeys } from '@/features/organizations/api/keys';
import { promoterKeys } from '@/features/promoters/api/keys';
import { useOrganizationChannel, type LiveStatus } from '@/features/realtime/hooks/use-organization-channel';
import { formatMoney } from '@/lib/format';

/**
 * The one freshness mechanism for live numbers: an attribution broadcast invalidates the
 * queries it can have changed (summary, leaderboard, the promoter's detail with its chart
 * and links, group and event totals, orders); React Query refetches what is on screen. After a
 * gap in the channel (a rejoin, or a move to a new topic) everything live is refetched,
 * since messages sent meanwhile were missed; so it is after a recount broadcast (the
 * organization changed what its figures count).
 */
export function useLiveUpdates(organizationId: string): LiveStatus {
  const queryClient = useQueryClient();
  const toast = useToast();
  const invalidate = (keys: readonly QueryKey[]) => keys.forEach((queryKey) => void queryClient.invalidateQueries({ queryKey }));
  // What any sale or refund can change, whichever promoter it credits.
  const totals = [groupKeys.organization(organizationId), eventKeys.performance(organizationId), eventKeys.list(organizationId), orderKeys.organization(organizationId)];
  // After a gap in the channel, or a change of what the figures count (the settings too).
  const refetchAll = () => invalidate([promoterKeys.organization(organizationId), organizationKeys.settings(organizationId), ...totals]);
  return useOrganizationChannel(organizationId, (message) => {
    const promoter = message.promoter_id ? [promoterKeys.detail(organizationId, message.promoter_id)] : [];
    invalidate([promoterKeys.summaries(organizationId), promoterKeys.lists(organizationId), ...promoter, ...totals]);
    if (message.kind === 'sale' && message.promoter_name) {
      const amount = message.revenue_minor != null && message.currency ? ` · ${formatMoney(message.revenue_minor, message.currency)}` : '';
      toast.show(`New sale via ${message.promoter_name}${amount}`, 'success');
    }
  }, refetchAll);
}
