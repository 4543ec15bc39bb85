/**
 * Removal from an organization ends live access to its sales, by design and not by the
 * emulator re-checking anything per message (hosted Realtime does not): the topic is
 * org:<id>:<key>, the key changes when a member leaves, and the database broadcasts only
 * to the current topic. Also: a token refresh re-evaluates a private channel's policies
 * as on Realtime, and postgres_changes stop at the RLS of the current membership.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { SignJWT, decodeJwt } from 'jose';
import { startTestEmulator, userId, waitFor, type TestClient, type TestEmulator } from '../helpers/emulator.ts';
import { factory, sqlStore, type OnSale } from '../helpers/factory.ts';
import { connectRaw, isReplyTo } from './phoenix.ts';

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator();
});

afterAll(async () => {
  await emulator?.stop();
});

type Status = 'SUBSCRIBED' | 'CHANNEL_ERROR' | 'TIMED_OUT' | 'CLOSED';

function subscribe(channel: RealtimeChannel): Promise<{ status: Status; error?: Error }> {
  return new Promise((resolve) => {
    channel.subscribe((status, error) => resolve({ status: status as Status, error }));
  });
}

/** Every broadcast a channel receives, whatever its event. */
function collect(channel: RealtimeChannel): { event: string; payload: Record<string, unknown> }[] {
  const received: { event: string; payload: Record<string, unknown> }[] = [];
  channel.on('broadcast', { event: '*' }, (message) =>
    received.push({ event: String(message.event), payload: message.payload as Record<string, unknown> }),
  );
  return received;
}

/** The organization's live topic as the SPA reads it. */
async function liveTopic(client: TestClient, organizationId: string): Promise<string> {
  const { data, error } = await client.rpc('organization_live_topic', { p_organization_id: organizationId });
  if (error) throw new Error(`organization_live_topic: ${error.message}`);
  return data as string;
}

