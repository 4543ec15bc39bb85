import { useSuspenseQuery } from '@tanstack/react-query';
import { useLayoutEffect, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { DocumentTitle } from '@/components/document-title';
import { NotFoundPage } from '@/components/not-found-page';
import { PanelError, PanelErrorBoundary } from '@/components/ui/error-boundary';
import { Skeleton } from '@/components/ui/skeleton';
import { paths } from '@/config/paths';
import { publicEventQueryOptions, type PublicEvent } from '../api/get-public-event';
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
  useRemovePrerenderedEvent();
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
 * The attendee pages' boundary: the event skeleton while suspense queries below load,
 * the page's error with "Try again" (which fetches again) when they fail; starts afresh
 * when `resetKeys` change.
 */
export function AttendeeBoundary({ resetKeys, children }: { resetKeys: readonly unknown[]; children: ReactNode }) {
  return (
    <PanelErrorBoundary
      loading={<EventSkeleton />}
      resetKeys={resetKeys}
      renderError={({ error, retry }) => <LoadError error={error} onRetry={retry} />}
    >
      {children}
    </PanelErrorBoundary>
  );
}

/**
 * Loads the published event and renders `children` with it; while loading and on a load
 * error the attendee boundary's states, and for an unknown or unpublished event
 * `notFound` (the not-found page unless given).
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
  // The host's static hero hides the app's root while it is there: leaving before the
  // event has settled removes it too.
  useLayoutEffect(() => removePrerenderedEvent, []);
  return (
    <AttendeeBoundary resetKeys={[slug]}>
      <PublicEventContent slug={slug} notFound={notFound}>
        {children}
      </PublicEventContent>
    </AttendeeBoundary>
  );
}

/**
 * The host's static hero stays until the page, its not-found or its error state renders,
 * and goes in that same commit (before paint), so the swap never shows.
 */
function useRemovePrerenderedEvent() {
  useLayoutEffect(() => removePrerenderedEvent(), []);
}

function PublicEventContent({ slug, notFound, children }: { slug: string; notFound: ReactNode; children: (event: PublicEvent) => ReactNode }) {
  const { data: event } = useSuspenseQuery(publicEventQueryOptions(slug));
  useRemovePrerenderedEvent();
  if (event === null) return notFound;
  return <main className="att-page">{children(event)}</main>;
}
