import { usePrefetchQuery, useQueryClient, useSuspenseQueries } from '@tanstack/react-query';
import { lazy, Suspense, useDeferredValue, useEffect, useRef, useState, type ReactNode } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Button } from '@/components/ui/button';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { TextField } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { PageHeader } from '@/components/ui/page-header';
import { SkeletonList } from '@/components/ui/skeleton';
import { paths } from '@/config/paths';
import { eventsQueryOptions } from '@/features/events/api/get-events';
import { groupPerformanceQueryOptions } from '@/features/groups/api/get-group-performance';
import { groupKeys } from '@/features/groups/api/keys';
import { GroupsPanel } from '@/features/groups/components/groups-panel';
import { useCurrentOrganization } from '@/features/organizations/components/organization-provider';
import { FirstRunChecklist } from '@/features/promoters/components/first-run-checklist';
import { DateRangeSelect } from '@/features/promoters/components/date-range-select';
import { GroupFilter, type GroupOption } from '@/features/promoters/components/group-filter';
import { promoterPerformanceQueryOptions } from '@/features/promoters/api/get-promoter-performance';
import type { PerformanceFilters } from '@/features/promoters/lib/filters';
import { PromoterList } from '@/features/promoters/components/promoter-list';
import { SummaryCards } from '@/features/promoters/components/summary-cards';
import { usePerformanceFilters } from '@/features/promoters/hooks/use-performance-filters';
import { rangeProblem } from '@/features/promoters/lib/filters';

// The first view is the leaderboard: the detail panel (links, chart, edit and delete) and
// the add form load when someone opens them, keeping them out of the first download.
const PromoterDetail = lazy(() => import('@/features/promoters/components/promoter-detail').then((module) => ({ default: module.PromoterDetail })));
const PromoterDetailLoading = lazy(() =>
  import('@/features/promoters/components/promoter-detail').then((module) => ({ default: module.PromoterDetailLoading })),
);
const ImportPromotersDialog = lazy(() =>
  import('@/features/promoters/components/import-dialog').then((module) => ({ default: module.ImportPromotersDialog })),
);
const PromoterFormDialog = lazy(() =>
  import('@/features/promoters/components/promoter-form-dialog').then((module) => ({ default: module.PromoterFormDialog })),
);

const ALL_TIME = { from: null, to: null, groupId: null, search: '' };
/** Matches the stylesheet's breakpoint where the detail panel stacks under the list. */
const STACKED_LAYOUT = '(max-width: 960px)';

/** The performance view: filters, summary, leaderboard, and the open promoter beside it. */
export function PromotersRoute() {
  const organization = useCurrentOrganization();
  const { promoterId } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const view = usePerformanceFilters();
  const rangeError = rangeProblem(view.range);
  // What the panels below read, fetched at once and in parallel (not one panel after another).
  const filters = useDeferredValue(view.filters);
  usePrefetchQuery(eventsQueryOptions(organization.id));
  usePrefetchQuery(groupPerformanceQueryOptions(organization.id, filters.from, filters.to));
  usePrefetchQuery(promoterPerformanceQueryOptions(organization.id, everyoneIn(filters)));
  usePrefetchQuery(promoterPerformanceQueryOptions(organization.id, ALL_TIME));
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [imported, setImported] = useState<number | null>(null);
  const detailRef = useRef<HTMLDivElement>(null);

  // On a phone the panel sits below the whole leaderboard: opening a promoter brings it into view.
  useEffect(() => {
    if (!promoterId || !window.matchMedia?.(STACKED_LAYOUT).matches) return;
    detailRef.current?.scrollIntoView({ block: 'start' });
  }, [promoterId]);

  const refreshGroups = () => void queryClient.invalidateQueries({ queryKey: groupKeys.organization(organization.id) });
  const listHref = paths.promoters + view.searchString;

  return (
    <>
      <PageHeader title="Promoters">
        <div className="toolbar">
          <Button onClick={() => setImporting(true)}>Import CSV</Button>
          <Button variant="primary" onClick={() => setAdding(true)}>
            Add promoter
          </Button>
        </div>
      </PageHeader>
      {imported !== null ? <p role="status">{`Imported ${imported} promoters.`}</p> : null}
      {/* Hidden while it loads, as when done or dismissed. */}
      <PanelErrorBoundary title="Getting started could not load" resetKeys={[organization.id]}>
        <Checklist organizationId={organization.id} onAddPromoter={() => setAdding(true)} />
      </PanelErrorBoundary>
      <PerformanceToolbar view={view} rangeError={rangeError} />
      <PanelErrorBoundary title="Groups could not load" resetKeys={[filters.from, filters.to]}>
        <Options organizationId={organization.id} filters={filters}>
          {({ groups, everyone }) => <GroupFilter groups={groups} total={everyone} selected={view.groupId} onSelect={view.setGroup} />}
        </Options>
      </PanelErrorBoundary>
      {rangeError ? (
        <FormError>No figures for this range. {rangeError}</FormError>
      ) : (
        <>
          <PanelErrorBoundary title="Summary could not load">
            <SummaryCards organizationId={organization.id} filters={view.filters} />
          </PanelErrorBoundary>
          <div className={`performance ${promoterId ? 'performance--with-detail' : ''}`}>
            <PanelErrorBoundary
              title="Promoters could not load"
              loading={<SkeletonList rows={6} label="Loading promoters" />}
              resetKeys={[view.filters]}
            >
              <Options organizationId={organization.id} filters={filters} prefetchList>
                {({ groups, events }) => (
                  <PromoterList
                    organizationId={organization.id}
                    currency={organization.currency}
                    filters={view.filters}
                    sort={view.sort}
                    onSortChange={view.setSort}
                    selectedId={promoterId}
                    searchString={view.searchString}
                    groupName={groups.find((group) => group.id === view.groupId)?.name ?? null}
                    onAdd={() => setAdding(true)}
                    events={events}
                  />
                )}
              </Options>
            </PanelErrorBoundary>
            {promoterId ? (
              <div ref={detailRef} className="performance__detail">
                <PanelErrorBoundary
                  title="This promoter could not load"
                  loading={
                    <Suspense fallback={<SkeletonList rows={4} label="Loading promoter" />}>
                      <PromoterDetailLoading />
                    </Suspense>
                  }
                  resetKeys={[promoterId]}
                >
                  <Options organizationId={organization.id} filters={filters}>
                    {({ groups, events }) => (
                      <PromoterDetail
                        key={promoterId}
                        organizationId={organization.id}
                        currency={organization.currency}
                        promoterId={promoterId}
                        filters={view.filters}
                        events={events}
                        groups={groups}
                        backTo={listHref}
                        onDeleted={() => navigate(listHref, { replace: true })}
                        onGroupsChanged={refreshGroups}
                      />
                    )}
                  </Options>
                </PanelErrorBoundary>
              </div>
            ) : null}
          </div>
          <PanelErrorBoundary title="Groups could not load">
            <GroupsPanel organizationId={organization.id} currency={organization.currency} from={view.filters.from} to={view.filters.to} manage={false} />
          </PanelErrorBoundary>
        </>
      )}
      {importing ? (
        <PanelErrorBoundary title="Importing could not start">
          <ImportPromotersDialog
            organizationId={organization.id}
            onClose={() => setImporting(false)}
            onImported={(count) => {
              setImporting(false);
              setImported(count);
              refreshGroups();
            }}
          />
        </PanelErrorBoundary>
      ) : null}
      {adding ? (
        <AddPromoterDialog
          organizationId={organization.id}
          filters={filters}
          onClose={() => setAdding(false)}
          onSaved={(id) => {
            refreshGroups();
            navigate(paths.promoter(id) + view.searchString);
          }}
        />
      ) : null}
    </>
  );
}

