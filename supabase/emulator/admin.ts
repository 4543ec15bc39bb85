/**
 * Postgres wire-protocol access to the embedded PGlite database, for psql and other
 * admin tools (`psql postgresql://postgres:<password>@127.0.0.1:54322/postgres`).
 *
 * It is a superuser connection, so it is guarded twice: it listens on a loopback
 * address only — whatever address the API listens on — and refuses to start
 * otherwise; and every connection must pass SCRAM-SHA-256 password authentication
 * (admin-auth.ts) for the one role `postgres` before it reaches the database.
 *
 * PGlite is one backend. The API serializes its work through PGlite's transaction
 * lock; this server takes the same lock for as long as an admin client needs the
 * backend — one simple query, one extended-protocol batch up to Sync, or a whole
 * explicit transaction — so an admin statement never lands inside a request's
 * transaction and a request never runs inside an admin's. Session settings an admin
 * makes are reset when the lock is handed back, so they cannot leak into requests.
 *
 * The socket handling (startup, SSL refusal, message framing) comes from
 * @electric-sql/pglite-socket; only its query queue is replaced, because its own queue
 * takes PGlite's per-statement lock, which does not keep out a request's transaction.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Mutex, type PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import type { Database } from './database.ts';
import { ADMIN_USER, authenticate, scramVerifier } from './admin-auth.ts';

export interface AdminServer {
  /** postgresql://postgres:<password>@<loopback>:<port>/postgres */
  url: string;
  /** The address the socket is bound to. */
  address: { host: string; port: number };
  close(): Promise<void>;
}

export interface AdminServerOptions {
  port: number;
  /** A loopback address; anything else is refused. */
  host: string;
  /** The password of the `postgres` role on this socket, at least 12 characters. */
  password: string;
  /** A client that has not finished authenticating by then is disconnected. Default 60 s. */
  authenticationTimeoutMs?: number;
  /** An admin holding an open transaction this long without a word is disconnected. */
  idleInTransactionMs?: number;
  maxConnections?: number;
  /**
   * NOTIFYs raised by admin statements. PGlite hands them to whoever runs the
   * statement, not to its listeners, so they are passed on here instead of to psql.
   */
  onNotification?: (channel: string, payload: string) => void;
}

const SIMPLE_QUERY = 0x51; // 'Q'
const SYNC = 0x53; // 'S'
const TERMINATE = 0x58; // 'X'
const PROTOCOL_3 = 196608;
const NOTIFICATION_RESPONSE = 0x41; // 'A'

/**
 * Splits a backend output stream into whole messages, passing notifications to a
 * callback and everything else through.
 */
class OutputFilter {
  private pending = Buffer.alloc(0);

  constructor(
    private readonly forward: (data: Uint8Array) => void,
    private readonly onNotification: (channel: string, payload: string) => void,
  ) {}

  push(chunk: Uint8Array): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    let offset = 0;
    let passStart = 0;
    while (this.pending.length - offset >= 5) {
      const length = this.pending.readInt32BE(offset + 1);
      if (length < 4 || this.pending.length - offset < length + 1) break;

      if (this.pending[offset] === NOTIFICATION_RESPONSE) {
        if (offset > passStart) this.forward(new Uint8Array(this.pending.subarray(passStart, offset)));
        const body = this.pending.subarray(offset + 9, offset + 1 + length);
        const channelEnd = body.indexOf(0);
        const payloadEnd = body.indexOf(0, channelEnd + 1);
        if (channelEnd >= 0 && payloadEnd >= 0) {
          this.onNotification(body.subarray(0, channelEnd).toString('utf8'), body.subarray(channelEnd + 1, payloadEnd).toString('utf8'));
        }
        passStart = offset + 1 + length;
      }
      offset += length + 1;
    }
    if (offset > passStart) this.forward(new Uint8Array(this.pending.subarray(passStart, offset)));
    this.pending = this.pending.subarray(offset);
  }

  /** Whatever is left when the backend is done is passed through as it is. */
  flush(): void {
    if (this.pending.length) this.forward(new Uint8Array(this.pending));
    this.pending = Buffer.alloc(0);
  }
}

/** Messages after which the backend may be handed back if no transaction is open. */
function endsABatch(message: Uint8Array): boolean {
  const type = message[0];
  if (type === SIMPLE_QUERY || type === SYNC || type === TERMINATE) return true;
  // Startup packets have no type byte: length, then the protocol version.
  if (message.length >= 8) {
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    if (view.getInt32(4) === PROTOCOL_3) return true;
  }
  return false;
}

interface Hold {
  handlerId: number;
  release: () => void;
  idleTimer?: NodeJS.Timeout;
}

/** Stands in for pglite-socket's query queue; see the module comment. */
class ExclusiveQueue {
  private readonly turns = new Mutex();
  private hold: Hold | undefined;
  private readonly chains = new Map<number, Promise<unknown>>();
  private readonly dropped = new Set<number>();

