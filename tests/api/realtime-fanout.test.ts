/**
 * Fan-out (realtime/broadcast.ts fanOut, channels.ts sendFrame): a broadcast is framed
 * once and the same bytes go to every member that may read it, in the order sent; each
 * socket is corked for the tick, so a tick's messages leave in one write; a member that
 * may not read, a closed socket or a slow reader changes nothing for the others; a reader
 * so far behind that its unsent bytes would pass MAX_BUFFERED_BYTES is dropped.
 *
 * Every wait is on a condition. Absence is proven with a later marker: one socket gets
 * its frames in the order they were sent, so once the marker is in, an earlier frame
 * would be too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import type { RealtimeChannel } from '@supabase/supabase-js';
import type { Database } from '../../supabase/emulator/database.ts';
import type { ProjectKeys } from '../../supabase/emulator/jwt.ts';
import { fanOut } from '../../supabase/emulator/realtime/broadcast.ts';
import { MAX_BUFFERED_BYTES, register, type Channel, type Connection, type RealtimeContext } from '../../supabase/emulator/realtime/channels.ts';
import type { PostgresChanges } from '../../supabase/emulator/realtime/postgres-changes.ts';
import { startTestEmulator, userId, waitFor, type TestEmulator } from '../helpers/emulator.ts';
import { factory, sqlStore } from '../helpers/factory.ts';
import { isReplyTo, websocketUrl, type Message } from './phoenix.ts';

describe('fanOut, on sockets that record their writes', () => {
  /**
   * A socket stand-in: each entry of `writes` is one write to the wire (a writev counts
   * once). A stalled one never finishes a write, as a peer that stopped reading.
   */
  function recordingSocket(stalled = false): { socket: Writable; writes: Buffer[][] } {
    const writes: Buffer[][] = [];
    const socket = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writes.push([chunk]);
        if (!stalled) callback();
      },
      writev(chunks, callback) {
        writes.push(chunks.map((c) => c.chunk as Buffer));
        if (!stalled) callback();
      },
    });
    return { socket, writes };
  }

  function context(): RealtimeContext {
    return {
      db: {} as Database,
      keys: {} as ProjectKeys,
      log: () => {},
      connections: new Set(),
      registry: new Map(),
      presenceMetas: new WeakMap(),
      postgresChanges: {} as PostgresChanges,
    };
  }

  /** A member joined to `topic` whose socket records what is written to it. */
  function member(ctx: RealtimeContext, topic: string, options: { readable?: boolean; self?: boolean; stalled?: boolean } = {}) {
    const { socket, writes } = recordingSocket(options.stalled);
    const connection: Connection = {
      ws: { readyState: WebSocket.OPEN, OPEN: WebSocket.OPEN } as unknown as WebSocket,
      socket,
      corked: false,
      serializer: '2.0.0',
      apiKey: 'anon',
      channels: new Map(),
      queue: Promise.resolve(),
      closed: false,
    };
    const channel: Channel = {
      connection,
      topic: `realtime:${topic}`,
      subTopic: topic,
      joinRef: '1',
      isPrivate: true,
      claims: { role: 'authenticated' },
      token: '',
      self: options.self ?? false,
      ack: false,
      presenceKey: '',
      presenceEnabled: false,
      readable: { broadcast: options.readable ?? true, presence: false },
      writable: new Map(),
      presenceRefs: [],
      bindings: [],
    };
    register(ctx, channel);
    return { channel, connection, socket, writes };
  }

  const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

  it('writes the very same frame buffer to every member, and one tick’s messages in one write per socket', async () => {
    const ctx = context();
    const members = Array.from({ length: 50 }, () => member(ctx, 'org:1:key'));
    for (let n = 1; n <= 3; n++) fanOut(ctx, true, 'org:1:key', { event: 'attribution', payload: { n } });
    await nextTick();

    for (const m of members) expect(m.writes).toHaveLength(1);
    const first = members[0]!.writes[0]!;
    expect(first).toHaveLength(3);
    for (const m of members) first.forEach((frame, i) => expect(m.writes[0]![i]).toBe(frame));
    // Each is a whole unmasked text frame of the Phoenix message, in the order sent.
    const texts = first.map((frame) => {
      expect(frame[0]).toBe(0x81);
      expect(frame[1]).toBe(frame.length - 2);
      return JSON.parse(frame.subarray(2).toString('utf8')) as Message;
    });
    expect(texts.map((message) => message[4].payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(texts[0]!.slice(0, 4)).toEqual([null, null, 'realtime:org:1:key', 'broadcast']);

    // The next tick's message is a write of its own.
    fanOut(ctx, true, 'org:1:key', { event: 'attribution', payload: { n: 4 } });
    await nextTick();
    for (const m of members) expect(m.writes).toHaveLength(2);
  });

  it('writes nothing to a member whose channel may not read broadcasts, nor back to the sender unless it asked', async () => {
    const ctx = context();
    const reader = member(ctx, 'org:1:key');
    const refused = member(ctx, 'org:1:key', { readable: false });
    const sender = member(ctx, 'org:1:key');
    const echoed = member(ctx, 'org:1:key', { self: true });
    fanOut(ctx, true, 'org:1:key', { event: 'note', payload: {} }, sender.channel);
    fanOut(ctx, true, 'org:1:key', { event: 'note', payload: {} }, echoed.channel);
    // Public and private channels of one name are apart.
    fanOut(ctx, false, 'org:1:key', { event: 'note', payload: {} });
    await nextTick();
    expect(reader.writes.flat()).toHaveLength(2);
    expect(refused.writes).toEqual([]);
    expect(sender.writes.flat()).toHaveLength(1);
    expect(echoed.writes.flat()).toHaveLength(2);
  });

  it('skips closed and destroyed sockets and still writes to every other member', async () => {
    const ctx = context();
    const [closing, destroyed, ...rest] = Array.from({ length: 5 }, () => member(ctx, 'room'));
    closing!.connection.closed = true;
    destroyed!.socket.destroy();
    fanOut(ctx, true, 'room', { event: 'note', payload: { n: 1 } });
    await nextTick();
    expect(closing!.writes).toEqual([]);
    expect(destroyed!.writes).toEqual([]);
    for (const m of rest) expect(m.writes.flat()).toHaveLength(1);
  });

  it('drops a socket whose unsent bytes would pass MAX_BUFFERED_BYTES, and keeps writing to the others', async () => {
    const ctx = context();
    const reader = member(ctx, 'room');
    const stalled = member(ctx, 'room', { stalled: true });
    const megabyte = { text: 'x'.repeat(1024 * 1024) };
    const underTheBound = MAX_BUFFERED_BYTES / (1024 * 1024) - 1;
    for (let n = 0; n < underTheBound; n++) {
      fanOut(ctx, true, 'room', { event: 'note', payload: megabyte });
      await nextTick();
    }
    // Allowed: a reader that is behind, while what waits for it stays under the bound.
    expect(stalled.socket.destroyed).toBe(false);
    expect(stalled.socket.writableLength).toBeGreaterThan((underTheBound - 1) * 1024 * 1024);

    // Refused: the message that would pass the bound ends that connection instead.
    for (let n = 0; n < 2; n++) {
      fanOut(ctx, true, 'room', { event: 'note', payload: megabyte });
      await nextTick();
    }
    expect(stalled.socket.destroyed).toBe(true);
    expect(reader.socket.destroyed).toBe(false);
    expect(reader.writes.flat()).toHaveLength(underTheBound + 2);
  });
});

