/**
 * Realtime latency: dashboard clients (supabase-js over `ws`, each signed in as its own
 * organization member, each with its own websocket) subscribed to the private topic
 * org:<id>; checkouts over HTTP; the time from the checkout's HTTP response to each
 * client's receipt of the "attribution" broadcast.
 *
 * The clients run in this process and the emulator in its own, so the receipt times
 * include the clients' own event loop (as a browser's would) but the emulator's CPU is
 * its own.
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { BENCH_PASSWORD, type DatasetIds } from './generate.ts';
import { benchClient, checkoutArgs, type CheckoutFixture } from './checkout.ts';
import { poster, type HttpTarget } from './lib/http-load.ts';
import { memoryOf, sampleRss } from './lib/proc.ts';
import { distribution, now, sleep, type Distribution } from './lib/stats.ts';

interface Subscriber {
  client: SupabaseClient;
  channel: RealtimeChannel;
  /** order_id → receipt time. */
  received: Map<string, number>;
  payloadBytes: number[];
  /** Sizes of the websocket frames that carried attribution broadcasts. */
  frameBytes: number[];
}

export interface RealtimeResult {
  clients: number;
  subscribeMs: number;
  steady: {
    checkouts: number;
    expected: number;
    delivered: number;
    /** From the checkout's HTTP answer to receipt (negative: the broadcast came first). */
    latency: Distribution;
    /** From sending the checkout request to receipt. */
    fromSend: Distribution;
  };
  burst: {
    checkouts: number;
    /** Checkouts that got no 200 answer (their broadcasts are not expected). */
    failedCheckouts: number;
    sendSeconds: number;
    expected: number;
    delivered: number;
    latency: Distribution;
    /** Most broadcasts committed (HTTP answered) but not yet received, over all clients. */
    maxInFlight: number;
    /** Time from the last checkout answer until the last client had every message. */
    drainMs: number;
    emulatorPeakRss?: number;
    emulatorRssBefore?: number;
  };
  payloadBytes: number;
  frameBytes: number;
}

