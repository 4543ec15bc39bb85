/**
 * The promoter portal: rotating and turning off a portal link (who may), what
 * portal_view() answers for a live, rotated, turned-off or wrong secret, the
 * organization's revenue and rank settings, the guessing throttle, the portal's
 * realtime topic, and the broadcast a sale sends to it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymous, inRollback, type Persona, type PersonaTx } from './support/personas.ts';
import { checkout, databaseWithWorld, ids, people, slugs, track } from './support/world.ts';

const testDb = databaseWithWorld();

const { ownerA, adminA, memberA, ownerB, loner } = people;
const { maya, jonas } = ids.promoters;

interface Rotated {
  secret: string;
  enabled: boolean;
  rotated_at: string;
}

interface PortalEvent {
  event_id: string;
  event_name: string;
  event_slug: string;
  link_path: string;
  tickets: number;
  orders: number;
  revenue_minor: number | null;
  visits: number;
  conversion: number | null;
  rank: number | null;
  promoters: number | null;
  series: { day: string; tickets: number; visits: number; revenue_minor: number | null }[];
}

interface PortalView {
  promoter_name: string;
  organization_name: string;
  show_revenue: boolean;
  show_rank: boolean;
  live_topic: string;
  events: PortalEvent[];
}

const rotate = (s: PersonaTx, promoterId = maya) => s.value<Rotated>('select public.rotate_promoter_portal($1) as r', [promoterId]);
const disable = (s: PersonaTx, promoterId = maya) => s.value<unknown>('select public.disable_promoter_portal($1) as r', [promoterId]);
const view = (s: PersonaTx, secret: string) => s.value<PortalView | null>('select public.portal_view($1) as v', [secret]);

/** A secret of the right form that is no portal. */
const straySecret = () => randomBytes(32).toString('base64url');

async function fromAddress(s: PersonaTx, address: string): Promise<void> {
  await s.tx.query("select set_config('request.headers', $1, true)", [JSON.stringify({ 'cf-connecting-ip': address })]);
}

/** A live portal of Maya's, made by her organization's owner; the transaction is left acting as anon. */
async function livePortal(s: PersonaTx): Promise<string> {
  await s.as(ownerA);
  const { secret } = await rotate(s);
  await s.as(anonymous);
  return secret;
}

describe('rotating and turning off', () => {
  it.each<[string, Persona]>([
    ['the owner', ownerA],
    ['an admin', adminA],
    ['a member', memberA],
  ])('%s rotates a portal: the secret is returned once and only its hash is stored', async (_name, persona) => {
    await inRollback(testDb.db, async (s) => {
      await s.as(persona);
      const rotated = await rotate(s);
      expect(rotated.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(rotated.enabled).toBe(true);
      expect(await s.value('select public.promoter_portal_status($1) as s', [maya])).toEqual({ enabled: true, rotated_at: rotated.rotated_at });
      await s.asOwner();
      const stored = await s.one<{ secret_hash: Buffer; text: string }>(
        'select secret_hash, row_to_json(pp)::text as text from private.promoter_portals pp where promoter_id = $1',
        [maya],
      );
      expect(Buffer.from(stored.secret_hash).toString('hex')).toBe(createHash('sha256').update(rotated.secret).digest('hex'));
      expect(stored.text).not.toContain(rotated.secret);
      await s.as(persona);
      await disable(s);
      expect(await s.value('select public.promoter_portal_status($1) as s', [maya])).toMatchObject({ enabled: false });
    });
  });

  it.each<[string, Persona, string]>([
    ['an owner of another organization', ownerB, 'not_authorized'],
    ['a user without organization', loner, 'not_authorized'],
    ['an anonymous visitor', anonymous, '42501'],
  ])('%s can neither rotate, turn off nor read the status of a portal', async (_name, persona, refusal) => {
    await inRollback(testDb.db, async (s) => {
      await s.as(persona);
      for (const fn of ['rotate_promoter_portal', 'disable_promoter_portal', 'promoter_portal_status']) {
        const error = await s.refused(`select public.${fn}($1)`, [maya]);
        expect(refusal === '42501' ? error.code : error.message, fn).toBe(refusal);
      }
      await s.asOwner();
      expect(await s.rows('select 1 from private.promoter_portals where promoter_id = $1', [maya])).toEqual([]);
    });
  });

  it('a promoter that does not exist is refused like another organization\'s', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      expect((await s.refused('select public.rotate_promoter_portal($1)', ['00000000-0000-4000-8000-999999999999'])).message).toBe('not_authorized');
      expect((await s.refused('select public.rotate_promoter_portal($1)', [ids.promoters.bert])).message).toBe('not_authorized');
    });
  });

  it('a status without a portal says off, never made', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect(await s.value('select public.promoter_portal_status($1) as s', [jonas])).toEqual({ enabled: false, rotated_at: null });
    });
  });
});