async function addMember(organizationId: string, client: TestClient, role = 'member'): Promise<void> {
  await emulator.db.query(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, $3)`, [
    organizationId,
    await userId(client),
    role,
  ]);
}

/** Removes a member as the database owner, independent of who the API lets delete. */
async function removeMember(organizationId: string, client: TestClient): Promise<void> {
  await emulator.db.query('delete from public.organization_members where organization_id = $1 and user_id = $2', [
    organizationId,
    await userId(client),
  ]);
}

/** A sale through the promoter link; resolves with the order id. */
async function sale(fixture: OnSale, quantity = 1): Promise<string> {
  const attendee = emulator.client();
  const { data: token, error: visitError } = await attendee.rpc('track_promoter_visit', {
    p_event_slug: fixture.eventSlug,
    p_promo_code: fixture.promoCode,
    p_session_id: randomUUID(),
  });
  expect(visitError).toBeNull();
  const { data, error } = await attendee.rpc('checkout', {
    p_event_slug: fixture.eventSlug,
    p_items: [{ ticket_type_id: fixture.ticketTypeId, quantity }],
    p_buyer_name: 'Grace',
    p_buyer_email: 'grace@example.com',
    p_idempotency_key: randomUUID(),
    p_attribution_token: token as string,
  });
  expect(error).toBeNull();
  return (data as { order_id: string }).order_id;
}

/** The same user's token issued anew (as a refresh does), so it differs from the last one. */
async function reissue(token: string): Promise<string> {
  return new SignJWT({ ...decodeJwt(token), jti: randomUUID() })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(emulator.jwtSecret));
}

const saleFor = (orderId: string) => (message: { event: string; payload: Record<string, unknown> }) =>
  message.event === 'attribution' && message.payload.order_id === orderId;

describe('removal from an organization', () => {
  it('stops the removed member’s open channel from receiving sales, while the remaining member keeps receiving them', async () => {
    const owner = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(owner) });
    const leaver = await emulator.signUpUser();
    await addMember(fixture.organizationId, leaver);

    const topic = await liveTopic(owner, fixture.organizationId);
    expect(await liveTopic(leaver, fixture.organizationId)).toBe(topic);
    const ownerChannel = owner.channel(topic, { config: { private: true } });
    const ownerGot = collect(ownerChannel);
    const leaverChannel = leaver.channel(topic, { config: { private: true } });
    const leaverGot = collect(leaverChannel);
    expect((await subscribe(ownerChannel)).status).toBe('SUBSCRIBED');
    expect((await subscribe(leaverChannel)).status).toBe('SUBSCRIBED');

    // Both see a sale while both are members.
    const before = await sale(fixture);
    await waitFor(() => ownerGot.some(saleFor(before)) && leaverGot.some(saleFor(before)));

    await removeMember(fixture.organizationId, leaver);

    // The old topic is told, without any content, that it is no longer used.
    await waitFor(() => ownerGot.some((m) => m.event === 'topic_rotated'));
    // (Realtime adds the message id to a database broadcast's payload; nothing else is there.)
    const rotated = ownerGot.find((m) => m.event === 'topic_rotated')!.payload;
    expect(Object.keys(rotated).filter((key) => key !== 'id')).toEqual([]);

    // The remaining member reads the new topic and moves there, as the dashboard does.
    const next = await liveTopic(owner, fixture.organizationId);
    expect(next).not.toBe(topic);
    expect(next.startsWith(`org:${fixture.organizationId}:`)).toBe(true);
    const ownerNext = owner.channel(next, { config: { private: true } });
    const ownerNextGot = collect(ownerNext);
    expect((await subscribe(ownerNext)).status).toBe('SUBSCRIBED');

    // The removed member can neither read the new topic nor join it.
    const { error: refused } = await leaver.rpc('organization_live_topic', { p_organization_id: fixture.organizationId });
    expect(refused).toMatchObject({ code: '42501', message: 'not_authorized' });
    const leaverNext = await subscribe(leaver.channel(next, { config: { private: true } }));
    expect(leaverNext.status).toBe('CHANNEL_ERROR');

    // A sale after the removal: the remaining member receives it; by then the removed
    // member's channel, still open on the old topic, has received nothing about it.
    for (const quantity of [2, 3]) {
      const after = await sale(fixture, quantity);
      await waitFor(() => ownerNextGot.some(saleFor(after)));
      expect(ownerNextGot.find(saleFor(after))?.payload).toMatchObject({ kind: 'sale', tickets: quantity });
    }
    expect(leaverGot.filter((m) => m.event === 'attribution').map((m) => m.payload.order_id)).toEqual([before]);
    expect(ownerGot.filter((m) => m.event === 'attribution').map((m) => m.payload.order_id)).toEqual([before]);
  });

  it('refuses the organization’s topic without its key, and a key read before the removal', async () => {
    const owner = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(owner) });
    const unkeyed = await subscribe(owner.channel(`org:${fixture.organizationId}`, { config: { private: true } }));
    expect(unkeyed.status).toBe('CHANNEL_ERROR');

    const leaver = await emulator.signUpUser();
    await addMember(fixture.organizationId, leaver);
    const topic = await liveTopic(leaver, fixture.organizationId);
    await removeMember(fixture.organizationId, leaver);
    const stale = await subscribe(leaver.channel(topic, { config: { private: true } }));
    expect(stale.status).toBe('CHANNEL_ERROR');
    // Not for the owner either: the old topic is retired for everyone.
    const retired = await subscribe(owner.channel(topic, { config: { private: true } }));
    expect(retired.status).toBe('CHANNEL_ERROR');
  });

  it('keeps the topic when a member only changes role', async () => {
    const owner = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(owner) });
    const colleague = await emulator.signUpUser();
    await addMember(fixture.organizationId, colleague);
    const topic = await liveTopic(owner, fixture.organizationId);
    await emulator.db.query(`update public.organization_members set role = 'admin' where organization_id = $1 and user_id = $2`, [
      fixture.organizationId,
      await userId(colleague),
    ]);
    expect(await liveTopic(owner, fixture.organizationId)).toBe(topic);
  });

  it('refuses the topic to someone who never was a member', async () => {
    const owner = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(owner) });
    const outsider = await emulator.signUpUser();
    const { data, error } = await outsider.rpc('organization_live_topic', { p_organization_id: fixture.organizationId });
    expect(data).toBeNull();
    expect(error).toMatchObject({ code: '42501', message: 'not_authorized' });
    const { error: anonymous } = await emulator.client().rpc('organization_live_topic', { p_organization_id: fixture.organizationId });
    expect(anonymous).not.toBeNull();
  });
});

describe('a private channel when the client sends a new access token', () => {
  it('is closed when the policies no longer let the user read, as Realtime re-evaluates them then', async () => {
    const owner = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(owner) });
    const member = await emulator.signUpUser();
    await addMember(fixture.organizationId, member);
    const topic = await liveTopic(member, fixture.organizationId);
    const first = (await member.auth.getSession()).data.session!.access_token;

    const socket = await connectRaw(emulator.url, emulator.anonKey);
    try {
      socket.send(['1', '1', `realtime:${topic}`, 'phx_join', { config: { private: true }, access_token: first }]);
      const joined = await socket.next(isReplyTo('1'));
      expect(joined[4]).toMatchObject({ status: 'ok' });

      // Still a member: a new token keeps the channel.
      const second = await reissue(first);
      socket.send(['1', '2', `realtime:${topic}`, 'access_token', { access_token: second }]);
      socket.send(['1', '3', 'phoenix', 'heartbeat', {}]);
      await socket.next(isReplyTo('3'));
      expect(socket.received.filter((m) => m[3] === 'phx_close')).toEqual([]);

      await removeMember(fixture.organizationId, member);
      socket.send(['1', '4', `realtime:${topic}`, 'access_token', { access_token: await reissue(first) }]);
      const system = await socket.next((m) => m[3] === 'system' && m[2] === `realtime:${topic}`);
      expect(system[4]).toMatchObject({
        extension: 'system',
        status: 'error',
        message: `You do not have permissions to read from this Channel topic: ${topic}`,
      });
      await socket.next((m) => m[3] === 'phx_close' && m[2] === `realtime:${topic}`);
    } finally {
      await socket.close();
    }
  });

  it('gives a channel joined with presence read but no broadcast read no broadcasts, as Realtime ignores them', async () => {
    // A topic whose policy allows presence reads only.
    const topic = `presence-only-${randomUUID()}`;
    await emulator.db.query(
      `create policy "presence only test" on realtime.messages for select to authenticated
       using (realtime.messages.extension = 'presence' and (select realtime.topic()) like 'presence-only-%')`,
    );
    try {
      const user = await emulator.signUpUser();
      const listener = user.channel(topic, { config: { private: true, presence: { enabled: true } } });
      const got = collect(listener);
      expect((await subscribe(listener)).status).toBe('SUBSCRIBED');
      const witness = emulator.serviceClient().channel(topic, { config: { private: true } });
      const witnessGot = collect(witness);
      expect((await subscribe(witness)).status).toBe('SUBSCRIBED');

      await emulator.db.query(`select realtime.send('{"n":1}'::jsonb, 'note', $1, true)`, [topic]);
      await waitFor(() => witnessGot.length === 1);
      expect(got).toEqual([]);
    } finally {
      await emulator.db.query('drop policy "presence only test" on realtime.messages');
    }
  });
});

describe('postgres_changes after removal', () => {
  it('stops delivering an organization’s rows to a removed member, since RLS is checked per change', async () => {
    const owner = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(owner) });
    const leaver = await emulator.signUpUser();
    await addMember(fixture.organizationId, leaver);
    // The SPA subscribes to no table changes; this checks none would leak if it did.
    await emulator.db.exec('alter publication supabase_realtime add table public.orders');

    const filter = `organization_id=eq.${fixture.organizationId}`;
    const watch = (client: TestClient) => {
      const rows: string[] = [];
      const channel = client
        .channel(`orders-${randomUUID()}`)
        .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'orders', filter }, (change) =>
          rows.push(String((change.new as { id: string }).id)),
        );
      return { channel, rows };
    };
    const ownerWatch = watch(owner);
    const leaverWatch = watch(leaver);
    expect((await subscribe(ownerWatch.channel)).status).toBe('SUBSCRIBED');
    expect((await subscribe(leaverWatch.channel)).status).toBe('SUBSCRIBED');

    const before = await sale(fixture);
    await waitFor(() => ownerWatch.rows.includes(before) && leaverWatch.rows.includes(before));

    await removeMember(fixture.organizationId, leaver);
    const after = await sale(fixture);
    await waitFor(() => ownerWatch.rows.includes(after));
    expect(leaverWatch.rows).toEqual([before]);
  });
});
