import { useId } from 'react';
import { PanelError } from '@/components/ui/error-boundary';
import { SkeletonList } from '@/components/ui/skeleton';
import { useToast } from '@/components/ui/toast';
import { errorMessage } from '@/lib/errors';
import { useCountSelfReferrals, useSetSelfReferralSetting } from '../api/self-referral-settings';

/** Whether orders promoters buy with their own email count toward their figures (yes by default). */
export function SelfReferralSettings({ organizationId, canEdit }: { organizationId: string; canEdit: boolean }) {
  const setting = useCountSelfReferrals(organizationId);
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
      {setting.isPending ? (
        <SkeletonList rows={1} label="Loading the self-referral setting" />
      ) : setting.isError ? (
        <PanelError title="The self-referral setting could not load" error={setting.error} onRetry={() => void setting.refetch()} />
      ) : (
        <label className="checkbox">
          <input
            type="checkbox"
            checked={setting.data}
            disabled={!canEdit || save.isPending}
            aria-describedby={`${ids}-explanation`}
            onChange={(e) => change(e.target.checked)}
          />
          Count self-referrals in promoters&apos; figures
        </label>
      )}
    </section>
  );
}
