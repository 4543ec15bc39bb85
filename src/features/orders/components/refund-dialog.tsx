import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import { errorMessage } from '@/lib/errors';
import { formatMoney, formatNumber } from '@/lib/format';
import { useRefundOrder } from '../api/refund-order';
import type { OrderDetail } from '../api/get-order-detail';

/** The one confirmation before a refund: what goes back, and that it cannot be undone. */
export function RefundDialog({ order, onClose }: { order: OrderDetail; onClose: () => void }) {
  const refund = useRefundOrder(order.organization_id);
  const toast = useToast();
  const tickets = order.ticket_count === 1 ? '1 ticket goes' : `${formatNumber(order.ticket_count)} tickets go`;
  return (
    <Dialog
      open
      role="alertdialog"
      size="sm"
      title={`Refund order ${order.reference}?`}
      onClose={onClose}
      description={
        <p>
          {order.buyer_name} is refunded {formatMoney(order.total_minor, order.currency)}; {tickets} back on sale for {order.event.name}. The order stops
          counting in every figure. This cannot be undone.
        </p>
      }
    >
      {refund.isError ? (
        <p className="form-error" role="alert">
          {errorMessage(refund.error)}
        </p>
      ) : null}
      <div className="form-actions">
        <Button onClick={onClose}>Keep order</Button>
        <Button
          variant="danger"
          loading={refund.isPending}
          onClick={() =>
            refund.mutate(order.id, {
              onSuccess: () => {
                toast.show(`Order ${order.reference} was refunded.`, 'success');
                onClose();
              },
            })
          }
        >
          Refund {formatMoney(order.total_minor, order.currency)}
        </Button>
      </div>
    </Dialog>
  );
}
