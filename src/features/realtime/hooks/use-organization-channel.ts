import { useEffect, useRef, useState } from 'react';
import { supabase } from '@/lib/supabase';

export type LiveStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface AttributionMessage {
  kind: 'sale' | 'refund' | 'removed';
  promoter_id: string;
  promoter_name?: string | null;
  event_id?: string | null;
  order_id?: string | null;
  tickets?: number | null;
  revenue_minor?: number | null;
  currency?: string | null;
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Reads a broadcast payload defensively; anything unexpected still means "something changed". */
export function parseAttributionMessage(payload: unknown): AttributionMessage {
  const value = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  const kind = value.kind === 'refund' || value.kind === 'removed' ? value.kind : 'sale';
  return {
    kind,
    promoter_id: text(value.promoter_id) ?? '',
    promoter_name: text(value.promoter_name),
    event_id: text(value.event_id),
    order_id: text(value.order_id),
    tickets: number(value.tickets),
    revenue_minor: number(value.revenue_minor),
    currency: text(value.currency),
  };
}

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
        handler.current(parseAttributionMessage(payload));
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
