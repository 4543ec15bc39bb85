import { useEffect, useRef, useState } from 'react';
import type { RealtimeChannel } from '@supabase/supabase-js';
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

/** Waits before rejoining a channel the server closed: quick at first, then backing off. */
const REJOIN_DELAYS_MS = [1_000, 2_000, 5_000, 10_000];

/**
 * Joins the organization's private channel and reports attribution broadcasts.
 *
 * supabase-js reconnects a dropped socket and rejoins its channels by itself (with
 * backoff), and keeps the channel's token in step with the session. Two cases it leaves
 * alone are handled here: a channel the server *closed* is never rejoined by the library,
 * so it is replaced after a backoff; and when the browser comes back online the socket
 * is reconnected at once instead of waiting out the library's (up to 10 s) backoff.
 */
export function useOrganizationChannel(organizationId: string, onMessage: (message: AttributionMessage) => void): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const handler = useRef(onMessage);
  useEffect(() => {
    handler.current = onMessage;
  });

  useEffect(() => {
    let disposed = false;
    let everConnected = false;
    let attempts = 0;
    let rejoinTimer: ReturnType<typeof setTimeout> | undefined;
    let channel: RealtimeChannel | undefined;

    const join = () => {
      const current = supabase
        .channel(`org:${organizationId}`, { config: { private: true } })
        .on('broadcast', { event: 'attribution' }, ({ payload }) => {
          handler.current(parseAttributionMessage(payload));
        });
      channel = current;
      current.subscribe((state) => {
        // Callbacks of a channel this hook has let go of (unmount, replacement) say nothing.
        if (disposed || channel !== current) return;
        if (state === 'SUBSCRIBED') {
          everConnected = true;
          attempts = 0;
          setStatus('connected');
        } else if (state === 'CLOSED') {
          setStatus(navigator.onLine === false ? 'offline' : 'reconnecting');
          scheduleRejoin(current);
        } else {
          setStatus(everConnected && navigator.onLine !== false ? 'reconnecting' : 'offline');
        }
      });
    };

    const scheduleRejoin = (closed: RealtimeChannel) => {
      clearTimeout(rejoinTimer);
      const delay = REJOIN_DELAYS_MS[Math.min(attempts, REJOIN_DELAYS_MS.length - 1)];
      attempts += 1;
      rejoinTimer = setTimeout(() => {
        // The closed channel still holds the topic in the client: drop it, then join anew.
        channel = undefined;
        void supabase.removeChannel(closed).finally(() => {
          if (!disposed) join();
        });
      }, delay);
    };

    join();

    const goOffline = () => setStatus('offline');
    const goOnline = () => {
      setStatus((current) => (current === 'connected' ? current : 'reconnecting'));
      if (!supabase.realtime.isConnected()) supabase.realtime.connect();
    };
    window.addEventListener('offline', goOffline);
    window.addEventListener('online', goOnline);
    return () => {
      disposed = true;
      clearTimeout(rejoinTimer);
      window.removeEventListener('offline', goOffline);
      window.removeEventListener('online', goOnline);
      if (channel) void supabase.removeChannel(channel);
    };
  }, [organizationId]);

  return status;
}
