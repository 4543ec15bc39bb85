import { SkeletonList } from '@/components/ui/skeleton';
import { formatMoney } from '@/lib/format';
import { usePromoterSources, type PromoterSourceRow } from '../api/get-promoter-sources';

const SOURCE_LABELS: Record<PromoterSourceRow['source'], string> = {
  link: 'Link',
  qr: 'QR code',
  referral_code: 'Referral code at checkout',
};

/** How the promoter's visits and sales came in: typed or tapped link, scanned QR code, or code at checkout. */
export function SourceSplit({ organizationId, promoterId, currency }: { organizationId: string; promoterId: string; currency: string }) {
  const sources = usePromoterSources(organizationId, promoterId);
  return (
    <section className="card" aria-labelledby="sources-title">
      <div className="card__header">
        <h3 id="sources-title">Link or QR code</h3>
      </div>
      {sources.isPending ? (
        <SkeletonList rows={3} label="Loading sources" />
      ) : sources.isError ? (
        <p className="muted">The split by source could not load.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Visits</th>
                <th scope="col">Orders</th>
                <th scope="col">Tickets</th>
                <th scope="col">Revenue</th>
              </tr>
            </thead>
            <tbody>
              {sources.data.map((row) => (
                <tr key={row.source}>
                  <th scope="row">{SOURCE_LABELS[row.source]}</th>
                  <td>{row.source === 'referral_code' ? '—' : Number(row.visits)}</td>
                  <td>{Number(row.orders)}</td>
                  <td>{Number(row.tickets)}</td>
                  <td>{formatMoney(Number(row.revenue_minor), currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