/** Search and date range of the performance view. */
function PerformanceToolbar({ view, rangeError }: { view: ReturnType<typeof usePerformanceFilters>; rangeError: string | undefined }) {
  return (
    <div className="toolbar">
      <TextField label="Search" type="search" placeholder="Name or promo code" value={view.search} onChange={(e) => view.setSearch(e.target.value)} />
      <DateRangeSelect value={view.range} onChange={view.setRange} error={rangeError} />
    </div>
  );
}

/** The new-promoter form, with the groups and events it offers. */
function AddPromoterDialog({
  organizationId,
  filters,
  onClose,
  onSaved,
}: {
  organizationId: string;
  filters: PerformanceFilters;
  onClose: () => void;
  onSaved: (id: string) => void;
}) {
  return (
    <PanelErrorBoundary title="The form could not load">
      <Options organizationId={organizationId} filters={filters}>
        {({ groups, events }) => (
          <PromoterFormDialog organizationId={organizationId} open onClose={onClose} events={events} groups={groups} onSaved={onSaved} />
        )}
      </Options>
    </PanelErrorBoundary>
  );
}

/** The leaderboard's rows without the search and group: the "All" count, and the detail panel's figures. */
const everyoneIn = (filters: PerformanceFilters): PerformanceFilters => ({ from: filters.from, to: filters.to, groupId: null, search: '' });

interface PageOptions {
  groups: GroupOption[];
  /** Events promoters can be activated on (not cancelled ones). */
  events: { id: string; name: string; slug: string }[];
  /** How many promoters there are in the range, whatever the search and group. */
  everyone: number;
}

/**
 * The groups and events the panels offer as choices, read with suspense queries (the page
 * prefetches them). With `prefetchList`, the leaderboard's own rows are asked for at the
 * same time instead of after these.
 */
function Options({
  organizationId,
  filters,
  prefetchList = false,
  children,
}: {
  organizationId: string;
  filters: PerformanceFilters;
  prefetchList?: boolean;
  children: (options: PageOptions) => ReactNode;
}) {
  usePrefetchQuery(promoterPerformanceQueryOptions(organizationId, prefetchList ? filters : everyoneIn(filters)));
  const [groups, events, everyone] = useSuspenseQueries({
    queries: [
      groupPerformanceQueryOptions(organizationId, filters.from, filters.to),
      eventsQueryOptions(organizationId),
      promoterPerformanceQueryOptions(organizationId, everyoneIn(filters)),
    ],
  });
  return children({
    groups: groups.data.map((group) => ({ id: group.group_id, name: group.name, color: group.color, promoters: group.promoters })),
    events: events.data.filter((event) => event.status !== 'cancelled').map((event) => ({ id: event.id, name: event.name, slug: event.slug })),
    everyone: everyone.data.length,
  });
}

/** The first-run checklist, ticked from the organization's events and all-time leaderboard. */
function Checklist({ organizationId, onAddPromoter }: { organizationId: string; onAddPromoter: () => void }) {
  const [events, allTime] = useSuspenseQueries({
    queries: [eventsQueryOptions(organizationId), promoterPerformanceQueryOptions(organizationId, ALL_TIME)],
  });
  return <FirstRunChecklist organizationId={organizationId} events={events.data} promoters={allTime.data} onAddPromoter={onAddPromoter} />;
}
