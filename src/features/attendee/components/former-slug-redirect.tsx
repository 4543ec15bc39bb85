import { Navigate, useLocation } from 'react-router-dom';
import { paths } from '@/config/paths';
import { useResolvedEventSlug } from '../api/resolve-event-slug';
import { EventNotFound, EventSkeleton, LoadError } from './states';

/**
 * For a slug that names no published event: when it is a former slug of one (the
 * organizer renamed the event after printing links), replaces the location with the
 * event's current address, keeping the query (`?promoter=<code>` and the rest) so the
 * visit is still credited; otherwise the not-found page.
 */
export function FormerSlugRedirect({ slug }: { slug: string }) {
  const location = useLocation();
  const resolved = useResolvedEventSlug(slug);
  if (resolved.isPending) return <EventSkeleton />;
  if (resolved.isError) return <LoadError error={resolved.error} onRetry={() => void resolved.refetch()} />;
  if (resolved.data === null || resolved.data === slug) return <EventNotFound />;
  return <Navigate replace to={{ pathname: paths.publicEvent(resolved.data), search: location.search, hash: location.hash }} />;
}
