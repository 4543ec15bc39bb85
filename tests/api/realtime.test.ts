/**
 * Realtime through the real supabase-js client (and a bare socket for what the client
 * never sends): broadcasts between clients, private channels authorized by RLS, and
 * broadcasts from the database delivered after commit only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { startTestEmulator, userId, waitFor, type TestClient, type TestEmulator } from '../helpers/emulator.ts';
import { factory, sqlStore } from '../helpers/factory.ts';
import { connectRaw, isReplyTo, upgradeStatus, websocketUrl } from './phoenix.ts';

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator();
});

afterAll(async () => {
  await emulator?.stop();
});

type Status = 'SUBSCRIBED' | 'CHANNEL_ERROR' | 'TIMED_OUT' | 'CLOSED';

/** Subscribes and resolves with the first status the client reports, and its error. */
function subscribe(channel: RealtimeChannel): Promise<{ status: Status; error?: Error }> {
  return new Promise((resolve) => {
    channel.subscribe((status, error) => resolve({ status: status as Status, error }));
  });
}

/** The organization's private topic, org:<id>:<key>, read as a member (as the SPA does). */
async function liveTopic(member: TestClient, organizationId: string): Promise<string> {
  const { data, error } = await member.rpc('organization_live_topic', { p_organization_id: organizationId });
  if (error) throw new Error(`organization_live_topic: ${error.message}`);
  return data as string;
}

/** Collects broadcasts of one event on a channel. */
function collect(channel: RealtimeChannel, event: string): Record<string, unknown>[] {
  const received: Record<string, unknown>[] = [];
  channel.on('broadcast', { event }, (message) => received.push(message));
  return received;
}



describe('broadcast between clients', () => {
  it('delivers a public broadcast to other subscribers, and to the sender only with self', async () => {
    const topic = `room-${randomUUID()}`;
    const alice = emulator.client().channel(topic, { config: { broadcast: { self: true, ack: true } } });
    const bob = emulator.client().channel(topic);
    const aliceGot = collect(alice, 'cursor');
    const bobGot = collect(bob, 'cursor');
    expect((await subscribe(alice)).status).toBe('SUBSCRIBED');
    expect((await subscribe(bob)).status).toBe('SUBSCRIBED');

    const result = await alice.send({ type: 'broadcast', event: 'cursor', payload: { x: 1, label: 'é 🎉' } });
    expect(result).toBe('ok');
    await waitFor(() => bobGot.length === 1 && aliceGot.length === 1);
    expect(bobGot[0]).toMatchObject({ type: 'broadcast', event: 'cursor', payload: { x: 1, label: 'é 🎉' } });

    await bob.send({ type: 'broadcast', event: 'cursor', payload: { x: 2 } });
    await waitFor(() => aliceGot.length === 2);
    // Bob did not ask for his own messages.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bobGot).toHaveLength(1);
  });

  it('keeps public and private channels with the same name apart', async () => {
    const topic = `room-${randomUUID()}`;
    const publicListener = emulator.client().channel(topic);
    const got = collect(publicListener, 'note');
    await subscribe(publicListener);
    const sender = emulator.serviceClient().channel(topic, { config: { private: true } });
    expect((await subscribe(sender)).status).toBe('SUBSCRIBED');
    await sender.send({ type: 'broadcast', event: 'note', payload: {} });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(got).toHaveLength(0);
  });

  it('sends through the REST endpoint when the channel is not joined', async () => {
    const topic = `room-${randomUUID()}`;
    const listener = emulator.client().channel(topic);
    const got = collect(listener, 'ping');
    await subscribe(listener);
    const unjoined = emulator.client().channel(topic);
    const result = await unjoined.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } });
    expect(result).toBe('ok');
    await waitFor(() => got.length === 1);
    expect(got[0]).toMatchObject({ event: 'ping', payload: { n: 1 } });
  });

  it('acknowledges presence and reports who is there', async () => {
    const topic = `room-${randomUUID()}`;
    const alice = emulator.client().channel(topic, { config: { presence: { key: 'alice' } } });
    const syncs: string[][] = [];
    alice.on('presence', { event: 'sync' }, () => syncs.push(Object.keys(alice.presenceState())));
    expect((await subscribe(alice)).status).toBe('SUBSCRIBED');
    expect(await alice.track({ online_at: 1 })).toBe('ok');
    await waitFor(() => syncs.some((keys) => keys.includes('alice')));
  });
});

