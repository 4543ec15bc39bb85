import { PanelError } from '@/components/ui/error-boundary';
import { Skeleton } from '@/components/ui/skeleton';
import { formatMoney, formatNumber, formatPercent } from '@/lib/format';
import { usePromoterSummary } from '../api/get-promoter-summary';
import type { PerformanceFilters } from '../lib/filters';

/** The headline numbers for the current filters. */
export function SummaryCards({ organizationId, filters }: { organizationId: string; filters: PerformanceFilters }) {
  const summary = usePromoterSummary(organizationId, filters);
  if (summary.isError) return <PanelError title="Summary could not load" error={summary.error} onRetry={() => void summary.refetch()} />;
  const data = summary.data;
  const stats = [
    { label: 'Promoters', value: data ? formatNumber(data.promoters) : null },
    { label: 'Tickets via promoters', value: data ? formatNumber(data.tickets) : null },
    { label: 'Revenue via promoters', value: data ? formatMoney(data.revenue_minor, data.currency) : null },
    { label: 'Visits', value: data ? formatNumber(data.visits) : null },
    { label: 'Conversion', value: data ? formatPercent(data.conversion_rate) : null },
  ];
  return (
    <section aria-label="Summary" aria-busy={summary.isPending}>
      <dl className="stat-grid">
        {stats.map((stat) => (
          <div className="stat" key={stat.label}>
            <dt>{stat.label}</dt>
            <dd>{stat.value ?? <Skeleton width="5rem" height="1.6rem" />}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
