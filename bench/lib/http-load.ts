/**
 * A closed-loop HTTP load generator: N clients, each with its own keep-alive
 * connection, each sending its next request as soon as the previous answer arrived.
 * Plain node:http keeps the client's own CPU cost low (it shares the machine with the
 * emulator and Postgres).
 */
import http from 'node:http';
import { now } from './stats.ts';

export interface HttpTarget {
  url: string;
  anonKey: string;
}

export interface LoadResult {
  /** Successful requests in the measured window. */
  ok: number;
  errors: number;
  /** Latencies of successful requests in the measured window, ms. */
  latencies: number[];
  /** Successful requests per second over the measured window. */
  throughput: number;
  firstError?: string;
}

export interface Poster {
  post(path: string, body: string, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  close(): void;
}

/** One keep-alive connection to the emulator, authenticated with the anon key. */
export function poster(target: HttpTarget, bearer = target.anonKey): Poster {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(target.url);
  return {
    post(path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const request = http.request(
          {
            agent,
            host: base.hostname,
            port: base.port,
            method: 'POST',
            path,
            headers: {
              apikey: target.anonKey,
              authorization: `Bearer ${bearer}`,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              // Load comes from many buyers: the emulator is started trusting this header,
              // since the per-client checkout bound would otherwise cap the whole load.
              'cf-connecting-ip': `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`,
              ...headers,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

export interface LoadOptions {
  clients: number;
  warmupMs: number;
  durationMs: number;
  /** The request of client `client`; called once per request. */
  request: (client: number) => { path: string; body: string };
  /** Runs when the measured window starts and ends (e.g. to start CPU probes). */
  onWindow?: (phase: 'start' | 'end') => Promise<void> | void;
}

export async function runLoad(target: HttpTarget, options: LoadOptions): Promise<LoadResult> {
  const posters = Array.from({ length: options.clients }, () => poster(target));
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = now();
  const windowStart = start + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  // The window callbacks run on timers so that probes cover exactly the window.
  const windowCallbacks: Promise<void>[] = [];
  const timers = [
    setTimeout(() => windowCallbacks.push(Promise.resolve(options.onWindow?.('start'))), options.warmupMs),
    setTimeout(() => windowCallbacks.push(Promise.resolve(options.onWindow?.('end'))), options.warmupMs + options.durationMs),
  ];

  const clientLoop = async (client: number) => {
    while (now() < windowEnd) {
      const { path, body } = options.request(client);
      const sent = now();
      const { status, body: text } = await posters[client].post(path, body).catch((error: unknown) => ({
        status: 0,
        body: error instanceof Error ? error.message : String(error),
      }));
      const received = now();
      if (sent < windowStart || received > windowEnd) continue;
      if (status >= 200 && status < 300) {
        ok++;
        latencies.push(received - sent);
      } else {
        errors++;
        firstError ??= `${status} ${text.slice(0, 300)}`;
      }
    }
  };
  await Promise.all(posters.map((_, client) => clientLoop(client)));
  // The last answers can arrive a moment before the end timer fires.
  while (windowCallbacks.length < 2 && now() < windowEnd + 1000) await new Promise((r) => setTimeout(r, 5));
  for (const timer of timers) clearTimeout(timer);
  await Promise.all(windowCallbacks);
  for (const p of posters) p.close();
  return { ok, errors, latencies, throughput: ok / (options.durationMs / 1000), firstError };
}
