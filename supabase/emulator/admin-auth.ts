/**
 * Password authentication for the admin socket, as Postgres 15 does it by default:
 * SCRAM-SHA-256 (RFC 5802 / RFC 7677) in the startup handshake, before the connection
 * reaches the database. psql and node-postgres speak it without any option.
 *
 * Only the superuser `postgres` has a password; any other role name gets the same
 * exchange and the same refusal, as a role without a password does on Postgres, so the
 * answer never tells which roles exist. The stored verifier (salted password, keys) is
 * derived once per start; the password itself is not kept.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';

export const ADMIN_USER = 'postgres';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Postgres refuses startup packets larger than this (MAX_STARTUP_PACKET_LENGTH). */
const MAX_STARTUP_PACKET = 10_000;
/** Postgres' authentication_timeout default. */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 60_000;
/** Postgres' scram_iterations default. */
const ITERATIONS = 4096;

const AUTH_REQUEST = 0x52; // 'R'
const PASSWORD_MESSAGE = 0x70; // 'p'
const ERROR_RESPONSE = 0x45; // 'E'
const AUTH_SASL = 10;
const AUTH_SASL_CONTINUE = 11;
const AUTH_SASL_FINAL = 12;

/** What the server keeps instead of the password (a Postgres `SCRAM-SHA-256$…` secret). */
export interface ScramVerifier {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

export function scramVerifier(password: string, salt = randomBytes(16), iterations = ITERATIONS): ScramVerifier {
  // SASLprep leaves printable ASCII unchanged; NFKC is its normalisation step.
  const salted = pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, 32, 'sha256');
  return {
    salt,
    iterations,
    storedKey: sha256(hmac(salted, 'Client Key')),
    serverKey: hmac(salted, 'Server Key'),
  };
}

/** A password nobody knows, for the exchange with a role that has none. */
const noPassword = scramVerifier(randomBytes(32).toString('base64'));

function authMessage(code: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const message = Buffer.alloc(9 + payload.length);
  message[0] = AUTH_REQUEST;
  message.writeInt32BE(8 + payload.length, 1);
  message.writeInt32BE(code, 5);
  payload.copy(message, 9);
  return message;
}