describe('portal_view', () => {
  it('shows the promoter, the organization and each published event they are active on, with their figures', async () => {
    await inRollback(testDb.db, async (s) => {
      const secret = await livePortal(s);
      const token = await track(s, slugs.aLive, 'MAYA', '11111111-1111-4111-8111-111111111111');
      await track(s, slugs.aLive, 'MAYA', '22222222-2222-4222-8222-222222222222');
      const order = await checkout(s, { token, email: 'private-buyer@example.net', name: 'Private Buyer' });
      const portal = await view(s, secret);
      expect(portal).toMatchObject({ promoter_name: 'Maya Okafor', show_revenue: true, show_rank: false });
      expect(portal!.live_topic).toMatch(/^portal:[0-9a-f]{32}$/);
      // Maya is active on aLive, aOther and aPast (published); never drafts or other organizations' events.
      expect(portal!.events.map((e) => e.event_slug).sort()).toEqual([slugs.aLive, slugs.aOther, slugs.aPast].sort());
      const live = portal!.events.find((e) => e.event_slug === slugs.aLive)!;
      expect(live).toMatchObject({
        link_path: `/events/${slugs.aLive}?promoter=MAYA`,
        tickets: order.ticket_count,
        orders: 1,
        revenue_minor: order.total_minor,
        visits: 2,
        conversion: 0.5,
        rank: null,
        promoters: null,
      });
      const today = new Date().toISOString().slice(0, 10);
      expect(live.series).toEqual([{ day: today, tickets: order.ticket_count, visits: 2, revenue_minor: order.total_minor }]);
      // Nothing of buyers or other promoters.
      const text = JSON.stringify(portal);
      for (const hidden of ['private-buyer', 'Private Buyer', 'Jonas', order.reference, order.order_id]) expect(text).not.toContain(hidden);
    });
  });

  it('hides revenue and shows the rank when the organization says so', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(adminA);
      expect(await s.value('select public.set_portal_settings($1, false, true) as s', [ids.orgA])).toEqual({
        portal_show_revenue: false,
        portal_show_rank: true,
      });
      const secret = await livePortal(s);
      // Jonas sells 3 tickets, Maya 2: Maya is second of the event's two active promoters.
      await checkout(s, { token: await track(s, slugs.aLive, 'Jonas10', '33333333-3333-4333-8333-333333333333'), items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 3 }] });
      await checkout(s, { token: await track(s, slugs.aLive, 'MAYA', '44444444-4444-4444-8444-444444444444') });
      const portal = await view(s, secret);
      expect(portal).toMatchObject({ show_revenue: false, show_rank: true });
      const live = portal!.events.find((e) => e.event_slug === slugs.aLive)!;
      expect(live).toMatchObject({ tickets: 2, revenue_minor: null, rank: 2, promoters: 2 });
      expect(live.series.every((d) => d.revenue_minor === null)).toBe(true);
      expect(JSON.stringify(portal)).not.toContain('Jonas');
    });
  });

  it('only owners and admins change the portal settings', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [memberA, ownerB, loner]) {
        await s.as(persona);
        expect((await s.refused('select public.set_portal_settings($1, false, true)', [ids.orgA])).message).toBe('not_authorized');
      }
      await s.as(anonymous);
      expect((await s.refused('select public.set_portal_settings($1, false, true)', [ids.orgA])).code).toBe('42501');
      await s.asOwner();
      expect(await s.one('select portal_show_revenue, portal_show_rank from public.organizations where id = $1', [ids.orgA])).toEqual({
        portal_show_revenue: true,
        portal_show_rank: false,
      });
    });
  });

  it('answers null alike for a rotated, a turned-off, a wrong and a malformed secret', async () => {
    await inRollback(testDb.db, async (s) => {
      const first = await livePortal(s);
      expect(await view(s, first)).not.toBeNull();
      await s.as(memberA);
      const { secret: second } = await rotate(s);
      await s.as(anonymous);
      expect(await view(s, first)).toBeNull();
      expect(await view(s, second)).not.toBeNull();
      await s.as(memberA);
      await disable(s);
      await s.as(anonymous);
      expect(await view(s, second)).toBeNull();
      expect(await view(s, straySecret())).toBeNull();
      expect(await view(s, 'short')).toBeNull();
      expect(await view(s, 'x'.repeat(100_000))).toBeNull();
      // Rotating again turns the portal back on, with a new secret only.
      await s.as(memberA);
      const { secret: third } = await rotate(s);
      await s.as(anonymous);
      expect(await view(s, second)).toBeNull();
      expect(await view(s, third)).not.toBeNull();
    });
  });

  it('stops answering a client that guessed wrong too often, and only that client', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      const limit = await s.value<number>('select private.portal_misses_per_client_minute() as n');
      const secret = await livePortal(s);
      await fromAddress(s, '203.0.113.7');
      // The live secret still works until the limit of misses is used up.
      expect(await view(s, secret)).not.toBeNull();
      for (let i = 0; i < limit; i++) expect(await view(s, straySecret())).toBeNull();
      expect(await view(s, secret)).toBeNull();
      await fromAddress(s, '198.51.100.9');
      expect(await view(s, secret)).not.toBeNull();
    });
  });

  it('answers a wrong secret about as fast as a live one', async () => {
    await inRollback(testDb.db, async (s) => {
      const secret = await livePortal(s);
      const time = async (value: string) => {
        const started = performance.now();
        for (let i = 0; i < 5; i++) await view(s, value);
        return performance.now() - started;
      };
      await time(secret);
      const live = await time(secret);
      const wrong = await time(straySecret());
      // The same order of magnitude: a miss does no more than the index lookup a hit does.
      expect(wrong).toBeLessThan(live * 10 + 50);
    });
  });
});

