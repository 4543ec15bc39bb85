/**
 * A worker thread of the realtime bench (realtime.ts): it holds a share of the dashboard
 * clients (supabase-js over `ws`, each signed in as its own organization member, each
 * with its own websocket, joined to the private org:<id>:<key> topic) and records when
 * each client receives each "attribution" broadcast.
 *
 * The clients live in workers so that 1,000 of them parsing frames never delay the
 * bench's own loop, which sends the checkouts and stamps their answers. Times are on
 * the shared clock `clock()` (the same in every thread).
 *
 * The parent asks with { id, kind } and gets { id, ...answer } back:
 *   count    → { received }: receipts so far over all clients (an order counts once per client)
 *   receipts → { receipts, payloadBytes, frameBytes }: order id → receipt times
 *   stop     → {}: channels left, sockets closed
 * Once every client has joined it posts { kind: 'ready' }, or { kind: 'failed', message }.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { benchClient } from './checkout.ts';
import { BENCH_PASSWORD } from './generate.ts';
import type { HttpTarget } from './lib/http-load.ts';

export interface ClientsWorkerData {
  target: HttpTarget;
  emails: string[];
  organizationId: string;
}

export type ClientsRequest = { id: number; kind: 'count' | 'receipts' | 'stop' };

export interface Receipts {
  /** Order id → the times at which clients received its broadcast, one per client. */
  receipts: Record<string, number[]>;
  /** Largest broadcast payload seen (JSON bytes). */
  payloadBytes: number;
  /** Largest websocket message that carried an attribution broadcast. */
  frameBytes: number;
}

/** Milliseconds on a clock that every thread of the process shares (performance.now() does not). */
export function clock(): number {
  return performance.timeOrigin + performance.now();
}

const receipts = new Map<string, number[]>();
let received = 0;
let payloadBytes = 0;
let frameBytes = 0;
/** Sizes are weighed on the first messages only: every broadcast has the same shape. */
const WEIGHED = 20;
let framesWeighed = 0;

/** Weighs the websocket messages that carry broadcasts, for the frame size figure. */
class MeasuredWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols);
    this.on('message', (data: WebSocket.RawData) => {
      if (framesWeighed >= WEIGHED) return;
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      if (!bytes.includes('"attribution"')) return;
      framesWeighed++;
      frameBytes = Math.max(frameBytes, bytes.length);
    });
  }
}

async function subscribe(target: HttpTarget, email: string, organizationId: string): Promise<SupabaseClient> {
  const client = benchClient(target, MeasuredWebSocket);
  const { error } = await client.auth.signInWithPassword({ email, password: BENCH_PASSWORD });
  if (error) throw new Error(`Sign-in as ${email} failed: ${error.message}`);
  // Private channels need the user's token on the socket, as the SPA's client sets it.
  await client.realtime.setAuth();
  // The topic is org:<id>:<key>; members read it as the dashboard does.
  const { data: topic, error: topicError } = await client.rpc('organization_live_topic', { p_organization_id: organizationId });
  if (topicError || typeof topic !== 'string') throw new Error(`${email} could not read the live topic: ${topicError?.message}`);
  const seen = new Set<string>();
  const channel = client.channel(topic, { config: { private: true } });
  channel.on('broadcast', { event: 'attribution' }, (message: { payload?: { order_id?: string } }) => {
    const at = clock();
    const orderId = message.payload?.order_id;
    if (!orderId || seen.has(orderId)) return;
    seen.add(orderId);
    received++;
    let times = receipts.get(orderId);
    if (!times) receipts.set(orderId, (times = []));
    times.push(at);
    if (received <= WEIGHED) payloadBytes = Math.max(payloadBytes, Buffer.byteLength(JSON.stringify(message.payload)));
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${email} could not join ${topic} within 20 s`)), 20_000);
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') {
        clearTimeout(timer);
        resolve();
      } else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' || status === 'CLOSED') {
        clearTimeout(timer);
        reject(new Error(`${email} could not join ${topic}: ${status} ${err?.message ?? ''}`));
      }
    });
  });
  return client;
}

async function main(): Promise<void> {
  const port = parentPort!;
  const { target, emails, organizationId } = workerData as ClientsWorkerData;
  const clients: SupabaseClient[] = [];
  try {
    // Sign in and join a few at a time, as a room full of dashboards opening would.
    for (let i = 0; i < emails.length; i += 10) {
      clients.push(...(await Promise.all(emails.slice(i, i + 10).map((email) => subscribe(target, email, organizationId)))));
    }
  } catch (error) {
    port.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', async (request: ClientsRequest) => {
    if (request.kind === 'count') port.postMessage({ id: request.id, received });
    else if (request.kind === 'receipts') {
      const answer: Receipts = { receipts: Object.fromEntries(receipts), payloadBytes, frameBytes };
      port.postMessage({ id: request.id, ...answer });
    } else {
      await Promise.all(clients.map((c) => c.removeAllChannels().catch(() => {})));
      for (const c of clients) c.realtime.disconnect();
      port.postMessage({ id: request.id });
      port.close();
    }
  });
  port.postMessage({ kind: 'ready' });
}

// The bench's own thread imports clock() and the types from here, and runs nothing.
if (!isMainThread) void main();
