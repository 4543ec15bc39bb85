import { DocumentTitle } from '@/components/document-title';
import { loadOrder } from '../lib/order-storage';
import { formatEventTime } from '../lib/format';
import { OrderLines } from './order-lines';
import { BackToEvent } from './states';
import './attendee.css';

const REFERENCE_PATTERN = /^PL-[0-9A-Z]{8}$/;

/**
 * The receipt after checkout. Attendees cannot read orders back from the database, so
 * the details come from this tab's sessionStorage, written when the order was placed.
 */
export function OrderConfirmationPage({ slug, reference }: { slug: string; reference: string }) {
  const validReference = REFERENCE_PATTERN.test(reference);
  const stored = validReference ? loadOrder(reference) : undefined;

  if (!stored || stored.eventSlug !== slug) {
    const heading = validReference ? `Order ${reference}` : 'Order not found';
    return (
      <main className="att-page">
        <section className="att-state" aria-labelledby="order-heading">
          <DocumentTitle title={heading} />
          <h1 id="order-heading">{heading}</h1>
          <p>
            {validReference
              ? 'The details of an order are only shown in the browser tab where it was placed.'
              : 'This is not a valid order reference. Please check the link you followed.'}
          </p>
          <BackToEvent slug={slug}>Go to the event page</BackToEvent>
        </section>
      </main>
    );
  }

  const { order } = stored;
  return (
    <main className="att-page">
      <section className="att-confirmation" aria-labelledby="order-heading">
        <DocumentTitle title={`Order ${order.reference} confirmed`} />
        <h1 id="order-heading">Thank you, your order is confirmed</h1>
        <p className="att-reference">
          Order reference <strong data-testid="order-reference">{order.reference}</strong>
        </p>
        <p>
          {order.ticket_count === 1 ? '1 ticket' : `${order.ticket_count} tickets`} for{' '}
          <strong>{stored.eventName}</strong>, <time dateTime={stored.startsAt}>{formatEventTime(stored.startsAt, null)}</time>
          {stored.venue ? `, ${stored.venue}` : ''}.
        </p>
        <p>
          Booked for {stored.buyerName} ({stored.buyerEmail}). Test mode: no payment was taken.
        </p>
        <section className="att-card" aria-labelledby="receipt-heading">
          <h2 id="receipt-heading">Receipt</h2>
          <OrderLines
            caption="Tickets in this order"
            currency={order.currency}
            lines={order.items.map((item) => ({
              id: item.ticket_type_id,
              name: item.name,
              quantity: item.quantity,
              unitPriceMinor: item.unit_price_minor,
            }))}
          />
        </section>
        <BackToEvent slug={stored.eventSlug}>Back to {stored.eventName}</BackToEvent>
      </section>
    </main>
  );
}
