import type { RealtimeClient } from '@supabase/supabase-js';
import { config } from '@/config/env';

/**
 * A realtime client as the anonymous visitor, for public pages that listen on a topic
 * they were given (the promoter portal). Only the realtime part of supabase-js is used:
 * no session is read, so a signed-in organizer opening a portal is an anonymous visitor
 * there too. Load it with a dynamic import, so pages that do not listen never fetch it.
 */
export async function openPublicRealtime(): Promise<RealtimeClient> {
  const { RealtimeClient: Client } = await import('@supabase/supabase-js');
  const endpoint = new URL('realtime/v1', `${config.supabaseUrl.replace(/\/+$/, '')}/`);
  endpoint.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
  const client = new Client(endpoint.href, { params: { apikey: config.supabaseAnonKey } });
  await client.setAuth(config.supabaseAnonKey);
  return client;
}
