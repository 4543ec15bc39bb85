import { useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { Dialog } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import { portalLink } from '@/config/paths';
import { errorMessage } from '@/lib/errors';
import { formatDateTime } from '@/lib/format';
import { portalStatusQueryOptions, useDisablePortal, useRotatePortal } from '../api/promoter-portal';
import QrCode from '@/components/qr-code';

/**
 * The promoter's private portal link: where they see their own results without an
 * account. Only the secret's hash is stored, so the link is shown once, right after it
 * is made; to share it again, make a new one (the old one stops working).
 */
export function PortalLink({ organizationId, promoterId, promoterName }: { organizationId: string; promoterId: string; promoterName: string }) {
  const status = useSuspenseQuery(portalStatusQueryOptions(organizationId, promoterId));
  const rotate = useRotatePortal();
  const disable = useDisablePortal();
  const toast = useToast();
  const [link, setLink] = useState<string | null>(null);
  const [showQr, setShowQr] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const enabled = status.data.enabled;
  const everMade = status.data.rotated_at != null;

  function makeLink() {
    setConfirming(false);
    rotate.mutate(
      { organizationId, promoterId },
      {
        onSuccess: (portal) => {
          setLink(portalLink(window.location.origin, portal.secret));
          setShowQr(false);
        },
        onError: (error) => toast.show(errorMessage(error), 'error'),
      },
    );
  }

  function turnOff() {
    disable.mutate(
      { organizationId, promoterId },
      {
        onSuccess: () => {
          setLink(null);
          toast.show(`${promoterName}'s portal link is off.`, 'success');
        },
        onError: (error) => toast.show(errorMessage(error), 'error'),
      },
    );
  }

  return (
    <section className="card" aria-labelledby="portal-title">
      <div className="card__header">
        <h3 id="portal-title">Portal link</h3>
        <span className={`badge ${enabled ? 'badge--success' : ''}`}>{enabled ? 'On' : 'Off'}</span>
      </div>
      <p className="muted">
        A private page where {promoterName} sees their own sales, live, without an account. Nothing else of your organization is on it.
      </p>
      <>
        {link ? (
          <div className="link-row" aria-label="New portal link">
            <code className="link-row__url">{link}</code>
            <p className="muted">Copy it now: it is shown only once. To share it again later, make a new link.</p>
            <div className="link-row__actions">
              <CopyButton value={link} label="Copy portal link" />
              <Button size="sm" aria-expanded={showQr} onClick={() => setShowQr(!showQr)}>
                QR code
              </Button>
            </div>
            {showQr ? <QrCode value={link} label={`QR code for ${promoterName}'s portal link`} /> : null}
          </div>
        ) : enabled ? (
          <p>
            A portal link is on (made {formatDateTime(status.data.rotated_at ?? '')}). It cannot be shown again; to share it again, make a new
            link.
          </p>
        ) : (
          <p>{everMade ? 'The portal link is turned off.' : 'No portal link yet.'}</p>
        )}
        <div className="link-row__actions">
          <Button size="sm" variant="primary" loading={rotate.isPending} onClick={() => (enabled ? setConfirming(true) : makeLink())}>
            {enabled ? 'Rotate link' : 'Create portal link'}
          </Button>
          {enabled ? (
            <Button size="sm" variant="ghost" loading={disable.isPending} onClick={turnOff}>
              Turn off
            </Button>
          ) : null}
        </div>
      </>
      <Dialog
        open={confirming}
        role="alertdialog"
        size="sm"
        title="Rotate the portal link?"
        description={`The current link stops working at once: ${promoterName} needs the new one to see their results.`}
        onClose={() => setConfirming(false)}
      >
        <div className="form-actions">
          <Button onClick={() => setConfirming(false)}>Cancel</Button>
          <Button variant="primary" onClick={makeLink}>
            Rotate link
          </Button>
        </div>
      </Dialog>
    </section>
  );
}
