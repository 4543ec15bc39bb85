import { useSuspenseQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { SkeletonList } from '@/components/ui/skeleton';
import { useToast } from '@/components/ui/toast';
import { errorMessage } from '@/lib/errors';
import { countSelfReferralsQueryOptions, useSetSelfReferralSetting } from '../api/self-referral-settings';

/** Whether orders promoters buy with their own email count toward their figures (yes by default). */
export function SelfReferralSettings({ organizationId, canEdit }: { organizationId: string; canEdit: boolean }) {
  const save = useSetSelfReferralSetting();
  const toast = useToast();
  const ids = useId();

  function change(count: boolean) {
    save.mutate(
      { organizationId, count },
      {
        onSuccess: (saved) => toast.show(saved ? 'Self-referrals now count.' : 'Self-referrals no longer count.', 'success'),
        onError: (error) => toast.show(errorMessage(error), 'error'),
      },
    );
  }

  return (
    <section className="card" aria-labelledby={`${ids}-heading`}>
      <div className="card__header">
        <h2 id={`${ids}-heading`}>Self-referrals</h2>
      </div>
      <p className="muted" id={`${ids}-explanation`}>
        An order whose buyer email is the promoter&apos;s own is a self-referral: it always sells and stays in the orders list, flagged, and you
        choose whether it counts toward promoters&apos; tickets, revenue, conversion and rank everywhere, past sales included.
        {canEdit ? '' : ' Owners and admins change this setting.'}
      </p>
      <PanelErrorBoundary
        title="The self-referral setting could not load"
        loading={<SkeletonList rows={1} label="Loading the self-referral setting" />}
        resetKeys={[organizationId]}
      >
        <SelfReferralCheckbox
          organizationId={organizationId}
          disabled={!canEdit || save.isPending}
          describedBy={`${ids}-explanation`}
          onChange={change}
        />
      </PanelErrorBoundary>
    </section>
  );
}

function SelfReferralCheckbox({
  organizationId,
  disabled,
  describedBy,
  onChange,
}: {
  organizationId: string;
  disabled: boolean;
  describedBy: string;
  onChange: (count: boolean) => void;
}) {
  const setting = useSuspenseQuery(countSelfReferralsQueryOptions(organizationId));
  return (
    <label className="checkbox">
      <input type="checkbox" checked={setting.data} disabled={disabled} aria-describedby={describedBy} onChange={(e) => onChange(e.target.checked)} />
      Count self-referrals in promoters&apos; figures
    </label>
  );
}
