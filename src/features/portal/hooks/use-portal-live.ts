import { useEffect, useRef, useState } from 'react';
import { openPublicRealtime } from '@/lib/public-realtime';

export type PortalLiveStatus = 'connecting' | 'connected' | 'offline';

/**
 * Listens on the portal's own realtime topic (portal:<key>, from portal_view) as the
 * anonymous visitor and calls `onChange` when the database says the promoter's figures
 * or the link changed; the message carries no figures, the caller refetches. After a
 * gap (a rejoin) `onChange` is called too, since messages sent meanwhile were missed.
 * The realtime client (`@/lib/public-realtime`) is loaded by this page only.
 */
export function usePortalLive(topic: string | null, onChange: () => void): PortalLiveStatus {
  const [status, setStatus] = useState<PortalLiveStatus>('connecting');
  const handler = useRef(onChange);
  useEffect(() => {
    handler.current = onChange;
  });

  useEffect(() => {
    if (!topic) return;
    let disposed = false;
    let everConnected = false;
    let close: (() => void) | undefined;
    void openPublicRealtime().then((client) => {
      if (disposed) {
        void client.disconnect();
        return;
      }
      const channel = client
        .channel(topic, { config: { private: true } })
        .on('broadcast', { event: 'portal' }, () => handler.current())
        .subscribe((state) => {
          if (disposed) return;
          if (state === 'SUBSCRIBED') {
            if (everConnected) handler.current();
            everConnected = true;
            setStatus('connected');
          } else {
            setStatus('offline');
          }
        });
      close = () => {
        void client.removeChannel(channel);
        void client.disconnect();
      };
    });
    return () => {
      disposed = true;
      close?.();
    };
  }, [topic]);

  return topic ? status : 'offline';
}
