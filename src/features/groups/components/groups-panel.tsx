import { useSuspenseQuery } from '@tanstack/react-query';
import { lazy, Suspense, useDeferredValue, useState } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { EmptyState } from '@/components/ui/empty-state';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { SkeletonList } from '@/components/ui/skeleton';
import { ACTIONS_COLUMN, NumberCell, numeric, TableHead } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { formatMoney, formatNumber, formatPercent } from '@/lib/format';
import { describePeriod } from '@/lib/period';
import { useDeleteGroup } from '../api/delete-group';
import { groupPerformanceQueryOptions, type GroupPerformance } from '../api/get-group-performance';

// Creating and renaming groups is occasional: the form loads when opened.
const GroupDialog = lazy(() => import('./group-dialog').then((module) => ({ default: module.GroupDialog })));

/** Groups with their totals side by side, to compare teams; create, rename, delete. */
export function GroupsPanel({
  organizationId,
  currency,
  from = null,
  to = null,
  manage = true,
  onChanged,
}: {
  organizationId: string;
  currency: string;
  from?: string | null;
  to?: string | null;
  manage?: boolean;
  onChanged?: () => void;
}) {
  const [editing, setEditing] = useState<GroupPerformance | 'new' | null>(null);
  const [deleting, setDeleting] = useState<GroupPerformance | null>(null);
  const toast = useToast();
  const remove = useDeleteGroup({
    onSuccess: () => {
      toast.show(`Group “${deleting?.name}” deleted. Its promoters were kept.`, 'success');
      setDeleting(null);
      onChanged?.();
    },
  });

  return (
    <section className="card" aria-labelledby="groups-heading">
      <div className="card__header">
        <h2 id="groups-heading">Group performance</h2>
        {manage ? (
          <Button variant="primary" size="sm" onClick={() => setEditing('new')}>
            New group
          </Button>
        ) : null}
      </div>
      <p className="muted card__note">
        Totals cover: {describePeriod({ from, to })}.{' '}
        <abbr title="Orders divided by visits through the group's promoters' links">Conversion</abbr> = orders ÷ visits.
      </p>
      <PanelErrorBoundary title="Groups could not load" loading={<SkeletonList rows={3} label="Loading groups" />} resetKeys={[organizationId, from, to]}>
        <GroupTable organizationId={organizationId} currency={currency} from={from} to={to} manage={manage} onEdit={setEditing} onDelete={setDeleting} />
      </PanelErrorBoundary>
      {editing ? (
        <Suspense fallback={null}>
          <GroupDialog
            organizationId={organizationId}
            group={editing === 'new' ? undefined : { id: editing.group_id, name: editing.name, color: editing.color }}
            onClose={() => setEditing(null)}
            onSaved={onChanged}
          />
        </Suspense>
      ) : null}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete group “${deleting?.name ?? ''}”?`}
        description={<p>The group goes; its promoters and their sales stay.</p>}
        confirmLabel="Delete group"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate({ organizationId, id: deleting.group_id })}
        onClose={() => setDeleting(null)}
      />
    </section>
  );
}

function GroupTable({
  organizationId,
  currency,
  from,
  to,
  manage,
  onEdit: setEditing,
  onDelete: setDeleting,
}: {
  organizationId: string;
  currency: string;
  from: string | null;
  to: string | null;
  manage: boolean;
  onEdit: (group: GroupPerformance | 'new') => void;
  onDelete: (group: GroupPerformance) => void;
}) {
  // A new range keeps the current totals on screen until the new ones are here.
  const range = useDeferredValue(`${from ?? ''}/${to ?? ''}`);
  const [deferredFrom, deferredTo] = range.split('/').map((value) => value || null);
  const groups = useSuspenseQuery(groupPerformanceQueryOptions(organizationId, deferredFrom, deferredTo));
  return groups.data.length === 0 ? (
    <EmptyState
      title="No groups yet"
      action={manage ? <Button onClick={() => setEditing('new')}>Create your first group</Button> : undefined}
    >
      Put promoters into teams like “Influencers” or “Venue staff” to compare them.
    </EmptyState>
  ) : (
    <div className="table-wrap">
      <table className="table table--stack">
        <TableHead
          columns={[
            'Group',
            numeric('Promoters'),
            numeric('Tickets'),
            numeric('Revenue'),
            numeric('Visits'),
            numeric(<abbr title="Orders divided by visits">Conversion</abbr>),
            manage && ACTIONS_COLUMN,
          ]}
        />
        <tbody>
          {groups.data.map((group) => (
            <tr key={group.group_id}>
              <th scope="row">
                <span className="swatch" style={{ ['--swatch' as string]: group.color ?? undefined }} aria-hidden="true" /> {group.name}
              </th>
              <NumberCell label="Promoters">{formatNumber(group.promoters)}</NumberCell>
              <NumberCell label="Tickets">{formatNumber(group.tickets)}</NumberCell>
              <NumberCell label="Revenue">{formatMoney(group.revenue_minor, currency)}</NumberCell>
              <NumberCell label="Visits">{formatNumber(group.visits)}</NumberCell>
              <NumberCell label="Conversion">{formatPercent(group.conversion_rate)}</NumberCell>
              {manage ? (
                <td className="num">
                  <Button size="sm" variant="ghost" onClick={() => setEditing(group)}>
                    Rename<span className="visually-hidden"> {group.name}</span>
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setDeleting(group)}>
                    Delete<span className="visually-hidden"> {group.name}</span>
                  </Button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
