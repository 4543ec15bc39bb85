import { useEffect, useRef, useState } from 'react';
import { z } from 'zod';
import { supabase } from '@/lib/supabase';

export type LiveStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

const attributionMessage = z.object({
  kind: z.enum(['sale', 'refund', 'removed']),
  promoter_id: z.string(),
  promoter_name: z.string().nullish(),
  event_id: z.string().nullish(),
  order_id: z.string().nullish(),
  tickets: z.number().nullish(),
  revenue_minor: z.number().nullish(),
  currency: z.string().nullish(),
});
export type AttributionMessage = z.infer<typeof attributionMessage>;

/**
 * Joins the organization's private channel and reports attribution broadcasts. supabase-js
 * rejoins by itself after a drop and keeps the channel's token in step with the session;
 * this hook only turns its callbacks into a status people can read.
 */
export function useOrganizationChannel(organizationId: string, onMessage: (message: AttributionMessage) => void): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const handler = useRef(onMessage);
  useEffect(() => {
    handler.current = onMessage;
  });

  useEffect(() => {
    let everConnected = false;
    const channel = supabase
      .channel(`org:${organizationId}`, { config: { private: true } })
      .on('broadcast', { event: 'attribution' }, ({ payload }) => {
        const parsed = attributionMessage.safeParse(payload);
        // An unexpected payload still means "something changed".
        handler.current(parsed.success ? parsed.data : { kind: 'sale', promoter_id: '' });
      })
      .subscribe((state) => {
        if (state === 'SUBSCRIBED') {
          everConnected = true;
          setStatus('connected');
        } else if (state === 'CLOSED') {
          setStatus('offline');
        } else {
          setStatus(everConnected && navigator.onLine !== false ? 'reconnecting' : 'offline');
        }
      });

    const goOffline = () => setStatus('offline');
    const goOnline = () => setStatus((current) => (current === 'connected' ? current : 'reconnecting'));
    window.addEventListener('offline', goOffline);
    window.addEventListener('online', goOnline);
    return () => {
      window.removeEventListener('offline', goOffline);
      window.removeEventListener('online', goOnline);
      void supabase.removeChannel(channel);
    };
  }, [organizationId]);

  return status;
}