async function subscribe(target: HttpTarget, email: string, organizationId: string): Promise<Subscriber> {
  // The socket itself is wrapped to weigh the frames that carry the broadcasts.
  const frameBytes: number[] = [];
  class MeasuredWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      this.on('message', (data: WebSocket.RawData) => {
        const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
        if (frameBytes.length < 20 && text.includes('"attribution"')) frameBytes.push(Buffer.byteLength(text));
      });
    }
  }
  const client = benchClient(target, MeasuredWebSocket);
  const { error } = await client.auth.signInWithPassword({ email, password: BENCH_PASSWORD });
  if (error) throw new Error(`Sign-in as ${email} failed: ${error.message}`);
  // Private channels need the user's token on the socket, as the SPA's client sets it.
  await client.realtime.setAuth();
  // The topic is org:<id>:<key>; members read it as the dashboard does.
  const { data: topic, error: topicError } = await client.rpc('organization_live_topic', { p_organization_id: organizationId });
  if (topicError || typeof topic !== 'string') throw new Error(`${email} could not read the live topic: ${topicError?.message}`);
  const received = new Map<string, number>();
  const payloadBytes: number[] = [];
  const channel = client.channel(topic, { config: { private: true } });
  channel.on('broadcast', { event: 'attribution' }, (message: { payload?: { order_id?: string } }) => {
    const at = now();
    const orderId = message.payload?.order_id;
    if (orderId && !received.has(orderId)) received.set(orderId, at);
    if (payloadBytes.length < 20) payloadBytes.push(Buffer.byteLength(JSON.stringify(message.payload ?? {})));
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
  return { client, channel, received, payloadBytes, frameBytes };
}

function latencies(subscribers: Subscriber[], answered: Map<string, number>): { samples: number[]; delivered: number } {
  const samples: number[] = [];
  let delivered = 0;
  for (const s of subscribers) {
    for (const [orderId, answeredAt] of answered) {
      const at = s.received.get(orderId);
      if (at === undefined) continue;
      delivered++;
      samples.push(at - answeredAt);
    }
  }
  return { samples, delivered };
}

export async function measureRealtime(
  target: HttpTarget,
  ids: DatasetIds,
  fixture: CheckoutFixture,
  options: { clients: number; steadyCheckouts: number; steadyIntervalMs: number; burstCheckouts: number; burstWindowMs: number; emulatorPid?: number },
): Promise<RealtimeResult> {
  const started = now();
  const subscribers: Subscriber[] = [];
  // Sign in and join a few at a time, as a room full of dashboards opening would.
  const emails = ids.memberEmails.slice(0, options.clients);
  for (let i = 0; i < emails.length; i += 10) {
    subscribers.push(...(await Promise.all(emails.slice(i, i + 10).map((email) => subscribe(target, email, ids.checkoutOrganizationId)))));
  }
  const subscribeMs = now() - started;

  const sentAt = new Map<string, number>();
  const checkout = async (conn: ReturnType<typeof poster>, answered: Map<string, number>) => {
    const sent = now();
    const { status, body } = await conn.post('/rest/v1/rpc/checkout', JSON.stringify(checkoutArgs(fixture)));
    const at = now();
    if (status !== 200) throw new Error(`checkout answered ${status}: ${body.slice(0, 300)}`);
    const orderId = (JSON.parse(body) as { order_id: string }).order_id;
    answered.set(orderId, at);
    sentAt.set(orderId, sent);
  };

  try {
    // Steady: one checkout at a time, spaced out, so each broadcast is measured alone.
    const steadyAnswered = new Map<string, number>();
    const conn = poster(target);
    for (let i = 0; i < options.steadyCheckouts; i++) {
      await checkout(conn, steadyAnswered);
      await sleep(options.steadyIntervalMs);
    }
    await sleep(1000);
    const steady = latencies(subscribers, steadyAnswered);
    const steadyFromSend = latencies(subscribers, new Map([...steadyAnswered.keys()].map((id) => [id, sentAt.get(id)!])));

    // Burst: the checkouts spread evenly over the window from 20 connections.
    const burstAnswered = new Map<string, number>();
    const connections = Array.from({ length: 20 }, () => poster(target));
    const rss = options.emulatorPid ? sampleRss(options.emulatorPid, 50) : undefined;
    const rssBefore = options.emulatorPid ? await memoryOf(options.emulatorPid) : undefined;
    let maxInFlight = 0;
    let sampling = true;
    const inFlightSampler = (async () => {
      while (sampling) {
        let receivedCount = 0;
        for (const s of subscribers) for (const id of burstAnswered.keys()) if (s.received.has(id)) receivedCount++;
        maxInFlight = Math.max(maxInFlight, burstAnswered.size * subscribers.length - receivedCount);
        await sleep(20);
      }
    })();
    let failedCheckouts = 0;
    const burstStart = now();
    const spacing = options.burstWindowMs / options.burstCheckouts;
    await Promise.all(
      Array.from({ length: options.burstCheckouts }, async (_, i) => {
        await sleep(i * spacing);
        // A checkout that fails under the burst (e.g. a statement timeout) is counted, not fatal.
        await checkout(connections[i % connections.length], burstAnswered).catch(() => {
          failedCheckouts++;
        });
      }),
    );
    const sendSeconds = (now() - burstStart) / 1000;
    const lastAnswer = now();
    const expected = burstAnswered.size * subscribers.length;
    const deadline = now() + 15_000;
    let drainMs = Number.NaN;
    while (now() < deadline) {
      if (latencies(subscribers, burstAnswered).delivered >= expected) {
        drainMs = now() - lastAnswer;
        break;
      }
      await sleep(10);
    }
    sampling = false;
    await inFlightSampler;
    const peak = await rss?.stop();
    for (const c of [...connections, conn]) c.close();
    const burst = latencies(subscribers, burstAnswered);
    const payloadSamples = subscribers.flatMap((s) => s.payloadBytes);
    const payloadBytes = payloadSamples.length ? Math.max(...payloadSamples) : Number.NaN;
    const frameSamples = subscribers.flatMap((s) => s.frameBytes);
    return {
      clients: subscribers.length,
      subscribeMs,
      steady: {
        checkouts: options.steadyCheckouts,
        expected: options.steadyCheckouts * subscribers.length,
        delivered: steady.delivered,
        latency: distribution(steady.samples),
        fromSend: distribution(steadyFromSend.samples),
      },
      burst: {
        checkouts: options.burstCheckouts,
        failedCheckouts,
        sendSeconds,
        expected,
        delivered: burst.delivered,
        latency: distribution(burst.samples),
        maxInFlight,
        drainMs,
        emulatorPeakRss: peak,
        emulatorRssBefore: rssBefore?.rss,
      },
      payloadBytes,
      frameBytes: frameSamples.length ? Math.max(...frameSamples) : Number.NaN,
    };
  } finally {
    await Promise.all(subscribers.map((s) => s.client.removeAllChannels().catch(() => {})));
    for (const s of subscribers) s.client.realtime.disconnect();
  }
}
