import { useSuspenseQuery } from '@tanstack/react-query';
import { NumberCell, numeric, TableHead } from '@/components/ui/table';
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
          <TableHead columns={['Source', numeric('Visits'), numeric('Orders'), numeric('Tickets'), numeric('Revenue')]} />
          <tbody>
            {sources.data.map((row) => (
              <tr key={row.source}>
                <th scope="row">{SOURCE_LABELS[row.source]}</th>
                <NumberCell label="Visits">{row.source === 'referral_code' ? '—' : formatNumber(Number(row.visits))}</NumberCell>
                <NumberCell label="Orders">{formatNumber(Number(row.orders))}</NumberCell>
                <NumberCell label="Tickets">{formatNumber(Number(row.tickets))}</NumberCell>
                <NumberCell label="Revenue">{formatMoney(Number(row.revenue_minor), currency)}</NumberCell>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
