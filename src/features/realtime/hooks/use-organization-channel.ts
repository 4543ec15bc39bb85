import { useEffect, useRef, useState } from 'react';
import type { RealtimeChannel } from '@supabase/supabase-js';
import type { AttributionMessage } from '@/lib/database.types';
import { databaseCode } from '@/lib/errors';
import { supabase } from '@/lib/supabase';

export type LiveStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** The payload the database broadcasts (private.attribution_message()); generated from the schema. */
export type { AttributionMessage };

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
    event_id: text(value.event_id) ?? '',
    order_id: text(value.order_id),
    tickets: number(value.tickets) ?? 0,
    revenue_minor: number(value.revenue_minor) ?? 0,
    currency: text(value.currency),
  };
}

/** Waits before rejoining a channel the server closed: quick at first, then backing off. */
const REJOIN_DELAYS_MS = [1_000, 2_000, 5_000, 10_000];

/**
 * Joins the organization's private channel and reports attribution broadcasts.
 *
 * The topic is `org:<id>:<key>`, read from the database (members only); the key changes
 * whenever a member leaves the organization, and the old topic then gets one
 * `topic_rotated` message. On it the hook reads the new topic and moves there; someone
 * who is no longer a member cannot read it, so their dashboard stops receiving sales.
 *
 * The Realtime client reconnects a dropped socket and rejoins its channels by itself (with
 * backoff), and keeps the channel's token in step with the session. Two cases it leaves
 * alone are handled here: a channel the server *closed* is never rejoined by the library,
 * so it is replaced after a backoff; and when the browser comes back online the socket
 * is reconnected at once instead of waiting out the library's (up to 10 s) backoff.
 *
 * `onResync` is called whenever the channel is subscribed again after a gap (a rejoin or
 * a move to a new topic): messages sent meanwhile were missed, so the caller refetches. It
 * is called too on a `recount` broadcast, when the organization changed what its figures
 * count (private.broadcast_recount()).
 */
export function useOrganizationChannel(
  organizationId: string,
  onMessage: (message: AttributionMessage) => void,
  onResync?: () => void,
): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const handler = useRef(onMessage);
  const resyncHandler = useRef(onResync);
  useEffect(() => {
    handler.current = onMessage;
    resyncHandler.current = onResync;
  });

  useEffect(() => {
    let disposed = false;
    let everConnected = false;
    let attempts = 0;
    let rejoinTimer: ReturnType<typeof setTimeout> | undefined;
    let channel: RealtimeChannel | undefined;
    /** Bumped by every join, so the answer of an older topic request is ignored. */
    let generation = 0;

    const join = async () => {
      const mine = ++generation;
      // Realtime's code comes with the first join, after the dashboard has rendered; if it
      // cannot be fetched, the join is tried again like any other failed one.
      const [{ data: topic, error }, client] = await Promise.all([
        supabase.rpc('organization_live_topic', { p_organization_id: organizationId }),
        supabase.loadRealtime().catch(() => undefined),
      ]);
      if (disposed || mine !== generation) return;
      if (error || typeof topic !== 'string' || !client) {
        if (databaseCode(error) === 'not_authorized') {
          // No longer a member (or never was): there is nothing to rejoin.
          setStatus('offline');
          return;
        }
        setStatus(navigator.onLine === false ? 'offline' : 'reconnecting');
        scheduleRejoin(undefined);
        return;
      }
      const current = client
        .channel(topic, { config: { private: true } })
        .on('broadcast', { event: 'attribution' }, ({ payload }) => {
          handler.current(parseAttributionMessage(payload));
        })
        .on('broadcast', { event: 'recount' }, () => {
          // What the figures count changed (self-referrals): every figure may differ now.
          if (!disposed && channel === current) resyncHandler.current?.();
        })
        .on('broadcast', { event: 'topic_rotated' }, () => {
          if (disposed || channel !== current) return;
          // A member left: the organization's sales go to a new topic from now on.
          attempts = 0;
          replace(current, 0);
        });
      channel = current;
      current.subscribe((state) => {
        // Callbacks of a channel this hook has let go of (unmount, replacement) say nothing.
        if (disposed || channel !== current) return;
        if (state === 'SUBSCRIBED') {
          const resumed = everConnected;
          everConnected = true;
          attempts = 0;
          setStatus('connected');
          if (resumed) resyncHandler.current?.();
        } else if (state === 'CLOSED') {
          setStatus(navigator.onLine === false ? 'offline' : 'reconnecting');
          scheduleRejoin(current);
        } else {
          setStatus(everConnected && navigator.onLine !== false ? 'reconnecting' : 'offline');
        }
      });
    };

    /** Lets go of a channel (if any) and joins again after `delay` ms. */
    const replace = (old: RealtimeChannel | undefined, delay: number) => {
      clearTimeout(rejoinTimer);
      rejoinTimer = setTimeout(() => {
        // The old channel still holds its topic in the client: drop it, then join anew.
        channel = undefined;
        const dropped = old ? supabase.loadRealtime().then((client) => client.removeChannel(old)) : Promise.resolve();
        void dropped.finally(() => {
          if (!disposed) void join();
        });
      }, delay);
    };

    const scheduleRejoin = (closed: RealtimeChannel | undefined) => {
      const delay = REJOIN_DELAYS_MS[Math.min(attempts, REJOIN_DELAYS_MS.length - 1)];
      attempts += 1;
      replace(closed, delay);
    };

    void join();

    const goOffline = () => setStatus('offline');
    const goOnline = () => {
      setStatus((current) => (current === 'connected' ? current : 'reconnecting'));
      void supabase.loadRealtime().then(
        (client) => {
          if (!client.isConnected()) client.connect();
        },
        () => undefined,
      );
    };
    window.addEventListener('offline', goOffline);
    window.addEventListener('online', goOnline);
    return () => {
      disposed = true;
      clearTimeout(rejoinTimer);
      window.removeEventListener('offline', goOffline);
      window.removeEventListener('online', goOnline);
      const left = channel;
      if (left) void supabase.loadRealtime().then((client) => client.removeChannel(left));
    };
  }, [organizationId]);

  return status;
}