describe('private channels', () => {
  it('lets an organization member join and refuses a non-member', async () => {
    const member = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(member) });
    const topic = await liveTopic(member, fixture.organizationId);
    const outsider = await emulator.signUpUser();

    const allowed = await subscribe(member.channel(topic, { config: { private: true } }));
    expect(allowed.status).toBe('SUBSCRIBED');

    const refused = await subscribe(outsider.channel(topic, { config: { private: true } }));
    expect(refused.status).toBe('CHANNEL_ERROR');
    expect(refused.error?.message).toBe(
      `Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`,
    );

    const anonymous = await subscribe(emulator.client().channel(topic, { config: { private: true } }));
    expect(anonymous.status).toBe('CHANNEL_ERROR');
  });

  it('delivers the attribution broadcast to a member after a checkout commits', async () => {
    const member = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(member) });
    const topic = await liveTopic(member, fixture.organizationId);
    const channel = member.channel(topic, { config: { private: true } });
    const got = collect(channel, 'attribution');
    expect((await subscribe(channel)).status).toBe('SUBSCRIBED');

    const attendee = emulator.client();
    const { data: token, error: visitError } = await attendee.rpc('track_promoter_visit', {
      p_event_slug: fixture.eventSlug,
      p_promo_code: fixture.promoCode,
      p_session_id: randomUUID(),
    });
    expect(visitError).toBeNull();
    expect(typeof token).toBe('string');
    const { error } = await attendee.rpc('checkout', {
      p_event_slug: fixture.eventSlug,
      p_items: [{ ticket_type_id: fixture.ticketTypeId, quantity: 2 }],
      p_buyer_name: 'Grace',
      p_buyer_email: 'grace@example.com',
      p_idempotency_key: randomUUID(),
      p_attribution_token: token as string,
    });
    expect(error).toBeNull();

    await waitFor(() => got.length === 1);
    expect(got[0]).toMatchObject({
      type: 'broadcast',
      event: 'attribution',
      payload: { kind: 'sale', tickets: 2, revenue_minor: 5000, currency: 'EUR', promoter_name: 'Ada' },
      meta: { id: expect.any(String) },
    });
  });

  it('broadcasts nothing from a transaction that rolls back', async () => {
    const member = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(member) });
    const topic = await liveTopic(member, fixture.organizationId);
    const channel = member.channel(topic, { config: { private: true } });
    const got = collect(channel, '*');
    await subscribe(channel);

    await emulator.db.transaction(
      async (tx) => {
        await tx.query(`select realtime.send('{"kind":"sale"}'::jsonb, 'attribution', $1, true)`, [
          topic,
        ]);
      },
      { rollback: true },
    );
    await emulator.db.query(`select realtime.send('{"marker":true}'::jsonb, 'attribution', $1, true)`, [
      topic,
    ]);
    await waitFor(() => got.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ payload: { marker: true } });
  });

  it('delivers a database broadcast too large for a NOTIFY by reading it back', async () => {
    const member = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(member) });
    const topic = await liveTopic(member, fixture.organizationId);
    const channel = member.channel(topic, { config: { private: true } });
    const got = collect(channel, 'big');
    await subscribe(channel);
    const text = 'x'.repeat(20_000);
    await emulator.db.query(`select realtime.send(jsonb_build_object('text', $2::text), 'big', $1, true)`, [
      topic,
      text,
    ]);
    await waitFor(() => got.length === 1);
    expect((got[0].payload as { text: string }).text).toBe(text);
  });

  it('drops a client broadcast on a private channel the sender may not write to', async () => {
    const member = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(member) });
    const topic = await liveTopic(member, fixture.organizationId);
    const colleague = await emulator.signUpUser();
    await emulator.db.query(`insert into public.organization_members (organization_id, user_id) values ($1, $2)`, [
      fixture.organizationId,
      await userId(colleague),
    ]);
    const listener = member.channel(topic, { config: { private: true } });
    const got = collect(listener, 'forged');
    await subscribe(listener);
    // Members may read the topic, but no policy lets them write to it.
    const sender = colleague.channel(topic, { config: { private: true, broadcast: { ack: true } } });
    expect((await subscribe(sender)).status).toBe('SUBSCRIBED');
    const result = await sender.send({ type: 'broadcast', event: 'forged', payload: {} }, { timeout: 500 });
    expect(result).toBe('timed out');
    // Nor can an outsider, who cannot join, through the REST fallback.
    const outsider = (await emulator.signUpUser()).channel(topic, { config: { private: true } });
    expect(await outsider.send({ type: 'broadcast', event: 'forged', payload: {} })).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(got).toHaveLength(0);
  });
});

