/**
 * The promoter portal's live topic through the emulator's Realtime, as a portal page uses
 * it: an anonymous client joins portal:<key> read from portal_view() and receives a
 * content-free "changed" when a sale is credited to the promoter; other topics (an
 * unknown portal key, the organization's own topic) are refused to it.
 */
import { randomUUID } from 'node:crypto';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, userId, waitFor, type TestEmulator } from '../helpers/emulator.ts';
import { factory, sqlStore } from '../helpers/factory.ts';

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator();
});

afterAll(async () => {
  await emulator?.stop();
});

type Status = 'SUBSCRIBED' | 'CHANNEL_ERROR' | 'TIMED_OUT' | 'CLOSED';

function subscribe(channel: RealtimeChannel): Promise<Status> {
  return new Promise((resolve) => {
    channel.subscribe((status) => resolve(status as Status));
  });
}

describe('the portal topic', () => {
  it('admits an anonymous visitor holding the portal, delivers "changed" on a sale, and refuses other topics', async () => {
    const owner = await emulator.signUpUser();
    const fixture = await factory(sqlStore(emulator.db)).onSale({ owner: await userId(owner) });
    const promoter = await emulator.db.query<{ id: string }>('select id from public.promoters where promo_code = $1', [fixture.promoCode]);
    const { data: rotated, error } = await owner.rpc('rotate_promoter_portal', { p_promoter_id: promoter.rows[0].id });
    expect(error).toBeNull();
    const visitor = emulator.client();
    const { data: view } = await visitor.rpc('portal_view', { p_secret: (rotated as { secret: string }).secret });
    const topic = (view as { live_topic: string }).live_topic;

    const channel = visitor.channel(topic, { config: { private: true } });
    const received: Record<string, unknown>[] = [];
    channel.on('broadcast', { event: 'portal' }, (message) => received.push(message.payload as Record<string, unknown>));
    expect(await subscribe(channel)).toBe('SUBSCRIBED');

    const stranger = emulator.client();
    expect(await subscribe(stranger.channel(`portal:${'0'.repeat(32)}`, { config: { private: true } }))).toBe('CHANNEL_ERROR');
    const { data: orgTopic } = await owner.rpc('organization_live_topic', { p_organization_id: fixture.organizationId });
    expect(await subscribe(stranger.channel(orgTopic as string, { config: { private: true } }))).toBe('CHANNEL_ERROR');

    const attendee = emulator.client();
    const { data: token } = await attendee.rpc('track_promoter_visit', {
      p_event_slug: fixture.eventSlug,
      p_promo_code: fixture.promoCode,
      p_session_id: randomUUID(),
    });
    const { error: checkoutError } = await attendee.rpc('checkout', {
      p_event_slug: fixture.eventSlug,
      p_items: [{ ticket_type_id: fixture.ticketTypeId, quantity: 1 }],
      p_buyer_name: 'Grace',
      p_buyer_email: 'grace@example.com',
      p_idempotency_key: randomUUID(),
      p_attribution_token: token as string,
    });
    expect(checkoutError).toBeNull();
    await waitFor(() => received.length > 0);
    expect(received[0]).toMatchObject({ kind: 'changed' });
    expect(Object.keys(received[0]).sort()).toEqual(['event_id', 'id', 'kind']);
    await visitor.removeAllChannels();
    await stranger.removeAllChannels();
  });
});
