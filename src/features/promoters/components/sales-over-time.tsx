import { lazy, Suspense } from 'react';
import { PanelError, PanelErrorBoundary } from '@/components/ui/error-boundary';
import { Skeleton } from '@/components/ui/skeleton';
import { formatDate, formatMoney, formatNumber } from '@/lib/format';
import { usePromoterTimeseries, type SalesDay } from '../api/get-promoter-timeseries';

const SalesChart = lazy(() => import('./sales-chart'));

function describe(days: SalesDay[], currency: string): string {
  const tickets = days.reduce((sum, day) => sum + day.tickets, 0);
  const revenue = days.reduce((sum, day) => sum + day.revenue_minor, 0);
  const best = days.reduce<SalesDay | undefined>((top, day) => (!top || day.tickets > top.tickets ? day : top), undefined);
  const bestText = best && best.tickets > 0 ? `, best day ${formatDate(`${best.day}T00:00:00`)} with ${formatNumber(best.tickets)}` : '';
  return `Tickets sold per day: ${formatNumber(tickets)} tickets and ${formatMoney(revenue, currency)} over ${days.length} days${bestText}.`;
}

/** Sales over time: an area chart with a readable summary and the numbers as a table. */
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
  const series = usePromoterTimeseries(organizationId, promoterId, from, to);
  return (
    <section className="card" aria-labelledby="sales-title">
      <div className="card__header">
        <h3 id="sales-title">Sales over time</h3>
      </div>
      {series.isPending ? (
        <Skeleton height="16rem" />
      ) : series.isError ? (
        <PanelError title="Sales could not load" error={series.error} onRetry={() => void series.refetch()} />
      ) : (
        <>
          <PanelErrorBoundary title="The chart could not be drawn">
            <Suspense fallback={<Skeleton height="16rem" />}>
              <SalesChart days={series.data} currency={currency} label={describe(series.data, currency)} />
            </Suspense>
          </PanelErrorBoundary>
          <details>
            <summary>Show as table</summary>
            <div className="table-wrap">
              <table className="table" aria-label="Sales per day">
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    <th scope="col" className="num">Tickets</th>
                    <th scope="col" className="num">Revenue</th>
                    <th scope="col" className="num">Visits</th>
                  </tr>
                </thead>
                <tbody>
                  {series.data
                    .filter((day) => day.tickets > 0 || day.visits > 0)
                    .map((day) => (
                      <tr key={day.day}>
                        <th scope="row">{formatDate(`${day.day}T00:00:00`)}</th>
                        <td className="num">{formatNumber(day.tickets)}</td>
                        <td className="num">{formatMoney(day.revenue_minor, currency)}</td>
                        <td className="num">{formatNumber(day.visits)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
