import { useSuspenseQuery } from '@tanstack/react-query';
import { Navigate, useLocation } from 'react-router-dom';
import { paths } from '@/config/paths';
import { resolvedEventSlugQueryOptions } from '../api/resolve-event-slug';
import { EventNotFound } from './states';

/**
 * For a slug that names no published event: when it is a former slug of one (the
 * organizer renamed the event after printing links), replaces the location with the
 * event's current address, keeping the query (`?promoter=<code>` and the rest) so the
 * visit is still credited; otherwise the not-found page.
 */
export function FormerSlugRedirect({ slug }: { slug: string }) {
  const location = useLocation();
  // Loads and fails under the event page's boundary (see WithPublicEvent).
  const { data: current } = useSuspenseQuery(resolvedEventSlugQueryOptions(slug));
  if (current === null || current === slug) return <EventNotFound />;
  return <Navigate replace to={{ pathname: paths.publicEvent(current), search: location.search, hash: location.hash }} />;
}
