import { useSuspenseQuery } from '@tanstack/react-query';
import { useDeferredValue } from 'react';
import { Skeleton } from '@/components/ui/skeleton';
import { formatMoney, formatNumber, formatPercent } from '@/lib/format';
import { promoterSummaryQueryOptions } from '../api/get-promoter-summary';
import type { PerformanceFilters } from '../lib/filters';

const LABELS = ['Promoters', 'Tickets via promoters', 'Revenue via promoters', 'Visits', 'Conversion'];

/** The headline numbers for the current filters (a suspense query: render it under a panel boundary). */
export function SummaryCards({ organizationId, filters }: { organizationId: string; filters: PerformanceFilters }) {
  // New filters keep the current figures on screen until the new ones are here.
  const shown = useDeferredValue(filters);
  const { data } = useSuspenseQuery(promoterSummaryQueryOptions(organizationId, shown));
  const values = [
    formatNumber(data.promoters),
    formatNumber(data.tickets),
    formatMoney(data.revenue_minor, data.currency),
    formatNumber(data.visits),
    formatPercent(data.conversion_rate),
  ];
  return <Stats values={values} busy={shown !== filters} />;
}

/** The summary while it loads: the same cards with placeholders. */
export function SummaryCardsLoading() {
  return <Stats values={[]} busy />;
}

function Stats({ values, busy }: { values: string[]; busy: boolean }) {
  return (
    <section aria-label="Summary" aria-busy={busy}>
      <dl className="stat-grid">
        {LABELS.map((label, index) => (
          <div className="stat" key={label}>
            <dt>{label}</dt>
            <dd>{values[index] ?? <Skeleton width="5rem" height="1.6rem" />}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
