import { useSuspenseQuery } from '@tanstack/react-query';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { SkeletonList } from '@/components/ui/skeleton';
import { useToast } from '@/components/ui/toast';
import { errorMessage } from '@/lib/errors';
import { portalSettingsQueryOptions, useSetPortalSettings } from '../api/portal-settings';

/** What promoters see on their portal pages: revenue (on by default) and their rank (off). */
export function PortalSettings({ organizationId, canEdit }: { organizationId: string; canEdit: boolean }) {
  const save = useSetPortalSettings();
  const toast = useToast();

  function change(input: { showRevenue?: boolean; showRank?: boolean }) {
    save.mutate(
      { organizationId, ...input },
      {
        onSuccess: () => toast.show('Portal settings saved.', 'success'),
        onError: (error) => toast.show(errorMessage(error), 'error'),
      },
    );
  }

  return (
    <section className="card" aria-labelledby="portal-settings-heading">
      <div className="card__header">
        <h2 id="portal-settings-heading">Promoter portals</h2>
      </div>
      <p className="muted">
        Each promoter can have a private portal link (made in their panel) showing their own tickets, visits and conversion. Choose what else it
        shows.{canEdit ? '' : ' Owners and admins change these settings.'}
      </p>
      <PanelErrorBoundary title="Portal settings could not load" loading={<SkeletonList rows={2} label="Loading portal settings" />} resetKeys={[organizationId]}>
        <PortalSettingsFields organizationId={organizationId} disabled={!canEdit || save.isPending} onChange={change} />
      </PanelErrorBoundary>
    </section>
  );
}

function PortalSettingsFields({
  organizationId,
  disabled,
  onChange: change,
}: {
  organizationId: string;
  disabled: boolean;
  onChange: (input: { showRevenue?: boolean; showRank?: boolean }) => void;
}) {
  const settings = useSuspenseQuery(portalSettingsQueryOptions(organizationId));
  return (
        <fieldset className="checkbox-list" disabled={disabled}>
          <legend className="visually-hidden">What promoter portals show</legend>
          <label className="checkbox">
            <input type="checkbox" checked={settings.data.portal_show_revenue} onChange={(e) => change({ showRevenue: e.target.checked })} />
            Show revenue — the amount their sales brought in
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={settings.data.portal_show_rank} onChange={(e) => change({ showRank: e.target.checked })} />
            Show rank — their place among the event&apos;s promoters by tickets (no other names are shown)
          </label>
        </fieldset>
  );
}
