import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { Button } from '@/components/ui/button';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { Field } from '@/components/ui/field';
import { SkeletonList } from '@/components/ui/skeleton';
import { paths } from '@/config/paths';
import { useEvents } from '@/features/events/api/get-events';
import { useGroupPerformance } from '@/features/groups/api/get-group-performance';
import { groupKeys } from '@/features/groups/api/keys';
import { GroupsPanel } from '@/features/groups/components/groups-panel';
import { useCurrentOrganization } from '@/features/organizations/components/organization-provider';
import { FirstRunChecklist } from '@/features/promoters/components/first-run-checklist';
import { DateRangeSelect } from '@/features/promoters/components/date-range-select';
import { GroupFilter } from '@/features/promoters/components/group-filter';
import { usePromoterPerformance } from '@/features/promoters/api/get-promoter-performance';
import { PromoterList } from '@/features/promoters/components/promoter-list';
import { SummaryCards } from '@/features/promoters/components/summary-cards';
import { usePerformanceFilters } from '@/features/promoters/hooks/use-performance-filters';
import { rangeProblem } from '@/features/promoters/lib/filters';

// The first view is the leaderboard: the detail panel (links, chart, edit and delete) and
// the add form load when someone opens them, keeping them out of the first download.
const PromoterDetail = lazy(() => import('@/features/promoters/components/promoter-detail').then((module) => ({ default: module.PromoterDetail })));
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
  const groups = useGroupPerformance(organization.id, view.filters.from, view.filters.to);
  const events = useEvents(organization.id);
  // The unfiltered leaderboard (same query the detail panel uses) gives the "All" count.
  const everyone = usePromoterPerformance(organization.id, { from: view.filters.from, to: view.filters.to, groupId: null, search: '' });
  // All time and unfiltered: the first-run checklist ticks steps from what ever happened.
  const allTime = usePromoterPerformance(organization.id, ALL_TIME);
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [imported, setImported] = useState<number | null>(null);
  const detailRef = useRef<HTMLDivElement>(null);

  // On a phone the panel sits below the whole leaderboard: opening a promoter brings it into view.
  useEffect(() => {
    if (!promoterId || !window.matchMedia?.(STACKED_LAYOUT).matches) return;
    detailRef.current?.scrollIntoView({ block: 'start' });
  }, [promoterId]);

  const groupOptions = (groups.data ?? []).map((group) => ({ id: group.group_id, name: group.name, color: group.color, promoters: group.promoters }));
  const eventOptions = (events.data ?? []).filter((event) => event.status !== 'cancelled').map((event) => ({ id: event.id, name: event.name, slug: event.slug }));
  const refreshGroups = () => void queryClient.invalidateQueries({ queryKey: groupKeys.organization(organization.id) });
  const listHref = paths.promoters + view.searchString;

  return (
    <>
      <div className="page-header">
        <h1>Promoters</h1>
        <div className="toolbar">
          <Button onClick={() => setImporting(true)}>Import CSV</Button>
          <Button variant="primary" onClick={() => setAdding(true)}>
            Add promoter
          </Button>
        </div>
      </div>
      {imported !== null ? <p role="status">{`Imported ${imported} promoters.`}</p> : null}
      <FirstRunChecklist organizationId={organization.id} events={events.data} promoters={allTime.data} onAddPromoter={() => setAdding(true)} />
      <div className="toolbar">
        <Field label="Search">
          {(control) => (
            <input
              {...control}
              className="input"
              type="search"
              placeholder="Name or promo code"
              value={view.search}
              onChange={(e) => view.setSearch(e.target.value)}
            />
          )}
        </Field>
        <DateRangeSelect value={view.range} onChange={view.setRange} error={rangeError} />
      </div>
      <GroupFilter groups={groupOptions} total={everyone.data?.length} selected={view.groupId} onSelect={view.setGroup} />
      {rangeError ? (
        <p className="form-error" role="alert">
          No figures for this range. {rangeError}
        </p>
      ) : (
        <>
          <PanelErrorBoundary title="Summary could not load">
            <SummaryCards organizationId={organization.id} filters={view.filters} />
          </PanelErrorBoundary>
          <div className={`performance ${promoterId ? 'performance--with-detail' : ''}`}>
            <PanelErrorBoundary title="Promoters could not load">
              <PromoterList
                organizationId={organization.id}
                currency={organization.currency}
                filters={view.filters}
                sort={view.sort}
                onSortChange={view.setSort}
                selectedId={promoterId}
                searchString={view.searchString}
                groupName={groupOptions.find((group) => group.id === view.groupId)?.name ?? null}
                onAdd={() => setAdding(true)}
                events={eventOptions}
              />
            </PanelErrorBoundary>
            {promoterId ? (
              <div ref={detailRef} className="performance__detail">
                <PanelErrorBoundary title="This promoter could not load">
                  <Suspense fallback={<SkeletonList rows={4} label="Loading promoter" />}>
                    <PromoterDetail
                      key={promoterId}
                      organizationId={organization.id}
                      currency={organization.currency}
                      promoterId={promoterId}
                      filters={view.filters}
                      events={eventOptions}
                      groups={groupOptions}
                      backTo={listHref}
                      onDeleted={() => navigate(listHref, { replace: true })}
                      onGroupsChanged={refreshGroups}
                    />
                  </Suspense>
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
        <Suspense fallback={null}>
          <ImportPromotersDialog
            organizationId={organization.id}
            onClose={() => setImporting(false)}
            onImported={(count) => {
              setImporting(false);
              setImported(count);
              refreshGroups();
            }}
          />
        </Suspense>
      ) : null}
      {adding ? (
        <Suspense fallback={null}>
          <PromoterFormDialog
            organizationId={organization.id}
            open
            onClose={() => setAdding(false)}
            events={eventOptions}
            groups={groupOptions}
            onSaved={(id) => {
              refreshGroups();
              navigate(paths.promoter(id) + view.searchString);
            }}
          />
        </Suspense>
      ) : null}
    </>
  );
}
