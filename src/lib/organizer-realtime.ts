import type { GoTrueClient } from '@supabase/auth-js';
import { RealtimeClient } from '@supabase/supabase-js';

/**
 * Realtime as the signed-in member, loaded apart from the organizer client (see
 * `@/lib/supabase`) so the first dashboard download does not carry it. As in supabase-js,
 * the socket asks for the session's token when it connects or joins, and takes a new one
 * whenever the session changes. The client is handed out only once it holds the current
 * token: a channel joined before that would be joined without one, refused as
 * unauthorized, and shown as offline until its rejoin.
 */
export async function createOrganizerRealtime(options: {
  apiBase: string;
  anonKey: string;
  auth: GoTrueClient;
  accessToken: () => Promise<string>;
}): Promise<RealtimeClient> {
  const endpoint = new URL('realtime/v1', options.apiBase);
  endpoint.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
  const client = new RealtimeClient(endpoint.href, { params: { apikey: options.anonKey }, accessToken: options.accessToken });
  let lastToken: string | undefined;
  options.auth.onAuthStateChange((event, session) => {
    if (event === 'SIGNED_OUT') {
      lastToken = undefined;
      void client.setAuth();
    } else if (session && session.access_token !== lastToken) {
      lastToken = session.access_token;
      void client.setAuth(session.access_token);
    }
  });
  await client.setAuth();
  return client;
}
