import { config } from '@/config/env';

/**
 * The event request of the page a promoter link opens, started by the entry script
 * before React and the page's code have loaded, so the data and the code come down
 * together instead of one after the other (the page's largest paint waits for both).
 *
 * Deliberately plain `fetch` with no client library: this module is part of the first
 * download of every page. The answer is used once, by the first load of that event's
 * query (see getPublicEvent); anything unexpected (a network error, a non-2xx answer,
 * JSON that is not a list) is dropped and the query asks again the usual way.
 */

/** The columns the attendee pages show, with ticket types in display order. */
export const PUBLIC_EVENT_COLUMNS =
  'id, slug, name, description, venue, starts_at, ends_at, currency, attribution_window_days, referral_code_at_checkout';
export const PUBLIC_TICKET_TYPE_COLUMNS = 'id, name, price_minor, capacity, sold, sort_order, created_at';

/** `/events/<slug>` and `/events/<slug>/checkout` show the event as soon as it is here. */
const EVENT_PATH = /^\/events\/([^/]+)(?:\/checkout)?\/?$/;

const early = new Map<string, Promise<unknown[] | undefined>>();

export function startEarlyEventRequest(pathname: string, fetchImpl: typeof fetch = fetch): void {
  const match = EVENT_PATH.exec(pathname);
  if (!match) return;
  let slug: string;
  try {
    slug = decodeURIComponent(match[1]);
  } catch {
    return;
  }
  const query = new URLSearchParams({
    select: `${PUBLIC_EVENT_COLUMNS.replaceAll(' ', '')},ticket_types(${PUBLIC_TICKET_TYPE_COLUMNS.replaceAll(' ', '')})`,
    slug: `eq.${slug}`,
    status: 'eq.published',
    'ticket_types.order': 'sort_order.asc,created_at.asc',
  });
  const url = new URL(`rest/v1/events?${query}`, `${config.supabaseUrl.replace(/\/+$/, '')}/`);
  const request = fetchImpl(url, {
    headers: { apikey: config.supabaseAnonKey, Authorization: `Bearer ${config.supabaseAnonKey}`, Accept: 'application/json' },
  })
    .then(async (response) => {
      if (!response.ok) return undefined;
      const rows: unknown = await response.json();
      return Array.isArray(rows) ? rows : undefined;
    })
    .catch(() => undefined);
  early.set(slug, request);
}

/** The early answer for this slug, once; undefined when there is none (or it was taken). */
export function takeEarlyEventRows(slug: string): Promise<unknown[] | undefined> | undefined {
  const request = early.get(slug);
  early.delete(slug);
  return request;
}
