import { useSuspenseQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { Link } from 'react-router-dom';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { SelectField, type SelectOption } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { paths } from '@/config/paths';
import { currencyDigits, formatMoney, formatNumber, formatPercent } from '@/lib/format';
import { downloadCsv } from '@/lib/csv';
import { describePeriod } from '@/lib/period';
import { describeActivation, useBulkActivate } from '../api/bulk-activate';
import { promoterPerformanceQueryOptions, type PromoterPerformance } from '../api/get-promoter-performance';
import type { SortKey } from '../hooks/use-performance-filters';
import { performanceCsv } from '../lib/export';
import { performanceFileName, type PerformanceFilters } from '../lib/filters';

const SORT_OPTIONS: SelectOption<SortKey>[] = [
  { value: 'tickets', label: 'Tickets' },
  { value: 'revenue', label: 'Revenue' },
  { value: 'conversion', label: 'Conversion' },
  { value: 'name', label: 'Name' },
];

function sortRows(rows: PromoterPerformance[], sort: SortKey): PromoterPerformance[] {
  const byName = (a: PromoterPerformance, b: PromoterPerformance) => a.name.localeCompare(b.name);
  const compare: Record<SortKey, (a: PromoterPerformance, b: PromoterPerformance) => number> = {
    tickets: (a, b) => b.tickets - a.tickets || b.revenue_minor - a.revenue_minor || byName(a, b),
    revenue: (a, b) => b.revenue_minor - a.revenue_minor || b.tickets - a.tickets || byName(a, b),
    conversion: (a, b) => (b.conversion_rate ?? -1) - (a.conversion_rate ?? -1) || byName(a, b),
    name: byName,
  };
  return [...rows].sort(compare[sort]);
}

/**
 * The leaderboard: one row per promoter for the current filters, sorted, exportable. Loads
 * with a suspense query: render it under a panel boundary.
 */
export function PromoterList({
  organizationId,
  currency,
  filters: current,
  sort,
  onSortChange,
  selectedId,
  searchString,
  groupName = null,
  onAdd,
  events = [],
}: {
  organizationId: string;
  currency: string;
  filters: PerformanceFilters;
  sort: SortKey;
  onSortChange: (sort: SortKey) => void;
  selectedId?: string;
  searchString: string;
  /** The group the view is narrowed to, named in the export's file name. */
  groupName?: string | null;
  onAdd: () => void;
  /** Events promoters can be activated on from the list. */
  events?: { id: string; name: string }[];
}) {
  // New filters (typing in the search) keep the current rows on screen until the new ones are here.
  const filters = useDeferredValue(current);
  const performance = useSuspenseQuery(promoterPerformanceQueryOptions(organizationId, filters));
  const rows = sortRows(performance.data, sort);
  const filtered = Boolean(filters.search || filters.groupId);
  const [selected, setSelected] = useState<string[]>([]);
  const [eventId, setEventId] = useState('');
  const activate = useBulkActivate(organizationId);
  // Only promoters in view count: a changed filter never acts on hidden rows.
  const visibleSelected = selected.filter((id) => rows.some((row) => row.promoter_id === id));
  const allSelected = rows.length > 0 && visibleSelected.length === rows.length;
  const toggle = (id: string, on: boolean) => setSelected((list) => (on ? [...list, id] : list.filter((item) => item !== id)));

  function exportCsv() {
    downloadCsv(performanceFileName('promoters', filters, groupName), performanceCsv(rows, currency, currencyDigits(currency)));
  }

  return (
    <section className="card" aria-labelledby="leaderboard-title">
      <div className="card__header">
        <h2 id="leaderboard-title">Leaderboard</h2>
        <div className="toolbar">
          <SelectField label="Sort by" value={sort} options={SORT_OPTIONS} onChange={onSortChange} />
          <Button size="sm" onClick={exportCsv} disabled={rows.length === 0} disabledReason="No promoters in this view to export.">
            Export CSV
          </Button>
        </div>
      </div>
      <p className="muted card__note">
        Figures cover: {describePeriod(filters)}. <abbr title="Orders divided by visits through the promoter's links">Conversion</abbr> = orders ÷ visits.
      </p>
      {rows.length === 0 ? (
        <LeaderboardEmpty filtered={filtered} onAdd={onAdd} />
      ) : (
        <>
          <div className="toolbar" role="group" aria-label="Selected promoters">
            <label className="checkbox">
              <input
                type="checkbox"
                checked={allSelected}
                onChange={(e) => setSelected(e.target.checked ? rows.map((row) => row.promoter_id) : [])}
              />
              Select all shown
            </label>
            <SelectField
              label="Activate on event"
              value={eventId}
              options={[{ value: '', label: 'Choose an event…' }, ...events.map((event) => ({ value: event.id, label: event.name }))]}
              onChange={setEventId}
            />
            <Button
              size="sm"
              loading={activate.isPending}
              disabled={visibleSelected.length === 0 || !eventId}
              disabledReason={visibleSelected.length === 0 ? 'Select promoters first.' : 'Choose an event first.'}
              onClick={() => activate.mutate({ eventId, promoterIds: visibleSelected }, { onSuccess: () => setSelected([]) })}
            >
              {`Activate ${visibleSelected.length} selected`}
            </Button>
          </div>
          {activate.isSuccess ? <p role="status">{describeActivation(activate.data)}</p> : null}
          <FormError error={activate.error} />
          <ol className="leaderboard" aria-label="Promoters">
            {rows.map((row, index) => (
              <li key={row.promoter_id} className="leaderboard__item leaderboard__item--selectable">
                <input
                  type="checkbox"
                  aria-label={`Select ${row.name}`}
                  checked={visibleSelected.includes(row.promoter_id)}
                  onChange={(e) => toggle(row.promoter_id, e.target.checked)}
                />
                <Link to={paths.promoter(row.promoter_id) + searchString} aria-current={row.promoter_id === selectedId ? 'page' : undefined}>
                  <span className="leaderboard__rank">{index + 1}</span>
                  <span className="leaderboard__who" title={`${row.name} (${row.promo_code})`}>
                    <span className="leaderboard__name">{row.name}</span>
                    <span className="leaderboard__code muted mono">{row.promo_code}</span>
                  </span>
                  <span className="leaderboard__metrics">
                    <span>
                      {formatNumber(row.tickets)}
                      <small>tickets</small>
                    </span>
                    <span>
                      {formatMoney(row.revenue_minor, currency)}
                      <small>revenue</small>
                    </span>
                    <span>
                      {formatPercent(row.conversion_rate)}
                      <small>conversion</small>
                    </span>
                  </span>
                </Link>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/** No rows: none match the filters, or there are no promoters yet. */
function LeaderboardEmpty({ filtered, onAdd }: { filtered: boolean; onAdd: () => void }) {
  if (filtered) return <EmptyState title="No promoters match these filters">Try another search or group.</EmptyState>;
  return (
    <EmptyState
      title="No promoters yet — add your first"
      action={
        <Button variant="primary" onClick={onAdd}>
          Add promoter
        </Button>
      }
    >
      Each promoter gets a personal tracking link per event; sales through it show up here live.
    </EmptyState>
  );
}
