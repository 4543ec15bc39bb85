import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { useToast } from '@/components/ui/toast';
import { formatMoney, formatNumber } from '@/lib/format';
import { useRefundOrder } from '../api/refund-order';
import type { OrderDetail } from '../api/get-order-detail';

/** The one confirmation before a refund: what goes back, and that it cannot be undone. */
export function RefundDialog({ order, onClose }: { order: OrderDetail; onClose: () => void }) {
  const refund = useRefundOrder(order.organization_id);
  const toast = useToast();
  const tickets = order.ticket_count === 1 ? '1 ticket goes' : `${formatNumber(order.ticket_count)} tickets go`;
  return (
    <ConfirmDialog
      open
      title={`Refund order ${order.reference}?`}
      onClose={onClose}
      description={
        <p>
          {order.buyer_name} is refunded {formatMoney(order.total_minor, order.currency)}; {tickets} back on sale for {order.event.name}. The order stops
          counting in every figure. This cannot be undone.
        </p>
      }
      cancelLabel="Keep order"
      confirmLabel={`Refund ${formatMoney(order.total_minor, order.currency)}`}
      pending={refund.isPending}
      error={refund.error}
      onConfirm={() =>
        refund.mutate(order.id, {
          onSuccess: () => {
            toast.show(`Order ${order.reference} was refunded.`, 'success');
            onClose();
          },
        })
      }
    />
  );
}
