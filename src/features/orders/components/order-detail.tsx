import { useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button } from '@/components/ui/button';
import { NumberCell, numeric, TableHead } from '@/components/ui/table';
import { paths } from '@/config/paths';
import { formatDateTime, formatMoney, formatNumber } from '@/lib/format';
import { orderDetailQueryOptions, type OrderDetail as Detail } from '../api/get-order-detail';
import { RefundDialog } from './refund-dialog';
import { SelfReferralBadge } from './self-referral-badge';

/** Why an order is credited to nobody, in the organizer's words. */
const REASONS: Record<NonNullable<Detail['unattributed_reason']>, string> = {
  no_link: 'The buyer did not come through a promoter link.',
  unknown_link: 'The link the buyer came through is no longer known.',
  other_event: 'The buyer came through a promoter link of another event; links count only for their own event.',
  promoter_inactive: 'The buyer came through a promoter link that was deactivated before the purchase.',
  visit_limit: 'The buyer’s visit had already been credited with the most orders one visit can credit (3).',
  expired: 'The buyer came through a promoter link longer ago than the organization’s attribution window.',
  invalid_referral_code: 'The referral code typed at checkout belongs to no promoter of this event.',
  promoter_deleted: 'The promoter who was credited has since been deleted.',
};

/**
 * An order: buyer, items, status, the attribution trail, and the refund action for owners
 * and admins. Loads with a suspense query: render it under a panel boundary.
 */
export function OrderDetail({ organizationId, orderId, backTo }: { organizationId: string; orderId: string; backTo: string }) {
  const { data: o } = useSuspenseQuery(orderDetailQueryOptions(organizationId, orderId));
  const [refunding, setRefunding] = useState(false);

  return (
    <section className="card detail" aria-labelledby="order-title">
      <div className="detail__header">
        <div>
          <h2 id="order-title">Order {o.reference}</h2>
          <p className="muted">
            {formatDateTime(o.created_at)} · {o.event.name}
          </p>
        </div>
        <div className="detail__actions">
          <span className={`badge ${o.status === 'paid' ? 'badge--success' : ''}`}>{o.status === 'paid' ? 'Paid' : 'Refunded'}</span>
          {o.can_refund ? (
            <Button variant="danger" size="sm" onClick={() => setRefunding(true)}>
              Refund order
            </Button>
          ) : null}
          <Link className="btn btn--sm btn--ghost" to={backTo}>
            Close<span className="visually-hidden"> order {o.reference}</span>
          </Link>
        </div>
      </div>
      {o.status === 'refunded' && o.refunded_at ? <p>Refunded on {formatDateTime(o.refunded_at)}.</p> : null}

      <dl className="stat-grid">
        <div className="stat">
          <dt>Buyer</dt>
          <dd className="stat__text">{o.buyer_name}</dd>
        </div>
        <div className="stat">
          <dt>Email</dt>
          <dd className="stat__text">
            <a href={`mailto:${o.buyer_email}`}>{o.buyer_email}</a>
          </dd>
        </div>
        <div className="stat">
          <dt>Total</dt>
          <dd>{formatMoney(o.total_minor, o.currency)}</dd>
        </div>
      </dl>

      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">Tickets in this order</caption>
          <TableHead columns={['Ticket', numeric('Quantity'), numeric('Price')]} />
          <tbody>
            {o.items.map((item) => (
              <tr key={item.name}>
                <td>{item.name}</td>
                <NumberCell>{formatNumber(item.quantity)}</NumberCell>
                <NumberCell>{formatMoney(item.unit_price_minor, o.currency)}</NumberCell>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <section aria-labelledby="trail-title" className="trail">
        <h3 id="trail-title">Attribution</h3>
        {o.attribution ? (
          o.attribution.source === 'referral_code' || !o.attribution.visited_at ? (
            <p>
              Credited to <Link to={paths.promoter(o.attribution.promoter_id)}>{o.attribution.promoter_name}</Link> through the referral code{' '}
              <code>{o.attribution.promo_code}</code> typed at checkout. Source: referral code.
            </p>
          ) : (
            <p>
              Credited to <Link to={paths.promoter(o.attribution.promoter_id)}>{o.attribution.promoter_name}</Link> through the{' '}
              {o.attribution.source === 'qr' ? 'QR code of the link' : 'link'} with code <code>{o.attribution.promo_code}</code>, opened{' '}
              {formatDateTime(o.attribution.visited_at)}. Source: {o.attribution.source === 'qr' ? 'QR code' : 'link'}.
            </p>
          )
        ) : (
          <p>
            Not credited to a promoter.{' '}
            {o.unattributed_reason ? REASONS[o.unattributed_reason] : 'This order was placed before the reason was recorded.'}
          </p>
        )}
        {o.attribution?.self_referral ? (
          <p>
            <SelfReferralBadge /> The buyer’s email is the promoter’s own. <SelfReferralCount status={o.status} counted={o.attribution.counted} />
          </p>
        ) : null}
        {o.session_visits.length > 0 ? (
          <>
            <p className="muted">
              {o.session_visits.length === 1
                ? 'The buyer’s browser session opened this link before buying:'
                : `The buyer’s browser session opened ${formatNumber(o.session_visits.length)} links before buying; the last one opened for the event counts:`}
            </p>
            <ol className="trail__visits" aria-label="Links this session opened">
              {o.session_visits.map((visit) => (
                <li key={visit.visit_id}>
                  <span>
                    {formatDateTime(visit.visited_at)} · {visit.promoter_name} (<code>{visit.promo_code}</code>) · {visit.event_name}
                    {visit.source === 'qr' ? ' · QR code' : ''}
                  </span>{' '}
                  {visit.credited ? <span className="badge badge--success">Credited</span> : null}
                  {!visit.credited && visit.sent_with_order ? <span className="badge">Came with the order, not credited</span> : null}
                </li>
              ))}
            </ol>
          </>
        ) : null}
      </section>
      {refunding ? <RefundDialog order={o} onClose={() => setRefunding(false)} /> : null}
    </section>
  );
}

/** Whether a self-referral counts toward its promoter's figures, and why not. */
function SelfReferralCount({ status, counted }: { status: Detail['status']; counted: boolean }) {
  if (status === 'refunded') return <>It was refunded, so it no longer counts toward any figure.</>;
  if (counted) return <>It counts toward the promoter’s figures.</>;
  return (
    <>
      It does not count toward the promoter’s figures: the organization leaves self-referrals out (<Link to={paths.settings}>Settings</Link>).
    </>
  );
}
