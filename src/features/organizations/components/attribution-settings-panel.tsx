import { useSuspenseQueries } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { FormError } from '@/components/ui/form-error';
import { SkeletonList } from '@/components/ui/skeleton';
import { useToast } from '@/components/ui/toast';
import { maxAttributionWindowDays } from '@/lib/database.types';
import { attributionSettingsQueryOptions, useSaveAttributionSettings, type AttributionSettings } from '../api/attribution-settings';
import { membersQueryOptions } from '../api/get-members';
import type { Organization } from '../api/get-my-organizations';

type WindowMode = 'session' | 'days';

/**
 * The organization's attribution rules: how long a tracking link can credit a purchase,
 * and whether checkout asks for a referral code. Owners and admins edit; members read.
 */
export function AttributionSettingsPanel({ organization, userId }: { organization: Organization; userId: string }) {
  const ids = useId();
  return (
    <section className="card" aria-labelledby={`${ids}-heading`}>
      <div className="card__header">
        <h2 id={`${ids}-heading`}>Attribution</h2>
      </div>
      <PanelErrorBoundary
        title="Attribution settings could not load"
        loading={<SkeletonList rows={3} label="Loading attribution settings" />}
        resetKeys={[organization.id]}
      >
        <SavedAttributionSettings organizationId={organization.id} userId={userId} />
      </PanelErrorBoundary>
    </section>
  );
}

function SavedAttributionSettings({ organizationId, userId }: { organizationId: string; userId: string }) {
  const [settings, members] = useSuspenseQueries({
    queries: [attributionSettingsQueryOptions(organizationId), membersQueryOptions(organizationId)],
  });
  const myRole = members.data.find((member) => member.user_id === userId)?.role;
  const canEdit = myRole === 'owner' || myRole === 'admin';
  return (
    // Keyed on the saved values: the form starts from them again after each save.
    <AttributionSettingsForm
      key={`${settings.data.attribution_window_days}:${settings.data.referral_code_at_checkout}`}
      organizationId={organizationId}
      saved={settings.data}
      canEdit={canEdit}
    />
  );
}

function AttributionSettingsForm({ organizationId, saved, canEdit }: { organizationId: string; saved: AttributionSettings; canEdit: boolean }) {
  const save = useSaveAttributionSettings();
  const toast = useToast();
  const ids = useId();
  const [mode, setMode] = useState<WindowMode>(saved.attribution_window_days === null ? 'session' : 'days');
  const [days, setDays] = useState(String(saved.attribution_window_days ?? 7));
  const [referralCodes, setReferralCodes] = useState(saved.referral_code_at_checkout);
  const dayCount = Number(days);
  const daysValid = Number.isInteger(dayCount) && dayCount >= 1 && dayCount <= maxAttributionWindowDays;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mode === 'days' && !daysValid) return;
    save.mutate(
      { organizationId, attribution_window_days: mode === 'session' ? null : dayCount, referral_code_at_checkout: referralCodes },
      { onSuccess: () => toast.show('Attribution settings saved.', 'success') },
    );
  };

  return (
    <form onSubmit={submit} aria-describedby={canEdit ? undefined : `${ids}-readonly`}>
      {canEdit ? null : (
        <p id={`${ids}-readonly`} className="muted">
          Only owners and admins can change these settings.
        </p>
      )}
      <fieldset className="field" disabled={!canEdit}>
        <legend className="field__label">A tracking link credits a purchase made</legend>
        <label className="choice">
          <input type="radio" name="window" value="session" checked={mode === 'session'} onChange={() => setMode('session')} />
          <span>
            <strong>In this browser session</strong>
            <span className="field__hint"> — only until the buyer closes the browser, on the device that opened the link.</span>
          </span>
        </label>
        <label className="choice">
          <input type="radio" name="window" value="days" checked={mode === 'days'} onChange={() => setMode('days')} />
          <span>
            <strong>Within a number of days</strong>
            <span className="field__hint">
              {' '}
              — the browser remembers the link for that many days after it was opened, even after it is closed; the last link opened wins.
            </span>
          </span>
        </label>
        {mode === 'days' ? (
          <div className="field">
            <label className="field__label" htmlFor={`${ids}-days`}>
              Days (1 to {maxAttributionWindowDays})
            </label>
            <input
              id={`${ids}-days`}
              className="input"
              type="number"
              inputMode="numeric"
              min={1}
              max={maxAttributionWindowDays}
              step={1}
              value={days}
              onChange={(event) => setDays(event.target.value)}
              aria-invalid={daysValid ? undefined : true}
              aria-describedby={daysValid ? undefined : `${ids}-days-error`}
            />
            {daysValid ? null : (
              <div id={`${ids}-days-error`} className="field__error">
                Enter a whole number of days from 1 to {maxAttributionWindowDays}.
              </div>
            )}
          </div>
        ) : null}
      </fieldset>
      <fieldset className="field" disabled={!canEdit}>
        <legend className="field__label">Referral code at checkout</legend>
        <label className="choice">
          <input type="checkbox" checked={referralCodes} onChange={(event) => setReferralCodes(event.target.checked)} />
          <span>
            <strong>Ask “Referred by (code)” at checkout</strong>
            <span className="field__hint">
              {' '}
              — a buyer who came without a link (another device, an in-app browser) can type a promoter’s code, and that promoter gets the sale.
            </span>
          </span>
        </label>
      </fieldset>
      <FormError error={save.error} />
      {canEdit ? (
        <div className="form-actions">
          <Button type="submit" disabled={save.isPending || (mode === 'days' && !daysValid)}>
            {save.isPending ? 'Saving…' : 'Save attribution settings'}
          </Button>
        </div>
      ) : null}
    </form>
  );
}
