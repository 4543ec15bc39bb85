import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { paths } from '@/config/paths';

/** Placeholder blocks shaped like the event page while it loads. */
export function EventSkeleton() {
  return (
    <div className="att-skeleton" aria-busy="true" aria-live="polite">
      <span className="att-visually-hidden">Loading event…</span>
      <div className="att-skeleton-block att-skeleton-title" />
      <div className="att-skeleton-block att-skeleton-line" />
      <div className="att-skeleton-block att-skeleton-line att-skeleton-short" />
      <div className="att-skeleton-block att-skeleton-card" />
      <div className="att-skeleton-block att-skeleton-card" />
    </div>
  );
}

export function EventNotFound() {
  return (
    <section className="att-state" aria-labelledby="event-not-found-title">
      <title>Event not found</title>
      <h1 id="event-not-found-title">Event not found</h1>
      <p>This event does not exist or is not open to the public. Please check the link you followed.</p>
    </section>
  );
}

export function LoadError({ onRetry }: { onRetry: () => void }) {
  return (
    <section className="att-state" role="alert">
      <h1>We could not load this event</h1>
      <p>Please check your connection and try again.</p>
      <button type="button" className="att-button" onClick={onRetry}>
        Try again
      </button>
    </section>
  );
}

export function BackToEvent({ slug, children }: { slug: string; children: ReactNode }) {
  return (
    <Link className="att-back-link" to={paths.publicEvent(slug)}>
      {children}
    </Link>
  );
}
