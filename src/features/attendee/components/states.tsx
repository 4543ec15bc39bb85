import { useLayoutEffect, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { DocumentTitle } from '@/components/document-title';
import { NotFoundPage } from '@/components/not-found-page';
import { PanelError } from '@/components/ui/error-boundary';
import { Skeleton } from '@/components/ui/skeleton';
import { paths } from '@/config/paths';
import { usePublicEvent, type PublicEvent } from '../api/get-public-event';
import { removePrerenderedEvent } from '../lib/prerendered-event';

/** Placeholder blocks shaped like the event page while it loads. */
export function EventSkeleton() {
  return (
    <main className="att-page">
      <div className="att-skeleton" role="status" aria-label="Loading event">
        <Skeleton height="2.4rem" width="70%" />
        <Skeleton height="1.1rem" width="50%" />
        <Skeleton height="1.1rem" width="35%" />
        <Skeleton height="4.5rem" />
        <Skeleton height="4.5rem" />
      </div>
    </main>
  );
}

export function EventNotFound() {
  return (
    <>
      <DocumentTitle title="Event not found" />
      <NotFoundPage
        title="Event not found"
        message="This event does not exist or is not open to the public. Please check the link you followed."
      />
    </>
  );
}

export function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <main className="att-page">
      <PanelError title="We could not load this event" error={error} onRetry={onRetry} />
    </main>
  );
}

export function BackToEvent({ slug, children }: { slug: string; children: ReactNode }) {
  return (
    <Link className="att-back-link" to={paths.publicEvent(slug)}>
      {children}
    </Link>
  );
}

/**
 * Loads the published event and renders `children` with it; while loading, on a load
 * error and for an unknown or unpublished event (`notFound`, the not-found page unless
 * given) it renders the matching state instead.
 */
export function WithPublicEvent({
  slug,
  notFound = <EventNotFound />,
  children,
}: {
  slug: string;
  notFound?: ReactNode;
  children: (event: PublicEvent) => ReactNode;
}) {
  const event = usePublicEvent(slug);
  // The host's static hero stays until this renders the page, its not-found or its error
  // state, and goes in the same commit (before paint), so the swap never shows. Leaving
  // before that removes it too: it hides the app's root while it is there.
  const settled = !event.isPending;
  useLayoutEffect(() => {
    if (settled) removePrerenderedEvent();
  }, [settled]);
  useLayoutEffect(() => removePrerenderedEvent, []);
  if (event.isPending) return <EventSkeleton />;
  if (event.isError) return <LoadError error={event.error} onRetry={() => void event.refetch()} />;
  if (event.data === null) return notFound;
  return <main className="att-page">{children(event.data)}</main>;
}
