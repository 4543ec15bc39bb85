/**
 * Realtime latency: dashboard clients (supabase-js over `ws`, each signed in as its own
 * organization member, each with its own websocket) subscribed to the private topic
 * org:<id>:<key>; checkouts over HTTP; the time from the checkout's HTTP answer (and
 * from sending it) to each client's receipt of the "attribution" broadcast.
 *
 * The clients run in worker threads (realtime-clients.ts) and the emulator in its own
 * process, so neither the clients' frame parsing nor the emulator delays the loop that
 * sends the checkouts and stamps their answers; receipt times still include a client's
 * own event loop, as a browser's would.
 *
 * How it counts: only a sale credited to a promoter is broadcast, so every checkout gets
 * its own visit token, made by its own buyer address (the per-address limits on visits
 * and checkouts must not decide which sales are credited), and the expected count is the
 * checkouts the server reports as credited × the subscribed clients. After the last
 * answer it waits, bounded, until every expected message arrived or the count stopped
 * moving.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { benchClient, checkoutArgs, type CheckoutFixture } from './checkout.ts';
import type { DatasetIds } from './generate.ts';
import { poster, type HttpTarget, type Poster } from './lib/http-load.ts';
import { memoryOf, sampleRss } from './lib/proc.ts';
import { distribution, sleep, type Distribution } from './lib/stats.ts';
import { clock, type ClientsWorkerData, type Receipts } from './realtime-clients.ts';

export interface PhaseResult {
  checkouts: number;
  /** Checkouts that got no 200 answer. */
  failedCheckouts: number;
  /** Answered checkouts the server reports as credited to a promoter: the ones broadcast. */
  credited: number;
  /** credited × clients. */
  expected: number;
  delivered: number;
  /** From the checkout's HTTP answer to receipt (negative: the broadcast came first). */
  latency: Distribution;
  /** From sending the checkout request to receipt. */
  fromSend: Distribution;
  /** From the last answer until every expected message had arrived (NaN: they never all did). */
  drainMs: number;
}

export interface RealtimeResult {
  clients: number;
  workers: number;
  subscribeMs: number;
  steady: PhaseResult;
  burst: PhaseResult & {
    sendSeconds: number;
    /** Most messages of credited sales answered but not yet received, over all clients. */
    maxInFlight: number;
    emulatorPeakRss?: number;
    emulatorRssBefore?: number;
  };
  payloadBytes: number;
  frameBytes: number;
}

export interface RealtimeOptions {
  clients: number;
  steadyCheckouts: number;
  steadyIntervalMs: number;
  burstCheckouts: number;
  burstWindowMs: number;
  emulatorPid?: number;
}

/** How long the delivery of a phase may take after its last answer, at most. */
const DRAIN_LIMIT_MS = 30_000;
/** A count that has not moved for this long has stopped. */
const DRAIN_QUIET_MS = 3_000;

// The dashboards, in worker threads --------------------------------------------------------

/**
 * The worker's entry: realtime-clients.ts is TypeScript, and on Node 20 a worker does not
 * inherit tsx's loader (nor take it from execArgv), so the entry registers it first.
 */