describe('fan-out through the emulator', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  interface Listener {
    ws: WebSocket;
    /** The TCP socket under the client, to stop and resume reading. */
    socket: Socket;
    /** The bytes of every broadcast frame received, in order. */
    frames: Buffer[];
  }

  /** A bare websocket joined to the public `topic`, keeping each broadcast's bytes. */
  async function listen(topic: string): Promise<Listener> {
    const ws = new WebSocket(websocketUrl(emulator.url, emulator.anonKey));
    const frames: Buffer[] = [];
    const replies: Message[] = [];
    let socket: Socket | undefined;
    ws.on('upgrade', (response) => (socket = response.socket as Socket));
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as Message;
      if (message[3] === 'broadcast') frames.push(data);
      else replies.push(message);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify(['1', '1', `realtime:${topic}`, 'phx_join', { config: {}, access_token: emulator.anonKey }]));
    await waitFor(() => replies.some(isReplyTo('1')));
    return { ws, socket: socket!, frames };
  }

  const close = (listeners: Listener[]) =>
    Promise.all(
      listeners.map(
        ({ ws }) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.close();
          }),
      ),
    );

  /** Database broadcasts on a public topic, committed one after the other. */
  async function sendFromDatabase(topic: string, count: number, pad = ''): Promise<void> {
    for (let n = 0; n < count; n++) {
      await emulator.db.query(`select realtime.send($1::jsonb, 'note', $2, false)`, [JSON.stringify({ n, pad }), topic]);
    }
  }

  const numbers = (frames: Buffer[]) => frames.map((frame) => (JSON.parse(frame.toString('utf8')) as Message)[4].payload as { n: number }).map((p) => p.n);

  it('gives 40 subscribers of one topic byte-identical frames, in commit order', async () => {
    const topic = `room-${randomUUID()}`;
    const listeners = await Promise.all(Array.from({ length: 40 }, () => listen(topic)));
    try {
      await sendFromDatabase(topic, 20);
      await waitFor(() => listeners.every((l) => l.frames.length === 20), 15_000);
      const expected = listeners[0]!.frames;
      expect(numbers(expected)).toEqual(Array.from({ length: 20 }, (_, n) => n));
      for (const listener of listeners) listener.frames.forEach((frame, i) => expect(frame.equals(expected[i]!)).toBe(true));
    } finally {
      await close(listeners);
    }
  });

  it('sends a sale to members of the organization only: a non-member’s join is refused and a public channel of the same name gets nothing', async () => {
    const owner = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(owner) });
    const outsider = await emulator.signUpUser();
    const { data: topic } = await owner.rpc('organization_live_topic', { p_organization_id: fixture.organizationId });

    const ownerGot = collect(owner.channel(topic as string, { config: { private: true } }));
    expect(await subscribe(ownerGot.channel)).toBe('SUBSCRIBED');
    const refused = collect(outsider.channel(topic as string, { config: { private: true } }));
    expect(await subscribe(refused.channel)).toBe('CHANNEL_ERROR');
    // A client keeps one channel per name, so the public one is another visitor's.
    const visitor = emulator.client();
    const sameNamePublic = collect(visitor.channel(topic as string));
    expect(await subscribe(sameNamePublic.channel)).toBe('SUBSCRIBED');
    const marker = `marker-${randomUUID()}`;
    const markers = [collect(outsider.channel(marker)), collect(visitor.channel(marker))];
    for (const m of markers) expect(await subscribe(m.channel)).toBe('SUBSCRIBED');

    await emulator.db.query(`select realtime.send('{"sale":1}'::jsonb, 'attribution', $1, true)`, [topic]);
    await emulator.db.query(`select realtime.send('{}'::jsonb, 'marker', $1, false)`, [marker]);
    await waitFor(() => ownerGot.events.includes('attribution') && markers.every((m) => m.events.includes('marker')));
    // Both sockets got the later marker, so nothing of the sale is still on its way to them.
    expect(refused.events).toEqual([]);
    expect(sameNamePublic.events).toEqual([]);
  });

  it('keeps delivering to everyone else while one subscriber stops reading, and that one gets everything in order once it reads again', async () => {
    const topic = `room-${randomUUID()}`;
    const [slow, ...others] = await Promise.all(Array.from({ length: 6 }, () => listen(topic)));
    const gone = await listen(topic);
    try {
      slow!.socket.pause();
      gone.ws.terminate();
      // About 3 MB to every subscriber: more than the slow one's socket buffers hold.
      await sendFromDatabase(topic, 150, 'x'.repeat(20_000));
      await waitFor(() => others.every((l) => l.frames.length === 150), 30_000);
      for (const listener of others) expect(numbers(listener.frames)).toEqual(Array.from({ length: 150 }, (_, n) => n));
      expect(slow!.frames.length).toBeLessThan(150);

      slow!.socket.resume();
      await waitFor(() => slow!.frames.length === 150, 30_000);
      expect(numbers(slow!.frames)).toEqual(Array.from({ length: 150 }, (_, n) => n));
    } finally {
      await close([slow!, ...others]);
    }
  });
});

type Status = 'SUBSCRIBED' | 'CHANNEL_ERROR' | 'TIMED_OUT' | 'CLOSED';

function subscribe(channel: RealtimeChannel): Promise<Status> {
  return new Promise((resolve) => channel.subscribe((status) => resolve(status as Status)));
}

/** A channel and the events of every broadcast it receives. */
function collect(channel: RealtimeChannel): { channel: RealtimeChannel; events: string[] } {
  const events: string[] = [];
  channel.on('broadcast', { event: '*' }, (message) => events.push(String(message.event)));
  return { channel, events };
}
