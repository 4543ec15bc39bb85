import { useSuspenseQuery } from '@tanstack/react-query';
import { formatMoney, formatNumber } from '@/lib/format';
import { promoterSourcesQueryOptions, type PromoterSourceRow } from '../api/get-promoter-sources';

const SOURCE_LABELS: Record<PromoterSourceRow['source'], string> = {
  link: 'Link',
  qr: 'QR code',
  referral_code: 'Referral code at checkout',
};

/** How the promoter's visits and sales came in: typed or tapped link, scanned QR code, or code at checkout. */
export function SourceSplit({ organizationId, promoterId, currency }: { organizationId: string; promoterId: string; currency: string }) {
  const sources = useSuspenseQuery(promoterSourcesQueryOptions(organizationId, promoterId));
  return (
    <section className="card" aria-labelledby="sources-title">
      <div className="card__header">
        <h3 id="sources-title">Link or QR code</h3>
      </div>
        <div className="table-wrap">
          <table className="table table--stack">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col" className="num">Visits</th>
                <th scope="col" className="num">Orders</th>
                <th scope="col" className="num">Tickets</th>
                <th scope="col" className="num">Revenue</th>
              </tr>
            </thead>
            <tbody>
              {sources.data.map((row) => (
                <tr key={row.source}>
                  <th scope="row">{SOURCE_LABELS[row.source]}</th>
                  <td data-label="Visits" className="num">
                    {row.source === 'referral_code' ? '—' : formatNumber(Number(row.visits))}
                  </td>
                  <td data-label="Orders" className="num">
                    {formatNumber(Number(row.orders))}
                  </td>
                  <td data-label="Tickets" className="num">
                    {formatNumber(Number(row.tickets))}
                  </td>
                  <td data-label="Revenue" className="num">
                    {formatMoney(Number(row.revenue_minor), currency)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
    </section>
  );
}
