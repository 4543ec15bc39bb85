/**
 * Phoenix channel frames as realtime-js sends and expects them. Serializer `2.0.0`
 * (the default): text frames `[join_ref, ref, topic, event, payload]` both ways, and
 * binary kind-3 "user broadcast push" frames from the client. Serializer `1.0.0`
 * (`vsn=1.0.0` on the socket URL): JSON objects `{topic, event, payload, ref}` both
 * ways, text only.
 */

export const SERIALIZERS = ['1.0.0', '2.0.0'] as const;
export type Serializer = (typeof SERIALIZERS)[number];

export interface Frame {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: Record<string, unknown>;
}

const USER_BROADCAST_PUSH = 3;
const JSON_ENCODING = 1;
const HEADER_BYTES = 7;

function isRefValue(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

/** A text frame in the socket's serializer, or undefined when it is not a well-formed Phoenix message. */
export function decodeText(text: string, serializer: Serializer = '2.0.0'): Frame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (serializer === '1.0.0') return decodeObject(value);
  if (!Array.isArray(value) || value.length !== 5) return undefined;
  const [joinRef, ref, topic, event, payload] = value as unknown[];
  if (!isRefValue(joinRef) || !isRefValue(ref) || typeof topic !== 'string' || typeof event !== 'string') return undefined;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  return { joinRef, ref, topic, event, payload: payload as Record<string, unknown> };
}

function decodeObject(value: unknown): Frame | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { topic, event, payload, ref, join_ref: joinRef } = value as Record<string, unknown>;
  const refOf = (raw: unknown) => (raw === undefined ? null : raw);
  if (!isRefValue(refOf(ref)) || !isRefValue(refOf(joinRef)) || typeof topic !== 'string' || typeof event !== 'string') {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  return {
    joinRef: refOf(joinRef) as string | null,
    ref: refOf(ref) as string | null,
    topic,
    event,
    payload: payload as Record<string, unknown>,
  };
}

/**
 * A binary kind-3 frame normalised to the text form of a broadcast push, or undefined
 * when the bytes are not one. Raw (non-JSON) payloads stay a Buffer.
 */
export function decodeBinary(data: Buffer): Frame | undefined {
  if (data.length < HEADER_BYTES || data[0] !== USER_BROADCAST_PUSH) return undefined;
  const lengths = [data[1], data[2], data[3], data[4], data[5]];
  const encoding = data[6];
  let offset = HEADER_BYTES;
  const parts: string[] = [];
  for (const length of lengths) {
    if (offset + length > data.length) return undefined;
    parts.push(data.subarray(offset, offset + length).toString('utf8'));
    offset += length;
  }
  const [joinRef, ref, topic, event, meta] = parts;
  const rest = data.subarray(offset);
  let payload: unknown;
  if (encoding === JSON_ENCODING) {
    try {
      payload = rest.length === 0 ? {} : JSON.parse(rest.toString('utf8'));
    } catch {
      return undefined;
    }
  } else {
    payload = Buffer.from(rest);
  }
  let metaValue: Record<string, unknown> | undefined;
  if (meta !== '') {
    try {
      const parsed: unknown = JSON.parse(meta);
      if (typeof parsed === 'object' && parsed !== null) metaValue = parsed as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return {
    joinRef: joinRef === '' ? null : joinRef,
    ref: ref === '' ? null : ref,
    topic,
    event: 'broadcast',
    payload: { type: 'broadcast', event, payload, ...(metaValue ? { meta: metaValue } : {}) },
  };
}

export function encode(
  joinRef: string | null,
  ref: string | null,
  topic: string,
  event: string,
  payload: unknown,
  serializer: Serializer = '2.0.0',
): string {
  // Phoenix's V1 serializer has no join_ref: a client tells channels apart by topic.
  if (serializer === '1.0.0') return JSON.stringify({ topic, event, payload, ref });
  return JSON.stringify([joinRef, ref, topic, event, payload]);
}

const USER_BROADCAST = 4;
const BINARY_ENCODING = 0;

/** A kind-4 "user broadcast" frame: the only way to deliver a raw-bytes payload. */
export function encodeBinaryBroadcast(topic: string, event: string, meta: string, payload: Buffer): Buffer {
  const topicBytes = Buffer.from(topic, 'utf8');
  const eventBytes = Buffer.from(event, 'utf8');
  const metaBytes = Buffer.from(meta, 'utf8');
  const header = Buffer.from([USER_BROADCAST, topicBytes.length, eventBytes.length, metaBytes.length, BINARY_ENCODING]);
  return Buffer.concat([header, topicBytes, eventBytes, metaBytes, payload]);
}

const TEXT_OPCODE = 0x1;
const BINARY_OPCODE = 0x2;
const FIN = 0x80;

/**
 * A whole, unmasked server-to-client websocket frame (RFC 6455 §5.2) carrying `data`:
 * made once per message and written as is to every socket that receives it.
 */
export function websocketFrame(data: string | Buffer): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const opcode = typeof data === 'string' ? TEXT_OPCODE : BINARY_OPCODE;
  // The length takes 7 bits, or 126 and 16 bits, or 127 and 64 bits.
  const lengthBytes = body.length < 126 ? 0 : body.length < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes);
  header[0] = FIN | opcode;
  if (lengthBytes === 0) header[1] = body.length;
  else if (lengthBytes === 2) {
    header[1] = 126;
    header.writeUInt16BE(body.length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(body.length), 2);
  }
  return Buffer.concat([header, body]);
}