describe('live', () => {
  const canJoin = async (s: PersonaTx, persona: Persona, topic: string) => {
    await s.asOwner();
    const id = await s.value<string>(`insert into realtime.messages (topic, extension) values ($1, 'broadcast') returning id`, [topic]);
    await s.as(persona);
    await s.rows("select set_config('realtime.topic', $1, true)", [topic]);
    return (await s.rows('select id from realtime.messages where id = $1', [id])).length === 1;
  };

  it('anyone holding the portal may join its topic while it is on; other topics are refused', async () => {
    await inRollback(testDb.db, async (s) => {
      const secret = await livePortal(s);
      const topic = (await view(s, secret))!.live_topic;
      expect(await canJoin(s, anonymous, topic)).toBe(true);
      expect(await canJoin(s, loner, topic)).toBe(true);
      expect(await canJoin(s, anonymous, `portal:${'0'.repeat(32)}`)).toBe(false);
      expect(await canJoin(s, anonymous, 'portal:')).toBe(false);
      expect(await canJoin(s, anonymous, `org:${ids.orgA}`)).toBe(false);
      // Neither the stored hash nor the secret names the topic.
      await s.asOwner();
      const hash = await s.value<string>("select encode(secret_hash, 'hex') as h from private.promoter_portals where promoter_id = $1", [maya]);
      expect(topic).not.toContain(hash.slice(0, 32));
      expect(await canJoin(s, anonymous, `portal:${secret}`)).toBe(false);
      await s.as(ownerA);
      await disable(s);
      expect(await canJoin(s, anonymous, topic)).toBe(false);
    });
  });

  it('a sale through the link tells the portal "changed" with the event id and nothing else', async () => {
    await inRollback(testDb.db, async (s) => {
      const secret = await livePortal(s);
      const topic = (await view(s, secret))!.live_topic;
      const token = await track(s, slugs.aLive, 'MAYA', '55555555-5555-4555-8555-555555555555');
      await checkout(s, { token });
      await s.asOwner();
      const sent = await s.rows<{ event: string; payload: Record<string, unknown> }>(
        'select event, payload from realtime.messages where topic = $1',
        [topic],
      );
      expect(sent.map((m) => m.event)).toEqual(['portal']);
      const { id: _id, ...payload } = sent[0].payload;
      expect(payload).toEqual({ kind: 'changed', event_id: ids.events.aLive });
    });
  });

  it('sends nothing to a turned-off portal, and tells the old topic when the link changes', async () => {
    await inRollback(testDb.db, async (s) => {
      const secret = await livePortal(s);
      const topic = (await view(s, secret))!.live_topic;
      await s.as(ownerA);
      await rotate(s);
      await s.asOwner();
      expect(await s.value('select count(*)::int as n from realtime.messages where topic = $1', [topic])).toBe(1);
      await s.as(ownerA);
      await disable(s);
      await s.as(anonymous);
      await s.asOwner();
      const before = await s.value<number>("select count(*)::int as n from realtime.messages where topic like 'portal:%'");
      await s.as(anonymous);
      await checkout(s, { token: await track(s, slugs.aLive, 'MAYA', '66666666-6666-4666-8666-666666666666') });
      await s.asOwner();
      expect(await s.value("select count(*)::int as n from realtime.messages where topic like 'portal:%'")).toBe(before);
    });
  });
});
