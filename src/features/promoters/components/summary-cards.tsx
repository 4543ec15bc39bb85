import { useSuspenseQuery } from '@tanstack/react-query';
import { useDeferredValue } from 'react';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { Skeleton } from '@/components/ui/skeleton';
import { formatMoney, formatNumber, formatPercent } from '@/lib/format';
import { promoterSummaryQueryOptions } from '../api/get-promoter-summary';
import type { PerformanceFilters } from '../lib/filters';

const LABELS = ['Promoters', 'Tickets via promoters', 'Revenue via promoters', 'Visits', 'Conversion'];

/** The headline numbers for the current filters: the cards stay, their figures load and fail under the panel's boundary. */
export function SummaryCards({ organizationId, filters }: { organizationId: string; filters: PerformanceFilters }) {
  // New filters keep the current figures on screen until the new ones are here.
  const shown = useDeferredValue(filters);
  return (
    <section aria-label="Summary" aria-busy={shown !== filters}>
      <PanelErrorBoundary title="Summary could not load" loading={<Stats values={[]} />} resetKeys={[organizationId, filters]}>
        <SummaryFigures organizationId={organizationId} filters={shown} />
      </PanelErrorBoundary>
    </section>
  );
}

function SummaryFigures({ organizationId, filters }: { organizationId: string; filters: PerformanceFilters }) {
  const { data } = useSuspenseQuery(promoterSummaryQueryOptions(organizationId, filters));
  return (
    <Stats
      values={[
        formatNumber(data.promoters),
        formatNumber(data.tickets),
        formatMoney(data.revenue_minor, data.currency),
        formatNumber(data.visits),
        formatPercent(data.conversion_rate),
      ]}
    />
  );
}

function Stats({ values }: { values: string[] }) {
  return (
    <dl className="stat-grid">
      {LABELS.map((label, index) => (
        <div className="stat" key={label}>
          <dt>{label}</dt>
          <dd>{values[index] ?? <Skeleton width="5rem" height="1.6rem" />}</dd>
        </div>
      ))}
    </dl>
  );
}
