import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { TextField } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { downloadCsv } from '@/lib/csv';
import { currencyDigits } from '@/lib/format';
import { useConfirmPromoterDeletion } from '../api/confirm-promoter-deletion';
import type { Promoter } from '../api/get-promoter';
import { getPromoterHistory } from '../api/get-promoter-history';
import { useRequestPromoterDeletion } from '../api/request-promoter-deletion';
import { historyCsv } from '../lib/export';
import { toDateInput } from '../lib/filters';

/**
 * Two confirmations, both enforced by the database: the first explains what goes and
 * requests a deletion token; the second asks for the promo code and spends the token.
 * Closing at any step keeps the promoter (an unused token simply expires).
 */
export function DeletePromoterDialog({
  organizationId,
  promoter,
  open,
  onClose,
  onDeleted,
}: {
  organizationId: string;
  promoter: Promoter;
  open: boolean;
  onClose: () => void;
  onDeleted: () => void;
}) {
  return open ? <DeleteSteps organizationId={organizationId} promoter={promoter} onClose={onClose} onDeleted={onDeleted} /> : null;
}

function DeleteSteps({ organizationId, promoter, onClose, onDeleted }: { organizationId: string; promoter: Promoter; onClose: () => void; onDeleted: () => void }) {
  const [token, setToken] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const [exportState, setExportState] = useState<'idle' | 'busy' | 'failed'>('idle');
  const request = useRequestPromoterDeletion();
  const confirm = useConfirmPromoterDeletion({ onSuccess: onDeleted });

  async function exportHistory() {
    setExportState('busy');
    try {
      const sales = await getPromoterHistory(promoter.id);
      downloadCsv(`promoter-${promoter.promo_code}-history_all-time_to_${toDateInput(new Date())}.csv`, historyCsv(sales, currencyDigits));
      setExportState('idle');
    } catch {
      setExportState('failed');
    }
  }

  if (token === null) {
    return (
      <Dialog
        open
        role="alertdialog"
        title={`Delete ${promoter.name}?`}
        onClose={onClose}
        description={
          <>
            <p>
              This permanently deletes all of {promoter.name}’s history: their tracking links, visits, sales attributions and group
              memberships. Their links stop working.
            </p>
            <p>Orders stay: the sales happened, they will just no longer be attributed to anyone.</p>
          </>
        }
      >
        <div className="form">
          <FormError error={request.error} />
          {exportState === 'failed' ? <FormError>The history could not be exported. Try again.</FormError> : null}
          <div className="form-actions">
            <Button onClick={() => void exportHistory()} loading={exportState === 'busy'}>
              Export history (CSV)
            </Button>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="danger" loading={request.isPending} onClick={() => request.mutate(promoter.id, { onSuccess: (result) => setToken(result.token) })}>
              Continue
            </Button>
          </div>
        </div>
      </Dialog>
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!token || !typed.trim()) return;
    confirm.mutate({ organizationId, promoterId: promoter.id, token, promoCode: typed.trim() });
  }

  return (
    <Dialog
      open
      role="alertdialog"
      title="Confirm permanent deletion"
      onClose={onClose}
      description={
        <p>
          Type the promo code <strong className="mono">{promoter.promo_code}</strong> to delete {promoter.name} for good.
        </p>
      }
    >
      <form className="form" onSubmit={submit}>
        <FormError error={confirm.error} />
        <TextField label="Promo code" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="danger" loading={confirm.isPending} disabled={!typed.trim()} disabledReason="Type the promo code first.">
            Delete permanently
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
