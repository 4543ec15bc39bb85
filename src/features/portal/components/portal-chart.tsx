import { BarElement, CategoryScale, Chart as ChartJS, LinearScale, Tooltip } from 'chart.js';
import { Bar } from 'react-chartjs-2';
import { axisDayLabel, countsPerDayOptions } from '@/components/ui/chart-options';
import { formatNumber } from '@/lib/format';

ChartJS.register(CategoryScale, LinearScale, BarElement, Tooltip);

/** Tickets per day as bars; loaded lazily so chart.js is fetched only with a portal. */
export default function PortalChart({ days, label }: { days: { day: string; tickets: number }[]; label: string }) {
  return (
    <div className="portal-chart">
      <Bar
        aria-label={label}
        role="img"
        data={{
          labels: days.map((d) => axisDayLabel(d.day)),
          datasets: [{ label: 'Tickets', data: days.map((d) => d.tickets), backgroundColor: '#4f46e5' }],
        }}
        options={{
          ...countsPerDayOptions(6),
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
