/**
 * A bare Phoenix-protocol WebSocket client for the tests that must send what supabase-js
 * never would (forged tokens, garbage frames) and see exactly what comes back.
 */
import WebSocket from 'ws';

export type Message = [string | null, string | null, string, string, Record<string, unknown>];

export interface RawSocket {
  ws: WebSocket;
  send(message: Message): void;
  sendRaw(data: string | Buffer): void;
  /** The next message matching the predicate (earlier ones are kept for later calls). */
  next(match: (message: Message) => boolean, timeoutMs?: number): Promise<Message>;
  /** All messages received so far. */
  received: Message[];
  close(): Promise<void>;
}

export function websocketUrl(apiUrl: string, apikey: string): string {
  return `${apiUrl.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${encodeURIComponent(apikey)}&vsn=2.0.0`;
}

export async function connectRaw(apiUrl: string, apikey: string): Promise<RawSocket> {
  const ws = new WebSocket(websocketUrl(apiUrl, apikey));
  const received: Message[] = [];
  const waiters: { match: (message: Message) => boolean; resolve: (message: Message) => void; taken: boolean }[] = [];
  const consumed = new Set<Message>();
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const message = JSON.parse(data.toString()) as Message;
    received.push(message);
    for (const waiter of waiters) {
      if (!waiter.taken && waiter.match(message)) {
        waiter.taken = true;
        consumed.add(message);
        waiter.resolve(message);
        return;
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    received,
    send: (message) => ws.send(JSON.stringify(message)),
    sendRaw: (data) => ws.send(data),
    next(match, timeoutMs = 5000) {
      const earlier = received.find((message) => !consumed.has(message) && match(message));
      if (earlier) {
        consumed.add(earlier);
        return Promise.resolve(earlier);
      }
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve, taken: false };
        waiters.push(waiter);
        setTimeout(() => {
          if (waiter.taken) return;
          waiter.taken = true;
          reject(new Error(`No matching message within ${timeoutMs} ms; received ${JSON.stringify(received)}`));
        }, timeoutMs);
      });
    },
    close: () =>
      new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

/** Resolves with the HTTP status of a refused upgrade, or 101 when it is accepted. */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => resolve(0));
  });
}

export const isReplyTo = (ref: string) => (message: Message) => message[1] === ref && message[3] === 'phx_reply';
