import { PostgrestClient } from '@supabase/postgrest-js';
import { AuthClient } from '@supabase/auth-js';
import type { RealtimeClient } from '@supabase/supabase-js';
import { config } from '@/config/env';
import type { Database } from '@/lib/database.types';
import { withGatewayFailuresAsNetworkErrors } from '@/lib/network-error';

/**
 * The organizer API: the signed-in member's session (GoTrue), the REST API as that member,
 * and Realtime once a live view asks for it. Built from the parts supabase-js is made of
 * rather than with `createClient`, which also brings storage, edge functions and Realtime
 * into the first dashboard download whether used or not. The parts behave as in
 * `createClient`: the same session storage key (so a session survives an update), REST
 * requests carrying the session's token (the anon key when signed out), and Realtime
 * following the session's token.
 */
const apiBase = `${config.supabaseUrl.replace(/\/+$/, '')}/`;
const anonKey = config.supabaseAnonKey;

const auth = new AuthClient({
  url: new URL('auth/v1', apiBase).href,
  headers: { apikey: anonKey, Authorization: `Bearer ${anonKey}` },
  // supabase-js's key for this project's session, so a signed-in organizer stays signed in.
  storageKey: `sb-${new URL(apiBase).hostname.split('.')[0]}-auth-token`,
  autoRefreshToken: true,
  persistSession: true,
  detectSessionInUrl: true,
  flowType: 'implicit',
});

/** The signed-in member's access token, refreshed first if it is about to expire. */
async function sessionToken(): Promise<string | null> {
  const { data } = await auth.getSession();
  return data.session?.access_token ?? null;
}

/** Every REST request goes as the signed-in member, or as the anonymous role when signed out. */
const fetchAsMember: typeof fetch = async (input, init) => {
  const headers = new Headers(init?.headers);
  if (!headers.has('apikey')) headers.set('apikey', anonKey);
  if (!headers.has('Authorization')) headers.set('Authorization', `Bearer ${(await sessionToken()) ?? anonKey}`);
  return fetch(input, { ...init, headers });
};

let realtime: Promise<RealtimeClient> | undefined;

/** The Realtime client, fetched (code and connection) the first time a live view needs it. */
function loadRealtime(): Promise<RealtimeClient> {
  realtime ??= import('./organizer-realtime')
    .then(({ createOrganizerRealtime }) =>
      createOrganizerRealtime({ apiBase, anonKey, auth, accessToken: async () => (await sessionToken()) ?? anonKey }),
    )
    .catch((error: unknown) => {
      realtime = undefined; // a failed download or start is tried again on the next call
      throw error;
    });
  return realtime;
}

class OrganizerClient extends PostgrestClient<Database> {
  readonly auth = auth;
  /** Realtime as the signed-in member; its code is not part of the first dashboard download. */
  readonly loadRealtime = loadRealtime;
}

/** The one typed organizer client of the SPA; it only ever holds the public anon key. */
export const supabase = new OrganizerClient(new URL('rest/v1', apiBase).href, {
  fetch: withGatewayFailuresAsNetworkErrors(fetchAsMember),
  // React Query is the one retry layer (`retryNetworkFailures`): postgrest-js's own GET
  // retries (three, 1 + 2 + 4 s) under it made a failed read spin for about 16 s.
  retry: false,
});

type Functions = Database['public']['Functions'];

/** One row of a set-returning database function, as the generated types describe it. */
export type FunctionRow<Name extends keyof Functions> = Functions[Name]['Returns'] extends (infer Row)[] ? Row : never;
