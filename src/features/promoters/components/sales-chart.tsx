import { CategoryScale, Chart as ChartJS, Filler, LinearScale, LineElement, PointElement, Tooltip } from 'chart.js';
import { Line } from 'react-chartjs-2';
import { formatDate, formatMoney } from '@/lib/format';
import type { SalesDay } from '../api/get-promoter-timeseries';

ChartJS.register(CategoryScale, LinearScale, PointElement, LineElement, Filler, Tooltip);

/** The area chart itself; loaded lazily so chart.js is not part of the first load. */
export default function SalesChart({ days, currency, label }: { days: SalesDay[]; currency: string; label: string }) {
  return (
    <div className="chart-box">
      <Line
        aria-label={label}
        role="img"
        data={{
          labels: days.map((day) => formatDate(`${day.day}T00:00:00`)),
          datasets: [
            {
              label: 'Tickets',
              data: days.map((day) => day.tickets),
              fill: true,
              tension: 0.3,
              borderColor: '#4f46e5',
              backgroundColor: 'rgba(79, 70, 229, 0.15)',
              pointRadius: 0,
              pointHitRadius: 8,
            },
          ],
        }}
        options={{
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          interaction: { mode: 'index', intersect: false },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 8 } } },
          plugins: {
            tooltip: {
              callbacks: {
                afterLabel: (item) => `Revenue: ${formatMoney(days[item.dataIndex]?.revenue_minor ?? 0, currency)}`,
              },
            },
          },
        }}
      />
    </div>
  );
}
