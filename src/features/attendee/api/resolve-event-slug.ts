import { queryOptions } from '@tanstack/react-query';
import { publicApi } from '@/lib/public-api';
import { attendeeKeys } from './keys';

/**
 * Where a former slug of an event leads now: the event's current slug when it is
 * published, otherwise `null`. Printed links and QR codes keep working after a rename.
 */
export async function resolveEventSlug(slug: string): Promise<string | null> {
  const { data, error } = await publicApi.rpc('resolve_event_slug', { p_slug: slug });
  if (error) throw error;
  return typeof data === 'string' && data.length > 0 ? data : null;
}

export const resolvedEventSlugQueryOptions = (slug: string) =>
  queryOptions({ queryKey: attendeeKeys.formerSlug(slug), queryFn: () => resolveEventSlug(slug) });
