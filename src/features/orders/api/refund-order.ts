import { useMutation, useQueryClient } from '@tanstack/react-query';
import { invalidateOrganization } from '@/lib/query-client';
import { supabase } from '@/lib/supabase';
import { withSettledCacheUpdate, type MutationOptionsOf } from '@/lib/mutation-options';

/** Refunds an order (owners and admins; the database refuses anyone else). */
export async function refundOrder(orderId: string): Promise<void> {
  const { error } = await supabase.rpc('refund_order', { p_order_id: orderId });
  if (error) throw error;
}

export function useRefundOrder(organizationId: string, options: MutationOptionsOf<typeof refundOrder> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    // The refund's broadcast refreshes other dashboards; this one refreshes at once.
    // Orders, promoters, groups and events all show what a refund changes.
    ...withSettledCacheUpdate(options, () => invalidateOrganization(queryClient, organizationId)),
    mutationFn: refundOrder,
  });
}
