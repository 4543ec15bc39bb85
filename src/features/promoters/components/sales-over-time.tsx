import { useSuspenseQuery } from '@tanstack/react-query';
import { lazy, Suspense, useDeferredValue, useState } from 'react';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { Skeleton } from '@/components/ui/skeleton';
import { NumberCell, numeric, TableHead } from '@/components/ui/table';
import { formatDate, formatMoney, formatNumber } from '@/lib/format';
import { promoterTimeseriesQueryOptions } from '../api/get-promoter-timeseries';
import { bucketLabel, bucketSales, type Granularity, type SalesBucket } from '../lib/sales-buckets';

const SalesChart = lazy(() => import('./sales-chart'));

function describe(buckets: SalesBucket[], granularity: Granularity, currency: string): string {
  const tickets = buckets.reduce((sum, bucket) => sum + bucket.tickets, 0);
  const revenue = buckets.reduce((sum, bucket) => sum + bucket.revenue_minor, 0);
  const best = buckets.reduce<SalesBucket | undefined>((top, bucket) => (!top || bucket.tickets > top.tickets ? bucket : top), undefined);
  const unit = granularity === 'week' ? 'week' : 'day';
  const bestName = best ? `${granularity === 'week' ? 'week starting' : 'day'} ${formatDate(`${best.start}T00:00:00`)}` : '';
  const bestText = best && best.tickets > 0 ? `, best ${bestName} with ${formatNumber(best.tickets)}` : '';
  return `Tickets sold per ${unit}: ${formatNumber(tickets)} tickets and ${formatMoney(revenue, currency)} over ${buckets.length} ${unit}s${bestText}.`;
}

/** Sales over time: an area chart with a readable summary and the numbers as a table (a suspense query). */
export function SalesOverTime({
  organizationId,
  promoterId,
  from,
  to,
  currency,
}: {
  organizationId: string;
  promoterId: string;
  from: string;
  to: string;
  currency: string;
}) {
  // A new range keeps the current chart on screen until the new figures are here.
  const range = useDeferredValue(`${from}/${to}`);
  const [shownFrom, shownTo] = range.split('/');
  const series = useSuspenseQuery(promoterTimeseriesQueryOptions(organizationId, promoterId, shownFrom, shownTo));
  const [granularity, setGranularity] = useState<Granularity>('day');
  const buckets = bucketSales(series.data, granularity);
  const unit = granularity === 'week' ? 'week' : 'day';
  return (
    <section className="card" aria-labelledby="sales-title">
      <div className="card__header">
        <h3 id="sales-title">Sales over time</h3>
        <label className="inline-field">
          <span>Show per</span>
          <select className="select select--sm" value={granularity} onChange={(e) => setGranularity(e.target.value === 'week' ? 'week' : 'day')}>
            <option value="day">Day</option>
            <option value="week">Week</option>
          </select>
        </label>
      </div>
      <PanelErrorBoundary title="The chart could not be drawn">
        <Suspense fallback={<Skeleton height="16rem" />}>
          <SalesChart buckets={buckets} granularity={granularity} currency={currency} label={describe(buckets, granularity, currency)} />
        </Suspense>
      </PanelErrorBoundary>
      <details>
        <summary>Show as table</summary>
        <div className="table-wrap">
          <table className="table" aria-label={`Sales per ${unit}`}>
            <TableHead columns={[granularity === 'week' ? 'Week' : 'Day', numeric('Tickets'), numeric('Revenue'), numeric('Visits')]} />
            <tbody>
              {buckets
                .filter((bucket) => bucket.tickets > 0 || bucket.visits > 0)
                .map((bucket) => (
                  <tr key={bucket.start}>
                    <th scope="row">{bucketLabel(bucket, granularity)}</th>
                    <NumberCell>{formatNumber(bucket.tickets)}</NumberCell>
                    <NumberCell>{formatMoney(bucket.revenue_minor, currency)}</NumberCell>
                    <NumberCell>{formatNumber(bucket.visits)}</NumberCell>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