const WORKER_SOURCE = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(new URL('./realtime-clients.ts', import.meta.url).href)}); })`;

interface ClientPool {
  size: number;
  workers: number;
  /** Receipts so far over all clients. */
  received(): Promise<number>;
  receipts(): Promise<Receipts>;
  stop(): Promise<void>;
}

async function startClients(target: HttpTarget, emails: string[], organizationId: string): Promise<ClientPool> {
  const count = Math.max(1, Math.min(os.availableParallelism(), emails.length));
  const share = Math.ceil(emails.length / count);
  const workers: Worker[] = [];
  const pending = new Map<number, (answer: Record<string, unknown>) => void>();
  let nextId = 0;
  const ask = (worker: Worker, kind: 'count' | 'receipts' | 'stop') =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      worker.postMessage({ id, kind });
    });
  const ready = Array.from({ length: count }, (_, i) => {
    const data: ClientsWorkerData = { target: { url: target.url, anonKey: target.anonKey }, emails: emails.slice(i * share, (i + 1) * share), organizationId };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
    workers.push(worker);
    return new Promise<void>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (message: { id?: number; kind?: string; message?: string }) => {
        if (message.kind === 'ready') resolve();
        else if (message.kind === 'failed') reject(new Error(message.message));
        else if (message.id !== undefined) {
          pending.get(message.id)?.(message);
          pending.delete(message.id);
        }
      });
    });
  });
  const stop = async () => {
    await Promise.all(workers.map((w) => ask(w, 'stop').then(() => w.terminate())));
  };
  try {
    await Promise.all(ready);
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }
  return {
    size: emails.length,
    workers: count,
    async received() {
      const answers = await Promise.all(workers.map((w) => ask(w, 'count')));
      return answers.reduce((sum, a) => sum + (a.received as number), 0);
    },
    async receipts() {
      const answers = (await Promise.all(workers.map((w) => ask(w, 'receipts')))) as unknown as Receipts[];
      const merged: Record<string, number[]> = {};
      for (const answer of answers) {
        for (const [orderId, times] of Object.entries(answer.receipts)) (merged[orderId] ??= []).push(...times);
      }
      return {
        receipts: merged,
        payloadBytes: Math.max(...answers.map((a) => a.payloadBytes)),
        frameBytes: Math.max(...answers.map((a) => a.frameBytes)),
      };
    },
    stop,
  };
}

// Buyers ---------------------------------------------------------------------------------

/**
 * Buyer `i`'s own address, in the range set aside for benchmarks (198.18.0.0/15): its
 * visit and its checkout come from it, so no per-address limit is shared by two buyers.
 */
function buyerAddress(i: number): string {
  const n = i + 1;
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

/** One visit token per buyer, each visited from the buyer's own address. */
async function visitTokens(target: HttpTarget, ids: DatasetIds, fixture: CheckoutFixture, buyers: number): Promise<string[]> {
  const connections = Array.from({ length: 10 }, () => poster(target));
  const tokens: string[] = new Array(buyers);
  try {
    await Promise.all(
      connections.map(async (conn, c) => {
        for (let i = c; i < buyers; i += connections.length) {
          const promoter = ids.checkoutPromoters[i % ids.checkoutPromoters.length];
          const body = JSON.stringify({ p_event_slug: fixture.slug, p_promo_code: promoter.code, p_session_id: randomUUID() });
          const answer = await conn.post('/rest/v1/rpc/track_promoter_visit', body, { 'cf-connecting-ip': buyerAddress(i) });
          const token: unknown = answer.status === 200 ? JSON.parse(answer.body) : undefined;
          if (typeof token !== 'string') throw new Error(`track_promoter_visit gave no token (${answer.status}): ${answer.body.slice(0, 300)}`);
          tokens[i] = token;
        }
      }),
    );
  } finally {
    for (const conn of connections) conn.close();
  }
  return tokens;
}

interface Checkout {
  sentAt: number;
  answeredAt: number;
}

/** Answered checkouts of one phase: order id → times. */
type Answers = Map<string, Checkout>;

async function checkout(conn: Poster, fixture: CheckoutFixture, buyer: number, token: string, answers: Answers): Promise<void> {
  const args = { ...checkoutArgs(fixture), p_attribution_token: token };
  const sentAt = clock();
  const { status, body } = await conn.post('/rest/v1/rpc/checkout', JSON.stringify(args), { 'cf-connecting-ip': buyerAddress(buyer) });
  const answeredAt = clock();
  if (status !== 200) throw new Error(`checkout answered ${status}: ${body.slice(0, 300)}`);
  answers.set((JSON.parse(body) as { order_id: string }).order_id, { sentAt, answeredAt });
}

/** The answered orders the server credited to a promoter (and so broadcast). */
async function creditedOrders(target: HttpTarget & { serviceRoleKey: string }, orderIds: string[]): Promise<Set<string>> {
  const admin = benchClient({ url: target.url, anonKey: target.serviceRoleKey });
  const credited = new Set<string>();
  for (let i = 0; i < orderIds.length; i += 50) {
    const { data, error } = await admin.from('orders').select('id').eq('attribution_outcome', 'attributed').in('id', orderIds.slice(i, i + 50));
    if (error) throw new Error(`Could not read the orders' attribution: ${error.message}`);
    for (const row of data as { id: string }[]) credited.add(row.id);
  }
  return credited;
}

/**
 * Waits until `expected` receipts beyond `before` have arrived, or the count has not moved
 * for DRAIN_QUIET_MS, or DRAIN_LIMIT_MS passed; returns the time from `since` until all
 * had arrived (NaN when they did not).
 */
async function drain(pool: ClientPool, before: number, expected: number, since: number): Promise<number> {
  const deadline = clock() + DRAIN_LIMIT_MS;
  let last = -1;
  let movedAt = clock();
  while (clock() < deadline) {
    const received = (await pool.received()) - before;
    if (received >= expected) return clock() - since;
    if (received !== last) {
      last = received;
      movedAt = clock();
    } else if (clock() - movedAt > DRAIN_QUIET_MS) break;
    await sleep(10);
  }
  return Number.NaN;
}