  constructor(
    private readonly pglite: PGlite,
    private readonly idleInTransactionMs: number,
    private readonly onIdleTimeout: (handlerId: number) => void,
    private readonly onNotification: (channel: string, payload: string) => void,
  ) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const previous = this.chains.get(handlerId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.run(handlerId, message, onData));
    this.chains.set(handlerId, next);
    return next;
  }

  private async acquire(handlerId: number): Promise<void> {
    if (this.hold?.handlerId === handlerId) {
      if (this.hold.idleTimer) clearTimeout(this.hold.idleTimer);
      return;
    }
    const releaseTurn = await this.turns.acquire();
    await new Promise<void>((acquired) => {
      void this.pglite._runExclusiveTransaction(
        () =>
          new Promise<void>((release) => {
            this.hold = {
              handlerId,
              release: () => {
                release();
                releaseTurn();
              },
            };
            acquired();
          }),
      );
    });
  }

  private async release(): Promise<void> {
    const hold = this.hold;
    if (!hold) return;
    if (hold.idleTimer) clearTimeout(hold.idleTimer);
    this.hold = undefined;
    try {
      // Whatever the admin SET for the session must not apply to the next request.
      await this.pglite._runExclusiveQuery(() =>
        this.pglite.execProtocolRawStream(queryMessage('reset all; reset session authorization; reset role'), {
          onRawData: () => {},
        }),
      );
    } finally {
      hold.release();
    }
  }

  private async run(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    if (this.dropped.has(handlerId)) throw new Error('Handler disconnected');
    await this.acquire(handlerId);
    let bytes = 0;
    const output = new OutputFilter((data) => {
      bytes += data.length;
      onData(data);
    }, this.onNotification);
    try {
      await this.pglite._runExclusiveQuery(() =>
        this.pglite.execProtocolRawStream(message, { onRawData: (data) => output.push(data) }),
      );
      output.flush();
    } catch (error) {
      output.flush();
      await this.release();
      throw error;
    }
    if (endsABatch(message) && !this.pglite.isInTransaction()) {
      await this.release();
    } else if (this.hold) {
      const hold = this.hold;
      hold.idleTimer = setTimeout(() => this.onIdleTimeout(handlerId), this.idleInTransactionMs);
      hold.idleTimer.unref();
    }
    return bytes;
  }

  getQueueLength(): number {
    return this.chains.size;
  }

  clearQueueForHandler(handlerId: number): void {
    this.dropped.add(handlerId);
  }

  /** A disconnecting admin's open transaction is rolled back and the backend handed back. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    await (this.chains.get(handlerId) ?? Promise.resolve()).catch(() => undefined);
    this.chains.delete(handlerId);
    if (this.hold?.handlerId === handlerId) {
      if (this.pglite.isInTransaction()) {
        await this.pglite._runExclusiveQuery(() =>
          this.pglite.execProtocolRawStream(queryMessage('rollback'), { onRawData: () => {} }),
        );
      }
      await this.release();
    }
    this.dropped.delete(handlerId);
  }
}

/** A simple-query protocol message. */
function queryMessage(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const message = Buffer.alloc(5 + text.length);
  message[0] = SIMPLE_QUERY;
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return new Uint8Array(message);
}

export const MIN_ADMIN_PASSWORD_LENGTH = 12;

/** 127.0.0.0/8, ::1 and `localhost` (which Node resolves to one of them). */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare)
  );
}

/** Throws unless the admin socket can be opened safely with these settings. */
export function checkAdminSettings(host: string, password: string): void {
  if (!isLoopbackAddress(host)) {
    throw new Error(`Refusing to open the superuser admin port on ${host}: it listens on a loopback address only.`);
  }
  if (password.length < MIN_ADMIN_PASSWORD_LENGTH) {
    throw new Error(`The admin password must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters long.`);
  }
}

export async function startAdminServer(db: Database, options: AdminServerOptions): Promise<AdminServer | undefined> {
  const pglite = db.pglite;
  // On Postgres the admin already has the real server: DATABASE_URL.
  if (!pglite) return undefined;
  checkAdminSettings(options.host, options.password);
  const verifier = scramVerifier(options.password);
  const handlers = new Map<number, { handler: PGLiteSocketHandler; socket: Socket }>();
  const queue = new ExclusiveQueue(
    pglite,
    options.idleInTransactionMs ?? 60_000,
    (handlerId) => {
      const entry = handlers.get(handlerId);
      if (entry) void entry.handler.detach(true);
    },
    options.onNotification ?? (() => {}),
  );
  const pending = new Set<Socket>();
  const server: Server = createServer((socket) => {
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
    socket.on('error', () => socket.destroy());
    authenticate(socket, verifier, options.authenticationTimeoutMs)
      .then(async ({ startupPacket, rest }) => {
        pending.delete(socket);
        if (socket.destroyed) return;
        const handler = new PGLiteSocketHandler({
          queryQueue: queue as unknown as PGLiteSocketHandlerOptions['queryQueue'],
          closeOnDetach: true,
        });
        handler.addEventListener('error', () => socket.destroy());
        await handler.attach(socket);
        handlers.set(handler.handlerId, { handler, socket });
        socket.once('close', () => handlers.delete(handler.handlerId));
        // The handler reads the socket's data events only: replay the startup packet,
        // which PGlite answers with AuthenticationOk and the session parameters.
        socket.emit('data', rest.length ? Buffer.concat([startupPacket, rest]) : startupPacket);
      })
      .catch(() => {
        // authenticate() has answered the client and closed the socket.
      });
  });
  server.maxConnections = options.maxConnections ?? 8;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  // `localhost` could resolve to anything: what counts is the address actually bound.
  if (typeof address !== 'object' || !address || !isLoopbackAddress(address.address)) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw new Error(`Refusing to keep the admin port open: ${options.host} is not bound to a loopback address.`);
  }
  const port = address.port;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `postgresql://${ADMIN_USER}:${encodeURIComponent(options.password)}@${host}:${port}/postgres`,
    address: { host: address.address, port },
    async close() {
      for (const socket of pending) socket.destroy();
      await Promise.all([...handlers.values()].map(({ handler }) => handler.detach(true)));
      handlers.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
