import { BarElement, CategoryScale, Chart as ChartJS, LinearScale, Tooltip } from 'chart.js';
import { Bar } from 'react-chartjs-2';
import { formatNumber } from '@/lib/format';

ChartJS.register(CategoryScale, LinearScale, BarElement, Tooltip);

const axisDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** Tickets per day as bars; loaded lazily so chart.js is fetched only with a portal. */
export default function PortalChart({ days, label }: { days: { day: string; tickets: number }[]; label: string }) {
  return (
    <div className="portal-chart">
      <Bar
        aria-label={label}
        role="img"
        data={{
          labels: days.map((d) => axisDate.format(new Date(`${d.day}T00:00:00Z`))),
          datasets: [{ label: 'Tickets', data: days.map((d) => d.tickets), backgroundColor: '#4f46e5' }],
        }}
        options={{
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: {
            y: { min: 0, beginAtZero: true, ticks: { precision: 0 } },
            x: { ticks: { maxTicksLimit: 6, autoSkip: true, maxRotation: 0 } },
          },
          plugins: {
            tooltip: {
              displayColors: false,
              callbacks: { label: (item) => `${formatNumber(Number(item.raw))} tickets` },
            },
          },
        }}
      />
    </div>
  );
}
