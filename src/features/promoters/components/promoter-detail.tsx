import { useSuspenseQueries } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Link } from 'react-router-dom';
import { DocumentTitle } from '@/components/document-title';
import { Button } from '@/components/ui/button';
import { CheckboxList } from '@/components/ui/checkbox-list';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { Skeleton, SkeletonList } from '@/components/ui/skeleton';
import { useToast } from '@/components/ui/toast';
import { paths } from '@/config/paths';
import { errorMessage } from '@/lib/errors';
import { formatMoney, formatNumber, formatPercent } from '@/lib/format';
import { promoterQueryOptions } from '../api/get-promoter';
import { promoterPerformanceQueryOptions } from '../api/get-promoter-performance';
import { useSetPromoterGroup } from '../api/set-promoter-group';
import { chartDays, type PerformanceFilters } from '../lib/filters';
import type { Option } from './promoter-form-dialog';
import { SalesOverTime } from './sales-over-time';
import { PortalLink } from './portal-link';
import { SourceSplit } from './source-split';
import { TrackingLinks } from './tracking-links';

// Editing and deleting are occasional: their forms load when opened.
const PromoterFormDialog = lazy(() => import('./promoter-form-dialog').then((module) => ({ default: module.PromoterFormDialog })));
const DeletePromoterDialog = lazy(() => import('./delete-promoter-dialog').then((module) => ({ default: module.DeletePromoterDialog })));

interface Props {
  organizationId: string;
  currency: string;
  promoterId: string;
  filters: PerformanceFilters;
  events: (Option & { slug: string })[];
  groups: Option[];
  backTo: string;
  onDeleted: () => void;
  /** Called after a change that other features show (group membership). */
  onGroupsChanged?: () => void;
}

/**
 * Everything about one promoter: numbers for the range, chart, links, groups, edit,
 * delete. Loads with suspense queries: render it under a panel boundary (PromoterDetailLoading
 * is its skeleton); each section below has its own.
 */
