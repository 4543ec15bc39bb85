import { PostgrestClient } from '@supabase/postgrest-js';
import { config } from '@/config/env';
import type { Database } from '@/lib/database.types';
import { withGatewayFailuresAsNetworkErrors } from '@/lib/network-error';

/**
 * The attendee pages' client: the REST API (PostgREST) as the anonymous visitor, and
 * nothing else. Without auth, realtime and storage it is a few kilobytes where the full
 * client (`@/lib/supabase`) is about sixty, so the page a promoter link opens stays small.
 * Same request API (`from`, `rpc`) and the same answers and errors as the full client.
 */
export const publicApi = new PostgrestClient<Database>(new URL('rest/v1', `${config.supabaseUrl.replace(/\/+$/, '')}/`).href, {
  headers: { apikey: config.supabaseAnonKey, Authorization: `Bearer ${config.supabaseAnonKey}` },
  // As the organizer client: React Query's `retryNetworkFailures` is the one retry layer,
  // and a proxy's failure page counts as a network failure.
  fetch: withGatewayFailuresAsNetworkErrors((input, init) => fetch(input, init)),
  retry: false,
});
