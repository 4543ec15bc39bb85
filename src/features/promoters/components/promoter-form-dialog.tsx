import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { CheckboxList, toggled, type CheckboxOption } from '@/components/ui/checkbox-list';
import { Dialog } from '@/components/ui/dialog';
import { Field, TextField } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { useDebouncedValue } from '@/lib/use-debounced-value';
import { usePromoCodeAvailability } from '../api/check-promo-code';
import { useCreatePromoter } from '../api/create-promoter';
import type { Promoter } from '../api/get-promoter';
import { useUpdatePromoter } from '../api/update-promoter';
import { PROMO_CODE_PATTERN, suggestPromoCode } from '../lib/filters';

export type Option = CheckboxOption;

interface Props {
  organizationId: string;
  open: boolean;
  onClose: () => void;
  /** Edit this promoter; without it the dialog adds a new one. */
  promoter?: Promoter;
  events?: Option[];
  groups?: Option[];
  onSaved?: (promoterId: string) => void;
}

/** Add or edit a promoter; the promo code is suggested from the name and checked as you type. */
export function PromoterFormDialog(props: Props) {
  // Remounted on every open so the form starts from the promoter (or blank) each time.
  return props.open ? <PromoterForm {...props} /> : null;
}

function PromoterForm({ organizationId, onClose, promoter, events = [], groups = [], onSaved }: Props) {
  const [name, setName] = useState(promoter?.name ?? '');
  const [code, setCode] = useState(promoter?.promo_code ?? '');
  const [codeEdited, setCodeEdited] = useState(Boolean(promoter));
  const [email, setEmail] = useState(promoter?.email ?? '');
  const [phone, setPhone] = useState(promoter?.phone ?? '');
  const [notes, setNotes] = useState(promoter?.notes ?? '');
  const [eventIds, setEventIds] = useState<string[]>([]);
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [allFuture, setAllFuture] = useState(promoter?.active_on_future_events ?? false);
  const create = useCreatePromoter({ onSuccess: ({ id }) => { onSaved?.(id); onClose(); } });
  const update = useUpdatePromoter(organizationId, { onSuccess: () => { if (promoter) onSaved?.(promoter.id); onClose(); } });
  const mutation = promoter ? update : create;

  const promoCode = codeEdited ? code : suggestPromoCode(name);
  const debouncedCode = useDebouncedValue(promoCode.trim(), 300);
  const unchanged = promoter !== undefined && debouncedCode.toLowerCase() === promoter.promo_code.toLowerCase();
  const availability = usePromoCodeAvailability(organizationId, debouncedCode, promoter?.id ?? null, !unchanged);
  const wellFormed = PROMO_CODE_PATTERN.test(promoCode.trim());

  let codeMessage: string | undefined;
  let codeError: string | undefined;
  if (promoCode && !wellFormed) codeError = '3–32 letters, digits, dashes or underscores.';
  else if (unchanged || !promoCode) codeMessage = undefined;
  else if (debouncedCode !== promoCode.trim() || availability.isFetching) codeMessage = 'Checking availability…';
  else if (availability.data === true) codeMessage = `${promoCode.trim()} is available.`;
  else if (availability.data === false) codeError = `${promoCode.trim()} is already taken.`;
  // A changed code: links and QR codes already shared with the old one keep crediting them.
  const codeChanged = promoter !== undefined && wellFormed && promoCode.trim().toLowerCase() !== promoter.promo_code.toLowerCase();
  if (codeChanged && !codeError) {
    codeMessage = `${codeMessage ? `${codeMessage} ` : ''}Links already shared with ${promoter.promo_code} keep working and still credit this promoter.`;
  }

  const canSubmit = name.trim() !== '' && wellFormed && !codeError && !mutation.isPending;
  let blocked: string | undefined;
  if (!name.trim()) blocked = 'Enter the promoter’s name first.';
  else if (!wellFormed) blocked = 'Enter a promo code of 3–32 letters, digits, dashes or underscores.';
  else if (codeError) blocked = `${promoCode.trim()} is already taken: choose another promo code.`;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!canSubmit) return;
    const input = { name, promoCode: promoCode.trim(), email, phone, notes, activeOnFutureEvents: allFuture };
    if (promoter) update.mutate({ ...input, id: promoter.id });
    else create.mutate({ ...input, organizationId, eventIds, groupIds });
  }

  return (
    <Dialog open title={promoter ? 'Edit promoter' : 'Add promoter'} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={mutation.error} />
        <TextField label="Name" required maxLength={120} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        <TextField
          label="Promo code"
          required
          maxLength={32}
          className="mono"
          value={promoCode}
          onChange={(e) => {
            setCodeEdited(true);
            setCode(e.target.value);
          }}
          hint={codeMessage ?? (promoter ? 'Appears in their links: …?promoter=CODE. If you change it, links with the old code keep working.' : 'Appears in their links: …?promoter=CODE')}
          error={codeError}
          autoComplete="off"
        />
        <div className="form-row">
          <TextField label="Email (optional)" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          <TextField label="Phone (optional)" type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} />
        </div>
        <Field label="Notes (optional)">
          {(control) => <textarea className="textarea" {...control} value={notes} onChange={(e) => setNotes(e.target.value)} />}
        </Field>
        <div className="field">
          <label className="checkbox">
            <input type="checkbox" checked={allFuture} onChange={(e) => setAllFuture(e.target.checked)} aria-describedby="all-future-hint" />
            Active on all future events
          </label>
          <div id="all-future-hint" className="field__hint">
            Every event you create from now on gets a link for this promoter automatically. Existing events are not changed.
          </div>
        </div>
        {!promoter && events.length > 0 ? (
          <CheckboxList legend="Activate on events" options={events} checked={eventIds} onToggle={(id, on) => setEventIds(toggled(eventIds, id, on))} />
        ) : null}
        {!promoter && groups.length > 0 ? (
          <CheckboxList legend="Groups" options={groups} checked={groupIds} onToggle={(id, on) => setGroupIds(toggled(groupIds, id, on))} />
        ) : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" loading={mutation.isPending} disabled={!canSubmit} disabledReason={blocked}>
            {promoter ? 'Save changes' : 'Add promoter'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