export function PromoterDetail({ organizationId, currency, promoterId, filters, events, groups, backTo, onDeleted, onGroupsChanged }: Props) {
  const [promoter, performance] = useSuspenseQueries({
    queries: [
      promoterQueryOptions(organizationId, promoterId),
      // The same rows as the leaderboard (unfiltered by search/group), so both stay in step.
      promoterPerformanceQueryOptions(organizationId, { from: filters.from, to: filters.to, groupId: null, search: '' }),
    ],
  });
  const setGroup = useSetPromoterGroup({ onSuccess: onGroupsChanged });
  const toast = useToast();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);

  if (promoter.data === null) {
    return (
      <section className="card detail" aria-label="Promoter">
        <DocumentTitle title="Promoters" />
        <p>This promoter does not exist or was deleted.</p>
        <Link to={backTo}>Back to all promoters</Link>
      </section>
    );
  }

  const data = promoter.data;
  const row = performance.data.find((item) => item.promoter_id === promoterId);
  const days = chartDays(filters);
  const stats = [
    { label: 'Tickets', value: row ? formatNumber(row.tickets) : null },
    { label: 'Revenue', value: row ? formatMoney(row.revenue_minor, currency) : null },
    { label: 'Active events', value: row ? formatNumber(row.active_events) : null },
    { label: 'Visits', value: row ? formatNumber(row.visits) : null },
    { label: 'Conversion', value: row ? formatPercent(row.conversion_rate) : null },
    { label: 'Self-referrals', value: row ? formatNumber(row.self_referral_orders) : null },
  ];
  const selfReferrals = row?.self_referral_orders ?? 0;

  return (
    <section className="detail" aria-labelledby="promoter-title">
      {/* The tab names the open promoter (its route has no title of its own). */}
      <DocumentTitle title={data.name} />
      <div className="card detail">
        <div className="detail__header">
          <div>
            <h2 id="promoter-title">{data.name}</h2>
            <p className="muted">
              Code <span className="mono">{data.promo_code}</span>
              {data.email ? ` · ${data.email}` : ''}
              {data.phone ? ` · ${data.phone}` : ''}
            </p>
          </div>
          <div className="detail__actions">
            <Button size="sm" onClick={() => setEditing(true)}>
              Edit
            </Button>
            <Button size="sm" variant="danger" onClick={() => setDeleting(true)}>
              Delete
            </Button>
            <Link className="btn btn--sm btn--ghost" to={backTo} aria-label="Close promoter details">
              ×
            </Link>
          </div>
        </div>
        {data.notes ? <p className="muted">{data.notes}</p> : null}
        <dl className="stat-grid" aria-label={`${data.name} performance`}>
          {stats.map((stat) => (
            <div className="stat" key={stat.label}>
              <dt>{stat.label}</dt>
              <dd>{stat.value ?? '—'}</dd>
            </div>
          ))}
        </dl>
        {selfReferrals > 0 ? (
          <p className="muted">
            {selfReferrals === 1 ? '1 paid order was' : `${formatNumber(selfReferrals)} paid orders were`} bought with {data.name}&apos;s own email
            (self-referrals). <Link to={paths.settings}>Settings</Link> decide whether they count in these figures.
          </p>
        ) : null}
      </div>

      <PanelErrorBoundary title="Sales could not load" loading={<Skeleton height="16rem" />} resetKeys={[promoterId, days.from, days.to]}>
        <SalesOverTime organizationId={organizationId} promoterId={promoterId} from={days.from} to={days.to} currency={currency} />
      </PanelErrorBoundary>

      <PanelErrorBoundary title="Sources could not load" loading={<SkeletonList rows={3} label="Loading sources" />} resetKeys={[promoterId]}>
        <SourceSplit organizationId={organizationId} promoterId={promoterId} currency={currency} />
      </PanelErrorBoundary>

      <PanelErrorBoundary title="Links could not load" loading={<SkeletonList rows={2} label="Loading links" />} resetKeys={[promoterId]}>
        <TrackingLinks organizationId={organizationId} promoterId={promoterId} promoCode={data.promo_code} events={events} />
      </PanelErrorBoundary>

      <PanelErrorBoundary title="The portal link could not load" loading={<Skeleton width="12rem" height="2rem" />} resetKeys={[promoterId]}>
        <PortalLink organizationId={organizationId} promoterId={promoterId} promoterName={data.name} />
      </PanelErrorBoundary>

      <section className="card" aria-labelledby="groups-title">
        <div className="card__header">
          <h3 id="groups-title">Groups</h3>
        </div>
        {groups.length === 0 ? (
          <p className="muted">
            No groups yet. <Link to={paths.groups}>Create a group</Link> to compare teams.
          </p>
        ) : (
          <CheckboxList
            legend="Group membership"
            legendHidden
            options={groups}
            checked={data.group_ids}
            disabled={setGroup.isPending}
            onToggle={(groupId, member) =>
              setGroup.mutate({ organizationId, promoterId, groupId, member }, { onError: (error) => toast.show(errorMessage(error), 'error') })
            }
          />
        )}
      </section>

      <Suspense fallback={null}>
        {editing ? <PromoterFormDialog organizationId={organizationId} open onClose={() => setEditing(false)} promoter={data} /> : null}
        {deleting ? (
          <DeletePromoterDialog
            organizationId={organizationId}
            promoter={data}
            open
            onClose={() => setDeleting(false)}
            onDeleted={() => {
              setDeleting(false);
              toast.show(`${data.name} was deleted.`, 'success');
              onDeleted();
            }}
          />
        ) : null}
      </Suspense>
    </section>
  );
}

/** What the promoter panel shows while it loads. */
export function PromoterDetailLoading() {
  return (
    <section className="card detail" aria-label="Promoter" aria-busy="true">
      <Skeleton width="12rem" height="1.6rem" />
      <SkeletonList rows={3} label="Loading promoter" />
    </section>
  );
}
