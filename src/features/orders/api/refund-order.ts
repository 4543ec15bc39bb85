import { useMutation, useQueryClient } from '@tanstack/react-query';
import { eventKeys } from '@/features/events/api/keys';
import { groupKeys } from '@/features/groups/api/keys';
import { promoterKeys } from '@/features/promoters/api/keys';
import { supabase } from '@/lib/supabase';
import { orderKeys } from './keys';

/** Refunds an order (owners and admins; the database refuses anyone else). */
export async function refundOrder(orderId: string): Promise<void> {
  const { error } = await supabase.rpc('refund_order', { p_order_id: orderId });
  if (error) throw error;
}

export function useRefundOrder(organizationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: refundOrder,
    // The refund's broadcast refreshes other dashboards; this one refreshes at once.
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: orderKeys.organization(organizationId) }),
        queryClient.invalidateQueries({ queryKey: promoterKeys.organization(organizationId) }),
        queryClient.invalidateQueries({ queryKey: groupKeys.organization(organizationId) }),
        queryClient.invalidateQueries({ queryKey: eventKeys.organization(organizationId) }),
      ]),
  });
}