describe('protocol robustness', () => {
  it('answers heartbeats', async () => {
    const socket = await connectRaw(emulator.url, emulator.anonKey);
    try {
      socket.send([null, '7', 'phoenix', 'heartbeat', {}]);
      const reply = await socket.next(isReplyTo('7'));
      expect(reply).toEqual([null, '7', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
    } finally {
      await socket.close();
    }
  });

  it('echoes postgres_changes bindings verbatim with numeric ids', async () => {
    const socket = await connectRaw(emulator.url, emulator.anonKey);
    try {
      const bindings = [
        { event: '*', schema: 'public', table: 'events', filter: 'status=eq.published' },
        { event: 'INSERT', schema: 'public', table: 'orders' },
      ];
      socket.send(['3', '3', 'realtime:changes', 'phx_join', { config: { postgres_changes: bindings }, access_token: emulator.anonKey }]);
      const reply = await socket.next(isReplyTo('3'));
      const echoed = (reply[4].response as { postgres_changes: Record<string, unknown>[] }).postgres_changes;
      expect(echoed).toHaveLength(2);
      echoed.forEach((binding, i) => {
        expect(binding).toMatchObject(bindings[i]);
        expect(Number.isInteger(binding.id)).toBe(true);
      });
      const client = emulator.client();
      const status = await subscribe(
        client.channel(`changes-${randomUUID()}`).on('postgres_changes', { event: '*', schema: 'public', table: 'events', filter: 'status=eq.published' }, () => {}),
      );
      expect(status.status).toBe('SUBSCRIBED');
    } finally {
      await socket.close();
    }
  });

  it('survives garbage frames and keeps serving the socket', async () => {
    const socket = await connectRaw(emulator.url, emulator.anonKey);
    try {
      socket.sendRaw('not json');
      socket.sendRaw('{"an":"object"}');
      socket.sendRaw('[1,2,3]');
      socket.sendRaw('[null,"1","realtime:x","phx_join","payload"]');
      socket.sendRaw(Buffer.from([3, 200, 200, 200, 200, 200, 1]));
      socket.sendRaw(Buffer.from([3, 0, 0, 1, 1, 0, 1, 0x41, 0x42, 0x7b]));
      socket.sendRaw(Buffer.from([9, 9, 9]));
      socket.sendRaw(Buffer.alloc(0));
      socket.send(['1', '1', 'realtime:x', 'phx_join', { config: 'nonsense' } as unknown as Record<string, unknown>]);
      expect((await socket.next(isReplyTo('1')))[4].status).toBe('error');
      socket.send(['1', '2', 'realtime:y', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
      expect((await socket.next(isReplyTo('2')))[4].status).toBe('error');
      socket.send([null, '9', 'phoenix', 'heartbeat', {}]);
      expect((await socket.next(isReplyTo('9')))[4].status).toBe('ok');
    } finally {
      await socket.close();
    }
    // Another connection still works: the process did not fall over.
    expect(await upgradeStatus(websocketUrl(emulator.url, emulator.anonKey))).toBe(101);
  });

  it('refuses more than 100 channels on one socket', async () => {
    const socket = await connectRaw(emulator.url, emulator.anonKey);
    try {
      for (let i = 0; i < 100; i++) socket.send([String(i), String(i), `realtime:many-${i}`, 'phx_join', { config: {} }]);
      await socket.next(isReplyTo('99'));
      socket.send(['100', '100', 'realtime:many-100', 'phx_join', { config: {} }]);
      const reply = await socket.next(isReplyTo('100'));
      expect(reply[4]).toEqual({ status: 'error', response: { reason: 'ChannelRateLimitReached: Too many channels' } });
    } finally {
      await socket.close();
    }
  });

  it('refuses an upgrade without a valid apikey with HTTP 401', async () => {
    expect(await upgradeStatus(websocketUrl(emulator.url, 'sb_publishable_not_ours'))).toBe(401);
    expect(await upgradeStatus(`${emulator.url.replace('http', 'ws')}/realtime/v1/websocket?vsn=2.0.0`)).toBe(401);
  });

  it('delivers binary broadcasts from the client and replies to ack with the same ref', async () => {
    const topic = `room-${randomUUID()}`;
    const listener = await connectRaw(emulator.url, emulator.anonKey);
    const sender = await connectRaw(emulator.url, emulator.anonKey);
    try {
      listener.send(['1', '1', `realtime:${topic}`, 'phx_join', { config: {} }]);
      await listener.next(isReplyTo('1'));
      sender.send(['5', '5', `realtime:${topic}`, 'phx_join', { config: { broadcast: { ack: true } } }]);
      await sender.next(isReplyTo('5'));
      const parts = ['5', '6', `realtime:${topic}`, 'cursor', ''].map((part) => Buffer.from(part));
      const payload = Buffer.from(JSON.stringify({ x: 1 }));
      sender.sendRaw(Buffer.concat([Buffer.from([3, ...parts.map((p) => p.length), 1]), ...parts, payload]));
      const ack = await sender.next(isReplyTo('6'));
      expect(ack).toEqual(['5', '6', `realtime:${topic}`, 'phx_reply', { status: 'ok', response: {} }]);
      const delivered = await listener.next((m) => m[3] === 'broadcast');
      expect(delivered).toEqual([null, null, `realtime:${topic}`, 'broadcast', { type: 'broadcast', event: 'cursor', payload: { x: 1 } }]);
    } finally {
      await listener.close();
      await sender.close();
    }
  });
});
