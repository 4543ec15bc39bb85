/**
 * Realtime's two wire formats through supabase-js: serializer 1.0.0 (JSON object
 * frames, for clients that ask for it with `vsn: '1.0.0'`) next to the default 2.0.0,
 * and binary broadcasts sent over HTTP with `httpSend()`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createClient, type RealtimeChannel } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { startTestEmulator, waitFor, type TestEmulator } from '../helpers/emulator.ts';

let emulator: TestEmulator;
const clients: Array<{ removeAllChannels(): Promise<unknown> }> = [];

beforeAll(async () => {
  emulator = await startTestEmulator();
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.removeAllChannels()));
  await emulator?.stop();
});

function client(vsn: '1.0.0' | '2.0.0') {
  const made = createClient(emulator.url, emulator.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { vsn, transport: WebSocket as unknown as typeof globalThis.WebSocket },
  });
  clients.push(made);
  return made;
}

function subscribe(channel: RealtimeChannel): Promise<string> {
  return new Promise((resolve) => {
    channel.subscribe((status) => {
      if (status !== 'CLOSED') resolve(status);
    });
  });
}

describe('serializer 1.0.0', () => {
  it('joins, acknowledges and exchanges broadcasts with 2.0.0 clients both ways', async () => {
    const topic = `room-${randomUUID()}`;
    const old = client('1.0.0').channel(topic, { config: { broadcast: { ack: true } } });
    const current = client('2.0.0').channel(topic, { config: { broadcast: { ack: true } } });
    const oldGot: unknown[] = [];
    const currentGot: unknown[] = [];
    old.on('broadcast', { event: 'note' }, (message) => oldGot.push(message.payload));
    current.on('broadcast', { event: 'note' }, (message) => currentGot.push(message.payload));
    expect(await subscribe(old)).toBe('SUBSCRIBED');
    expect(await subscribe(current)).toBe('SUBSCRIBED');

    expect(await old.send({ type: 'broadcast', event: 'note', payload: { from: '1.0.0' } })).toBe('ok');
    expect(await current.send({ type: 'broadcast', event: 'note', payload: { from: '2.0.0' } })).toBe('ok');
    await waitFor(() => oldGot.length === 1 && currentGot.length === 1);
    expect(currentGot).toEqual([{ from: '1.0.0' }]);
    expect(oldGot).toEqual([{ from: '2.0.0' }]);
  });

  it('tracks presence on a 1.0.0 socket', async () => {
    const topic = `room-${randomUUID()}`;
    const channel = client('1.0.0').channel(topic, { config: { presence: { key: 'ada' } } });
    const syncs: string[][] = [];
    channel.on('presence', { event: 'sync' }, () => syncs.push(Object.keys(channel.presenceState())));
    expect(await subscribe(channel)).toBe('SUBSCRIBED');
    expect(await channel.track({ online: true })).toBe('ok');
    await waitFor(() => syncs.some((keys) => keys.includes('ada')));
  });

  it('writes object frames {topic, event, payload, ref} on the wire', async () => {
    const url = `${emulator.url.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${emulator.anonKey}&vsn=1.0.0`;
    const ws = new WebSocket(url);
    const frames: unknown[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    try {
      ws.send(JSON.stringify({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '7' }));
      // The 2.0.0 array form means nothing to a 1.0.0 socket and is dropped.
      ws.send(JSON.stringify([null, '8', 'phoenix', 'heartbeat', {}]));
      ws.send(JSON.stringify({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '9' }));
      await waitFor(() => frames.length >= 2);
      expect(frames).toEqual([
        { topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '7' },
        { topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '9' },
      ]);
    } finally {
      ws.close();
    }
  });
});

describe('binary broadcast over HTTP', () => {
  it('delivers httpSend() bytes to subscribers as an ArrayBuffer, byte for byte', async () => {
    const topic = `room-${randomUUID()}`;
    const listener = client('2.0.0').channel(topic);
    const got: ArrayBuffer[] = [];
    listener.on('broadcast', { event: 'blob' }, (message) => got.push(message.payload as ArrayBuffer));
    expect(await subscribe(listener)).toBe('SUBSCRIBED');

    const bytes = new Uint8Array([0, 1, 2, 250, 255, 123, 34]);
    const sender = client('2.0.0').channel(topic);
    expect(await sender.httpSend('blob', bytes)).toEqual({ success: true });
    await waitFor(() => got.length === 1);
    expect(got[0]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(got[0]!)]).toEqual([...bytes]);
  });

  it('still delivers JSON httpSend() payloads as objects', async () => {
    const topic = `room-${randomUUID()}`;
    const listener = client('2.0.0').channel(topic);
    const got: unknown[] = [];
    listener.on('broadcast', { event: 'note' }, (message) => got.push(message.payload));
    expect(await subscribe(listener)).toBe('SUBSCRIBED');
    expect(await client('2.0.0').channel(topic).httpSend('note', { n: 1 })).toEqual({ success: true });
    await waitFor(() => got.length === 1);
    expect(got).toEqual([{ n: 1 }]);
  });
});