/** A FATAL ErrorResponse with Postgres' fields. */
function fatalError(sqlstate: string, text: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlstate}\0M${text}\0\0`, 'utf8');
  const message = Buffer.alloc(5 + fields.length);
  message[0] = ERROR_RESPONSE;
  message.writeInt32BE(4 + fields.length, 1);
  fields.copy(message, 5);
  return message;
}

class HandshakeError extends Error {
  constructor(
    readonly sqlstate: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads length-prefixed packets off a socket that is not yet anyone else's. */
class PacketReader {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private ended = false;

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.once('close', this.onEnd);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > MAX_STARTUP_PACKET + 5) this.socket.pause();
    this.waiting?.();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.waiting?.();
  };

  private async need(bytes: number): Promise<void> {
    while (this.buffer.length < bytes) {
      if (this.ended) throw new HandshakeError('08006', 'the client closed the connection');
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }

  /** An untyped startup-phase packet: the whole packet, length included. */
  async startupPacket(): Promise<Buffer> {
    await this.need(4);
    const length = this.buffer.readInt32BE(0);
    if (length < 8 || length > MAX_STARTUP_PACKET) throw new HandshakeError('08P01', 'invalid length of startup packet');
    await this.need(length);
    return this.take(length);
  }

  /** A typed message; its body without type and length. */
  async message(expectedType: number): Promise<Buffer> {
    await this.need(5);
    const type = this.buffer[0];
    const length = this.buffer.readInt32BE(1);
    if (type !== expectedType || length < 4 || length > MAX_STARTUP_PACKET) {
      throw new HandshakeError('08P01', `expected SASL response, got message type ${type}`);
    }
    await this.need(length + 1);
    return this.take(length + 1).subarray(5);
  }

  private take(bytes: number): Buffer {
    const taken = this.buffer.subarray(0, bytes);
    this.buffer = this.buffer.subarray(bytes);
    return Buffer.from(taken);
  }

  /** Stops reading and hands back whatever arrived beyond the handshake. */
  release(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onEnd);
    this.socket.resume();
    return this.buffer;
  }
}

function startupParameters(packet: Buffer): Map<string, string> {
  const parts = packet.subarray(8).toString('utf8').split('\0');
  const parameters = new Map<string, string>();
  for (let index = 0; index + 1 < parts.length && parts[index] !== ''; index += 2) {
    parameters.set(parts[index]!, parts[index + 1]!);
  }
  return parameters;
}

/** `a=1,b=2` → { a: '1', b: '2' }, values may contain '='. */
function attributes(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const part of text.split(',')) {
    const at = part.indexOf('=');
    if (at === 1) result.set(part[0]!, part.slice(2));
  }
  return result;
}

export interface Authenticated {
  user: string;
  /** The client's startup packet, for the database to answer with its parameters. */
  startupPacket: Buffer;
  /** Bytes the client sent after the handshake. */
  rest: Buffer;
}

/**
 * Runs the startup handshake up to a verified password. Refusals are written to the
 * socket as Postgres writes them, and the promise rejects; the caller closes.
 */
export async function authenticate(
  socket: Socket,
  verifier: ScramVerifier,
  timeoutMs = DEFAULT_HANDSHAKE_TIMEOUT_MS,
): Promise<Authenticated> {
  const reader = new PacketReader(socket);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  try {
    let packet = await reader.startupPacket();
    for (;;) {
      const code = packet.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        // No TLS on a loopback-only socket: the client carries on in plain text or gives up.
        socket.write('N');
        packet = await reader.startupPacket();
        continue;
      }
      if (code === CANCEL_REQUEST) throw new HandshakeError('57014', 'cancel requests are not supported');
      if (code !== PROTOCOL_3) throw new HandshakeError('0A000', 'unsupported frontend protocol');
      break;
    }
    const user = startupParameters(packet).get('user') ?? '';
    if (user === '') throw new HandshakeError('28000', 'no PostgreSQL user name specified in startup packet');
    const known = user === ADMIN_USER;
    const secret = known ? verifier : noPassword;

    socket.write(authMessage(AUTH_SASL, Buffer.from('SCRAM-SHA-256\0\0', 'utf8')));
    const initial = await reader.message(PASSWORD_MESSAGE);
    const mechanismEnd = initial.indexOf(0);
    const mechanism = initial.subarray(0, mechanismEnd).toString('utf8');
    if (mechanismEnd < 0 || mechanism !== 'SCRAM-SHA-256' || initial.length < mechanismEnd + 5) {
      throw new HandshakeError('28000', 'client selected an invalid SASL authentication mechanism');
    }
    const clientFirst = initial.subarray(mechanismEnd + 5).toString('utf8');
    // gs2 header: no channel binding ('n') or binding the client thinks we lack ('y').
    const gs2 = /^([ny]),(?:a=[^,]*)?,/.exec(clientFirst);
    if (!gs2) throw new HandshakeError('08P01', 'malformed SCRAM message');
    const clientFirstBare = clientFirst.slice(gs2[0].length);
    const clientNonce = attributes(clientFirstBare).get('r');
    if (!clientNonce || !/^[\x21-\x2b\x2d-\x7e]+$/.test(clientNonce)) {
      throw new HandshakeError('08P01', 'malformed SCRAM message');
    }
    const nonce = clientNonce + randomBytes(18).toString('base64');
    const serverFirst = `r=${nonce},s=${secret.salt.toString('base64')},i=${secret.iterations}`;
    socket.write(authMessage(AUTH_SASL_CONTINUE, Buffer.from(serverFirst, 'utf8')));

    const clientFinal = (await reader.message(PASSWORD_MESSAGE)).toString('utf8');
    const proofAt = clientFinal.lastIndexOf(',p=');
    if (proofAt < 0) throw new HandshakeError('08P01', 'malformed SCRAM message');
    const withoutProof = clientFinal.slice(0, proofAt);
    const final = attributes(withoutProof);
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    const binding = Buffer.from(final.get('c') ?? '', 'base64').toString('utf8');
    if (final.get('r') !== nonce || binding !== clientFirst.slice(0, gs2[0].length) || proof.length !== 32) {
      throw new HandshakeError('08P01', 'malformed SCRAM message');
    }
    const message = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(secret.storedKey, message);
    const clientKey = Buffer.alloc(32);
    for (let index = 0; index < 32; index += 1) clientKey[index] = proof[index]! ^ signature[index]!;
    if (!timingSafeEqual(sha256(clientKey), secret.storedKey) || !known) {
      throw new HandshakeError('28P01', `password authentication failed for user "${user}"`);
    }
    const serverSignature = hmac(secret.serverKey, message).toString('base64');
    socket.write(authMessage(AUTH_SASL_FINAL, Buffer.from(`v=${serverSignature}`, 'utf8')));
    return { user, startupPacket: packet, rest: reader.release() };
  } catch (error) {
    reader.release();
    if (error instanceof HandshakeError && socket.writable) socket.end(fatalError(error.sqlstate, error.message));
    else socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
