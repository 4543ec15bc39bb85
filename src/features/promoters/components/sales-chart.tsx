import { CategoryScale, Chart as ChartJS, Filler, LinearScale, LineElement, PointElement, Tooltip } from 'chart.js';
import { Line } from 'react-chartjs-2';
import { axisDayLabel, countsPerDayOptions } from '@/components/ui/chart-options';
import { formatMoney, formatNumber } from '@/lib/format';
import { bucketLabel, type Granularity, type SalesBucket } from '../lib/sales-buckets';

ChartJS.register(CategoryScale, LinearScale, PointElement, LineElement, Filler, Tooltip);

/**
 * The area chart itself; loaded lazily so chart.js is not part of the first load.
 *
 * Sales come in spikes (a post goes out, a day sells fifty, the next day none), so the
 * curve is monotone: it bends between points but never overshoots them, in particular
 * never dips below zero or above a peak the way a plain tensioned curve does. The area
 * fills down to a zero baseline, so heights compare honestly.
 */
export default function SalesChart({
  buckets,
  granularity,
  currency,
  label,
}: {
  buckets: SalesBucket[];
  granularity: Granularity;
  currency: string;
  label: string;
}) {
  return (
    <div className="chart-box">
      <Line
        aria-label={label}
        role="img"
        data={{
          labels: buckets.map((bucket) => axisDayLabel(bucket.start)),
          datasets: [
            {
              label: 'Tickets',
              data: buckets.map((bucket) => bucket.tickets),
              fill: 'origin',
              cubicInterpolationMode: 'monotone',
              borderColor: '#4f46e5',
              borderWidth: 2,
              backgroundColor: 'rgba(79, 70, 229, 0.15)',
              // Few points: show them, so a lone sale day is a visible dot, not a sliver.
              pointRadius: buckets.length <= 31 ? 2 : 0,
              pointHoverRadius: 4,
              pointHitRadius: 8,
            },
          ],
        }}
        options={{
          ...countsPerDayOptions(8),
          interaction: { mode: 'index', intersect: false },
          plugins: {
            tooltip: {
              displayColors: false,
              callbacks: {
                title: (items) => {
                  const bucket = items[0] ? buckets[items[0].dataIndex] : undefined;
                  return bucket ? bucketLabel(bucket, granularity) : '';
                },
                label: (item) => {
                  const bucket = buckets[item.dataIndex];
                  return bucket ? `${formatNumber(bucket.tickets)} ${bucket.tickets === 1 ? 'ticket' : 'tickets'}` : '';
                },
                afterLabel: (item) => {
                  const bucket = buckets[item.dataIndex];
                  return bucket ? [`Revenue: ${formatMoney(bucket.revenue_minor, currency)}`, `Visits: ${formatNumber(bucket.visits)}`] : [];
                },
              },
            },
          },
        }}
      />
    </div>
  );
}