function phaseResult(answers: Answers, credited: Set<string>, receipts: Record<string, number[]>, clients: number, checkouts: number, drainMs: number): PhaseResult {
  const latency: number[] = [];
  const fromSend: number[] = [];
  for (const orderId of credited) {
    const { sentAt, answeredAt } = answers.get(orderId)!;
    for (const at of receipts[orderId] ?? []) {
      latency.push(at - answeredAt);
      fromSend.push(at - sentAt);
    }
  }
  return {
    checkouts,
    failedCheckouts: checkouts - answers.size,
    credited: credited.size,
    expected: credited.size * clients,
    delivered: latency.length,
    latency: distribution(latency),
    fromSend: distribution(fromSend),
    drainMs,
  };
}

// The measurement ----------------------------------------------------------------------------

export async function measureRealtime(
  target: HttpTarget & { serviceRoleKey: string },
  ids: DatasetIds,
  fixture: CheckoutFixture,
  options: RealtimeOptions,
): Promise<RealtimeResult> {
  const started = clock();
  const pool = await startClients(target, ids.memberEmails.slice(0, options.clients), ids.checkoutOrganizationId);
  const subscribeMs = clock() - started;
  const tokens = await visitTokens(target, ids, fixture, options.steadyCheckouts + options.burstCheckouts);
  const conn = poster(target);
  const connections = Array.from({ length: 20 }, () => poster(target));
  try {
    // Steady: one checkout at a time, spaced out, so each broadcast is measured alone.
    const steadyAnswers: Answers = new Map();
    for (let i = 0; i < options.steadyCheckouts; i++) {
      // A failed checkout is counted (checkouts − answers), not fatal.
      await checkout(conn, fixture, i, tokens[i]!, steadyAnswers).catch(() => {});
      await sleep(options.steadyIntervalMs);
    }
    const steadyLastAnswer = clock();
    const steadyCredited = await creditedOrders(target, [...steadyAnswers.keys()]);
    const steadyDrainMs = await drain(pool, 0, steadyCredited.size * pool.size, steadyLastAnswer);
    const afterSteady = await pool.received();

    // Burst: the checkouts spread evenly over the window from 20 connections.
    const burstAnswers: Answers = new Map();
    const rss = options.emulatorPid ? sampleRss(options.emulatorPid, 50) : undefined;
    const rssBefore = options.emulatorPid ? await memoryOf(options.emulatorPid) : undefined;
    // Receipts over time, to tell afterwards how many messages were on their way at once.
    const samples: { at: number; received: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ at: clock(), received: (await pool.received()) - afterSteady });
        await sleep(20);
      }
    })();
    const burstStart = clock();
    const spacing = options.burstWindowMs / options.burstCheckouts;
    await Promise.all(
      Array.from({ length: options.burstCheckouts }, async (_, i) => {
        await sleep(i * spacing);
        const buyer = options.steadyCheckouts + i;
        // A checkout that fails under the burst (e.g. a statement timeout) is counted, not fatal.
        await checkout(connections[i % connections.length]!, fixture, buyer, tokens[buyer]!, burstAnswers).catch(() => {});
      }),
    );
    const burstLastAnswer = clock();
    const sendSeconds = (burstLastAnswer - burstStart) / 1000;
    const burstCredited = await creditedOrders(target, [...burstAnswers.keys()]);
    const burstDrainMs = await drain(pool, afterSteady, burstCredited.size * pool.size, burstLastAnswer);
    sampling = false;
    await sampler;
    const peak = await rss?.stop();

    const { receipts, payloadBytes, frameBytes } = await pool.receipts();
    const creditedAnswers = [...burstCredited].map((id) => burstAnswers.get(id)!.answeredAt);
    const maxInFlight = Math.max(0, ...samples.map((s) => creditedAnswers.filter((at) => at <= s.at).length * pool.size - s.received));
    return {
      clients: pool.size,
      workers: pool.workers,
      subscribeMs,
      steady: phaseResult(steadyAnswers, steadyCredited, receipts, pool.size, options.steadyCheckouts, steadyDrainMs),
      burst: {
        ...phaseResult(burstAnswers, burstCredited, receipts, pool.size, options.burstCheckouts, burstDrainMs),
        sendSeconds,
        maxInFlight,
        emulatorPeakRss: peak,
        emulatorRssBefore: rssBefore?.rss,
      },
      payloadBytes: payloadBytes || Number.NaN,
      frameBytes: frameBytes || Number.NaN,
    };
  } finally {
    for (const c of [...connections, conn]) c.close();
    await pool.stop();
  }
}
