import { useSuspenseQueries } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { EmptyState } from '@/components/ui/empty-state';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { PageHeader } from '@/components/ui/page-header';
import { SkeletonList } from '@/components/ui/skeleton';
import { useToast } from '@/components/ui/toast';
import { paths, trackingLink } from '@/config/paths';
import { errorMessage } from '@/lib/errors';
import { formatDateTime, formatMoney, formatNumber } from '@/lib/format';
import { eventLinksQueryOptions } from '../api/get-event-links';
import { eventPerformanceQueryOptions } from '../api/get-event-performance';
import { eventsQueryOptions, type OrganizerEvent } from '../api/get-events';
import { useSetEventStatus } from '../api/set-event-status';
import { EventFormDialog } from './event-form-dialog';

const STATUS_LABEL = { draft: 'Draft', published: 'Published', cancelled: 'Cancelled' } as const;

/** The organization's events: totals, ticket types, publish state and active promoter links. */
export function EventsPanel({ organizationId, currency }: { organizationId: string; currency: string }) {
  const [editing, setEditing] = useState<OrganizerEvent | 'new' | null>(null);

  return (
    <>
      <PageHeader title="Events">
        <Button variant="primary" onClick={() => setEditing('new')}>
          New event
        </Button>
      </PageHeader>
      <PanelErrorBoundary title="Events could not load" loading={<SkeletonList rows={3} label="Loading events" />} resetKeys={[organizationId]}>
        <EventList organizationId={organizationId} currency={currency} onEdit={setEditing} />
      </PanelErrorBoundary>
      {editing ? (
        <EventFormDialog organizationId={organizationId} currency={currency} event={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />
      ) : null}
    </>
  );
}

function EventList({
  organizationId,
  currency,
  onEdit: setEditing,
}: {
  organizationId: string;
  currency: string;
  onEdit: (event: OrganizerEvent | 'new') => void;
}) {
  const [events, performance, links] = useSuspenseQueries({
    queries: [eventsQueryOptions(organizationId), eventPerformanceQueryOptions(organizationId), eventLinksQueryOptions(organizationId)],
  });
  const setStatus = useSetEventStatus();
  const toast = useToast();

  return events.data.length === 0 ? (
    <div className="card">
      <EmptyState title="No events yet — create your first" action={<Button variant="primary" onClick={() => setEditing('new')}>New event</Button>}>
        Add ticket types, publish it, then give promoters their links.
      </EmptyState>
    </div>
  ) : (
    <ul className="event-list" aria-label="Events">
      {events.data.map((event) => {
        const totals = performance.data.get(event.id);
        const eventLinks = links.data.filter((link) => link.event_id === event.id);
        const published = event.status === 'published';
        return (
          <li key={event.id} className="card event-card" aria-labelledby={`event-${event.id}`}>
            <div className="event-card__top">
              <div>
                <h2 id={`event-${event.id}`}>{event.name}</h2>
                <p className="muted">
                  {formatDateTime(event.starts_at)}
                  {event.venue ? ` · ${event.venue}` : ''}
                </p>
              </div>
              <div className="detail__actions">
                <span className={`badge ${published ? 'badge--success' : ''}`}>{STATUS_LABEL[event.status]}</span>
                <Button size="sm" onClick={() => setEditing(event)}>
                  Edit<span className="visually-hidden"> {event.name}</span>
                </Button>
                {event.status !== 'cancelled' ? (
                  <Button
                    size="sm"
                    variant={published ? 'secondary' : 'primary'}
                    loading={setStatus.isPending && setStatus.variables?.eventId === event.id}
                    onClick={() =>
                      setStatus.mutate(
                        { organizationId, eventId: event.id, status: published ? 'draft' : 'published' },
                        {
                          onSuccess: () => toast.show(published ? `${event.name} is unpublished.` : `${event.name} is live.`, 'success'),
                          onError: (error) => toast.show(errorMessage(error), 'error'),
                        },
                      )
                    }
                  >
                    {published ? 'Unpublish' : 'Publish'}
                    <span className="visually-hidden"> {event.name}</span>
                  </Button>
                ) : null}
                {published ? (
                  <a className="btn btn--sm btn--ghost" href={paths.publicEvent(event.slug)} target="_blank" rel="noreferrer">
                    View page
                  </a>
                ) : null}
              </div>
            </div>
            <dl className="stat-grid">
              <div className="stat">
                <dt>Tickets sold</dt>
                <dd>{totals ? formatNumber(totals.tickets) : '0'}</dd>
              </div>
              <div className="stat">
                <dt>Revenue</dt>
                <dd>{formatMoney(totals?.revenue_minor ?? 0, event.currency || currency)}</dd>
              </div>
              <div className="stat">
                <dt>Via promoters</dt>
                <dd>{formatNumber(totals?.attributed_tickets ?? 0)}</dd>
              </div>
            </dl>
            {event.ticket_types.length > 0 ? (
              <p className="muted">
                {event.ticket_types
                  .map((ticket) => `${ticket.name} ${formatMoney(ticket.price_minor, event.currency)} (${formatNumber(ticket.sold)}/${formatNumber(ticket.capacity)})`)
                  .join(' · ')}
              </p>
            ) : (
              <p className="muted">No ticket types yet.</p>
            )}
            <details>
              <summary>
                {eventLinks.length === 1 ? '1 active promoter' : `${formatNumber(eventLinks.length)} active promoters`}
              </summary>
              {eventLinks.length === 0 ? (
                <p className="muted">Activate promoters on this event from their page to give them a link.</p>
              ) : (
                <>
                  {!published ? (
                    <p className="muted">
                      {event.status === 'draft'
                        ? 'Not live — event is a draft. The links work once the event is published.'
                        : 'Not live — event is cancelled.'}
                    </p>
                  ) : null}
                  <ul className="link-list">
                    {eventLinks.map((link) => {
                      const url = trackingLink(window.location.origin, event.slug, link.promoter.promo_code);
                      return (
                        <li key={link.id} className="link-row">
                          <div className="link-row__top">
                            <Link to={paths.promoter(link.promoter.id)}>{link.promoter.name}</Link>
                            {published ? <CopyButton value={url} /> : <span className="badge badge--warning">Not live</span>}
                          </div>
                          <code className="link-row__url">{url}</code>
                        </li>
                      );
                    })}
                  </ul>
                </>
              )}
            </details>
          </li>
        );
      })}
    </ul>
  );
}
