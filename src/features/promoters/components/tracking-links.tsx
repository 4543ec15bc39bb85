import { useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { EmptyState } from '@/components/ui/empty-state';
import { useToast } from '@/components/ui/toast';
import { organizerPreviewLink, qrTrackingLink, trackingLink } from '@/config/paths';
import { errorMessage } from '@/lib/errors';
import { promoterLinksQueryOptions } from '../api/get-promoter-links';
import { useFirstRunMark } from '../lib/first-run';
import { usePublishEvent } from '../api/publish-event';
import { useSetPromoterEventActive } from '../api/set-promoter-event-active';
import QrCode from '@/components/qr-code';
import type { Option } from './promoter-form-dialog';

/** Per-event tracking links with copy, QR, open, and activation; plus events not yet linked. */
export function TrackingLinks({
  organizationId,
  promoterId,
  promoCode,
  events,
}: {
  organizationId: string;
  promoterId: string;
  promoCode: string;
  events: (Option & { slug: string })[];
}) {
  const links = useSuspenseQuery(promoterLinksQueryOptions(organizationId, promoterId));
  const toast = useToast();
  const setActive = useSetPromoterEventActive();
  const publishEvent = usePublishEvent();
  const [qrFor, setQrFor] = useState<string | null>(null);
  const origin = window.location.origin;
  const [, markShared] = useFirstRunMark(organizationId, 'link-shared');

  function change(eventId: string, active: boolean) {
    setActive.mutate(
      { organizationId, promoterId, eventId, active },
      { onError: (error) => toast.show(errorMessage(error), 'error') },
    );
  }

  function publish(eventId: string, eventName: string) {
    publishEvent.mutate(
      { organizationId, eventId },
      {
        onSuccess: () => toast.show(`${eventName} is live; the links work now.`, 'success'),
        onError: (error) => toast.show(errorMessage(error), 'error'),
        onSettled: () => void links.refetch(),
      },
    );
  }

  const linked = new Set(links.data.map((link) => link.event.id));
  const unlinked = events.filter((event) => !linked.has(event.id));

  return (
    <section className="card" aria-labelledby="links-title">
      <div className="card__header">
        <h3 id="links-title">Tracking links</h3>
      </div>
      <ul className="link-list" aria-label="Tracking links">
        {links.data.length === 0 ? (
          <li>
            <EmptyState title="Not active on any event yet">Activate this promoter on an event to create their link.</EmptyState>
          </li>
        ) : null}
        {links.data.map((link) => {
          const url = trackingLink(origin, link.event.slug, promoCode);
          if (link.event.status !== 'published') {
            // Attendees get "Event not found" until the event is published: no Copy,
            // QR or Open that would suggest the link works.
            const draft = link.event.status === 'draft';
            return (
              <li key={link.id} className="link-row" aria-label={link.event.name}>
                <div className="link-row__top">
                  <strong>{link.event.name}</strong>
                  <span className="badge badge--warning">{draft ? 'Not live — event is a draft' : 'Not live — event is cancelled'}</span>
                </div>
                <p className="muted">
                  {draft
                    ? `The link works once ${link.event.name} is published.`
                    : `${link.event.name} was cancelled; its page and links no longer open.`}
                </p>
                {draft ? (
                  <div className="link-row__actions">
                    <Button
                      size="sm"
                      variant="primary"
                      loading={publishEvent.isPending && publishEvent.variables?.eventId === link.event.id}
                      onClick={() => publish(link.event.id, link.event.name)}
                    >
                      Publish<span className="visually-hidden"> {link.event.name}</span>
                    </Button>
                  </div>
                ) : null}
              </li>
            );
          }
          return (
            <li key={link.id} className="link-row" aria-label={link.event.name}>
              <div className="link-row__top">
                <strong>{link.event.name}</strong>
                <span className={`badge ${link.active ? 'badge--success' : ''}`}>{link.active ? 'Active' : 'Inactive'}</span>
              </div>
              <code className="link-row__url">{url}</code>
              <div className="link-row__actions">
                <CopyButton value={url} onCopied={markShared} />
                <a className="btn btn--sm" href={organizerPreviewLink(url)} target="_blank" rel="noreferrer" title="Opens the page without counting a visit">
                  Open<span className="visually-hidden"> {link.event.name} link in a new tab</span>
                </a>
                <Button size="sm" aria-expanded={qrFor === link.id} onClick={() => setQrFor(qrFor === link.id ? null : link.id)}>
                  QR code
                </Button>
                <Button size="sm" variant="ghost" loading={setActive.isPending && setActive.variables?.eventId === link.event.id} onClick={() => change(link.event.id, !link.active)}>
                  {link.active ? 'Deactivate' : 'Activate'}
                  <span className="visually-hidden"> on {link.event.name}</span>
                </Button>
              </div>
              {qrFor === link.id ? <QrCode value={qrTrackingLink(url)} label={`QR code for the ${link.event.name} link`} /> : null}
            </li>
          );
        })}
        {unlinked.map((event) => (
          <li key={event.id} className="link-row">
            <div className="link-row__top">
              <span>{event.name}</span>
              <Button size="sm" onClick={() => change(event.id, true)} loading={setActive.isPending && setActive.variables?.eventId === event.id}>
                Activate<span className="visually-hidden"> on {event.name}</span>
              </Button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
