import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymous, inRollback, type Persona, type PersonaTx } from './support/personas.ts';
import { checkout, databaseWithWorld, ids, people, slugs, track } from './support/world.ts';

const testDb = databaseWithWorld();

const attributionOf = async (s: PersonaTx, orderId: string) => {
  await s.asOwner();
  const rows = await s.rows<{ promoter_id: string; event_id: string; visit_id: string }>(
    'select promoter_id, event_id, visit_id from public.attributions where order_id = $1',
    [orderId],
  );
  return rows[0] ?? null;
};

async function deletePromoter(s: PersonaTx, promoterId: string, promoCode: string): Promise<void> {
  await s.as(people.ownerA);
  const request = await s.value<{ token: string }>('select public.request_promoter_deletion($1)', [promoterId]);
  await s.rows('select public.confirm_promoter_deletion($1, $2, $3)', [promoterId, request.token, promoCode]);
}

describe('track_promoter_visit', () => {
  it('returns an unguessable token for an active link and records one visit', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const session = randomUUID();
      const token = await track(s, slugs.aLive, 'MAYA', session);
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      await s.asOwner();
      const visits = await s.rows('select promoter_id, event_id, organization_id from public.promoter_visits where session_id = $1', [session]);
      expect(visits).toEqual([{ promoter_id: ids.promoters.maya, event_id: ids.events.aLive, organization_id: ids.orgA }]);
    });
  });

  it('gives the same session the same token again without a second visit', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const session = randomUUID();
      const first = await track(s, slugs.aLive, 'MAYA', session);
      const second = await track(s, slugs.aLive, 'MAYA', session);
      const otherSession = await track(s, slugs.aLive, 'MAYA', randomUUID());
      expect(second).toBe(first);
      expect(otherSession).not.toBe(first);
      await s.asOwner();
      expect(await s.value<number>('select count(*)::int from public.promoter_visits where session_id = $1', [session])).toBe(1);
    });
  });

  it('matches the promo code whatever its case', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      expect(await track(s, slugs.aLive, 'jonas10', randomUUID())).toBeTruthy();
      expect(await track(s, slugs.aLive, 'Jonas10', randomUUID())).toBeTruthy();
    });
  });

  it.each<[string, string, string]>([
    ['an unknown code', slugs.aLive, 'NOBODY'],
    ['a promoter whose link is inactive', slugs.aLive, 'INA'],
    ['a promoter without a link for the event', slugs.aLive, 'LONE'],
    ['a promoter of another organization', slugs.aLive, 'BERT'],
    ['a link for another event', slugs.aOther, 'JONAS10'],
    ['an unknown event', 'no-such-show', 'MAYA'],
    ['an unpublished event', slugs.aDraft, 'MAYA'],
    ['a malformed code', slugs.aLive, "MAYA' or 1=1 --"],
    ['a 10 MB code', slugs.aLive, 'M'.repeat(10 * 1024 * 1024)],
    ['a 10 MB event slug', 'x'.repeat(10 * 1024 * 1024), 'MAYA'],
  ])('returns null silently for %s and records nothing', async (_name, slug, code) => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const session = randomUUID();
      expect(await track(s, slug, code, session)).toBeNull();
      await s.asOwner();
      expect(await s.value<number>('select count(*)::int from public.promoter_visits where session_id = $1', [session])).toBe(0);
    });
  });

  it('returns null without a session id', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      expect(await s.value('select public.track_promoter_visit($1, $2, null) as token', [slugs.aLive, 'MAYA'])).toBeNull();
    });
  });

  it('does not let attendees read visits', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      expect((await s.refused('select * from public.promoter_visits')).code).toBe('42501');
    });
  });
});

describe('attribution rules', () => {
  it('attributes a purchase made with the token of the same session to the promoter', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const token = await track(s, slugs.aLive, 'MAYA', randomUUID());
      const order = await checkout(s, { token });
      const attribution = await attributionOf(s, order.order_id);
      expect(attribution).toMatchObject({ promoter_id: ids.promoters.maya, event_id: ids.events.aLive });
    });
  });

  it('does not attribute a purchase made without a token', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const order = await checkout(s);
      expect(await attributionOf(s, order.order_id)).toBeNull();
    });
  });

  it('ignores an unknown or malformed token silently and still sells the tickets', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const withGarbage = await checkout(s, { token: 'not-a-token' });
      const withHuge = await checkout(s, { token: 't'.repeat(1024 * 1024) });
      expect(withGarbage.status).toBe('paid');
      expect(withHuge.status).toBe('paid');
      expect(await attributionOf(s, withGarbage.order_id)).toBeNull();
      expect(await attributionOf(s, withHuge.order_id)).toBeNull();
    });
  });

  it('never attributes a purchase on event B to a link for event A', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      // Maya has links for both events; the token is for the first one.
      const tokenForLive = await track(s, slugs.aLive, 'MAYA', randomUUID());
      const order = await checkout(s, { slug: slugs.aOther, items: [{ ticket_type_id: ids.ticketTypes.aOtherEntry, quantity: 1 }], token: tokenForLive });
      expect(await attributionOf(s, order.order_id)).toBeNull();
    });
  });

  it('does not attribute when the promoter was deactivated on the event after the visit', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const token = await track(s, slugs.aLive, 'MAYA', randomUUID());
      await s.as(people.memberA);
      await s.rows('update public.event_promoters set active = false where event_id = $1 and promoter_id = $2', [ids.events.aLive, ids.promoters.maya]);
      await s.as(anonymous);
      const order = await checkout(s, { token });
      expect(await attributionOf(s, order.order_id)).toBeNull();
    });
  });

  it('does not attribute when the promoter was deleted after the visit', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const token = await track(s, slugs.aLive, 'MAYA', randomUUID());
      await deletePromoter(s, ids.promoters.maya, 'MAYA');
      await s.as(anonymous);
      const order = await checkout(s, { token });
      expect(order.status).toBe('paid');
      expect(await attributionOf(s, order.order_id)).toBeNull();
    });
  });

  it('attributes to the last link clicked in the session when its token is sent', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const session = randomUUID();
      await track(s, slugs.aLive, 'MAYA', session);
      const latest = await track(s, slugs.aLive, 'JONAS10', session);
      const order = await checkout(s, { token: latest });
      expect(await attributionOf(s, order.order_id)).toMatchObject({ promoter_id: ids.promoters.jonas });
    });
  });

  it('returns the same response shape whether or not the order was attributed', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const token = await track(s, slugs.aLive, 'MAYA', randomUUID());
      const attributed = await checkout(s, { token });
      const plain = await checkout(s);
      expect(Object.keys(attributed).sort()).toEqual(Object.keys(plain).sort());
    });
  });

  it('stops counting a refunded order for the promoter', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const token = await track(s, slugs.aLive, 'MAYA', randomUUID());
      const order = await checkout(s, { token, items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 4 }] });
      await s.as(people.ownerA);
      const before = await s.one<{ tickets: number; revenue_minor: number; orders: number }>(
        'select tickets, revenue_minor, orders from public.promoter_performance($1) where promoter_id = $2',
        [ids.orgA, ids.promoters.maya],
      );
      expect(before).toEqual({ tickets: 4, revenue_minor: 10000, orders: 1 });
      await s.rows('select public.refund_order($1)', [order.order_id]);
      const after = await s.one('select tickets, revenue_minor, orders from public.promoter_performance($1) where promoter_id = $2', [
        ids.orgA,
        ids.promoters.maya,
      ]);
      expect(after).toEqual({ tickets: 0, revenue_minor: 0, orders: 0 });
    });
  });
});

describe('realtime', () => {
  const messages = (s: PersonaTx) =>
    s.rows<{ topic: string; event: string; private: boolean; payload: Record<string, unknown> }>(
      // All messages of one transaction share inserted_at; order them by kind.
      `select topic, event, private, payload from realtime.messages
       order by array_position(array['sale', 'refund', 'removed'], payload ->> 'kind')`,
    );

  /** The organization's current topic, org:<id>:<key> (its key changes when a member leaves). */
  const topicOf = (s: PersonaTx, organizationId: string) =>
    s.value<string>(
      `select 'org:' || organization_id || ':' || topic_key from private.organization_topics where organization_id = $1`,
      [organizationId],
    );

  it('broadcasts a sale, a refund and a removal to the organization topic', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const token = await track(s, slugs.aLive, 'MAYA', randomUUID());
      const order = await checkout(s, { token, items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 2 }] });
      await s.as(people.ownerA);
      await s.rows('select public.refund_order($1)', [order.order_id]);
      await deletePromoter(s, ids.promoters.maya, 'MAYA');
      await s.asOwner();
      const sent = await messages(s);
      const topic = await topicOf(s, ids.orgA);
      expect(sent.map((m) => [m.topic, m.event, m.private])).toEqual([
        [topic, 'attribution', true],
        [topic, 'attribution', true],
        [topic, 'attribution', true],
      ]);
      expect(sent[0].payload).toMatchObject({
        kind: 'sale',
        promoter_id: ids.promoters.maya,
        promoter_name: 'Maya Okafor',
        event_id: ids.events.aLive,
        order_id: order.order_id,
        tickets: 2,
        revenue_minor: 5000,
        currency: 'USD',
      });
      expect(sent[1].payload).toMatchObject({ kind: 'refund', order_id: order.order_id, tickets: 2 });
      expect(sent[2].payload).toMatchObject({ kind: 'removed', promoter_id: ids.promoters.maya, promoter_name: 'Maya Okafor' });
      for (const message of sent) expect(JSON.stringify(message.payload).length).toBeLessThan(500);
    });
  });

  it('sends nothing for an order without attribution', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      await checkout(s);
      await s.asOwner();
      expect(await messages(s)).toEqual([]);
    });
  });

  // Mirrors how Realtime authorizes a private channel join: insert a probe message, then
  // read it back as the user with realtime.topic set.
  const canJoin = async (s: PersonaTx, persona: Persona, topic: string) => {
    await s.asOwner();
    const id = await s.value<string>(`insert into realtime.messages (topic, extension) values ($1, 'broadcast') returning id`, [topic]);
    await s.as(persona);
    await s.rows("select set_config('realtime.topic', $1, true)", [topic]);
    const seen = await s.rows('select id from realtime.messages where id = $1', [id]);
    return seen.length === 1;
  };

  const CURRENT = 'the current topic of organization A';
  it.each<[string, Persona, string, boolean]>([
    ['a member joins their organization topic', people.memberA, CURRENT, true],
    ['an owner of another organization cannot join it', people.ownerB, CURRENT, false],
    ['a user without organization cannot join it', people.loner, CURRENT, false],
    ['an anonymous attendee cannot join it', anonymous, CURRENT, false],
    ['the topic without its key is refused', people.memberA, `org:${ids.orgA}`, false],
    ['the topic with another key is refused', people.memberA, `org:${ids.orgA}:${'0'.repeat(32)}`, false],
    ['a malformed topic is refused', people.memberA, 'org:not-a-uuid', false],
    ['another topic is refused', people.memberA, 'everything', false],
  ])('%s', async (_name, persona, topic, allowed) => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      const resolved = topic === CURRENT ? await topicOf(s, ids.orgA) : topic;
      expect(await canJoin(s, persona, resolved)).toBe(allowed);
    });
  });
});

/**
 * As PostgREST passes an API request's headers to SQL: the gateway's cf-connecting-ip
 * (the address of the connection) and an x-forwarded-for whose first entries the client
 * wrote itself.
 */
async function fromAddress(s: PersonaTx, address: string, clientWritten = '10.9.8.7'): Promise<void> {
  const headers = { 'cf-connecting-ip': address, 'x-forwarded-for': `${clientWritten}, ${address}` };
  await s.rows("select set_config('request.headers', $1, true)", [JSON.stringify(headers)]);
}

/** Counts as the owner, then goes back to acting as `persona`. */
async function visitsOf(s: PersonaTx, promoterId: string, persona: Persona = anonymous): Promise<number> {
  await s.asOwner();
  const n = await s.value<number>('select count(*)::int from public.promoter_visits where promoter_id = $1', [promoterId]);
  await s.as(persona);
  return n;
}

describe('visit bounds per client address', () => {
  it('counts at most 3 visits per client address, link and UTC day; its further sessions share its latest token', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const before = await visitsOf(s, ids.promoters.maya);
      const tokens: (string | null)[] = [];
      for (let i = 0; i < 40; i++) {
        // Whatever the client writes into x-forwarded-for, the gateway's address decides.
        await fromAddress(s, '203.0.113.7', `10.0.0.${i}`);
        tokens.push(await track(s, slugs.aLive, 'MAYA', randomUUID()));
      }
      expect(await visitsOf(s, ids.promoters.maya)).toBe(before + 3);
      expect(new Set(tokens.slice(0, 3)).size).toBe(3);
      expect(new Set(tokens.slice(2))).toEqual(new Set([tokens[2]]));
      // The bound is per link: the same client still counts on another promoter's link.
      expect(await track(s, slugs.aLive, 'Jonas10', randomUUID())).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(await visitsOf(s, ids.promoters.jonas)).toBe(1);
      // A buyer behind the flooding address is still attributed, with the shared token.
      const order = await checkout(s, { token: tokens[39] });
      expect((await attributionOf(s, order.order_id))?.promoter_id).toBe(ids.promoters.maya);
    });
  });

  it('still counts genuine visitors from other addresses during a flood', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const before = await visitsOf(s, ids.promoters.maya);
      for (let i = 0; i < 200; i++) {
        await fromAddress(s, '203.0.113.66');
        await track(s, slugs.aLive, 'MAYA', randomUUID());
      }
      const genuine: (string | null)[] = [];
      for (let i = 1; i <= 25; i++) {
        await fromAddress(s, `198.51.100.${i}`);
        genuine.push(await track(s, slugs.aLive, 'MAYA', randomUUID()));
      }
      expect(new Set(genuine).size).toBe(25);
      expect(await visitsOf(s, ids.promoters.maya)).toBe(before + 3 + 25);
    });
  });

  it('treats an IPv6 client as its whole /64', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const before = await visitsOf(s, ids.promoters.maya);
      for (let i = 1; i <= 10; i++) {
        await fromAddress(s, `2001:db8:1:2::${i.toString(16)}`);
        await track(s, slugs.aLive, 'MAYA', randomUUID());
      }
      await fromAddress(s, '2001:db8:1:3::1');
      await track(s, slugs.aLive, 'MAYA', randomUUID());
      expect(await visitsOf(s, ids.promoters.maya)).toBe(before + 3 + 1);
    });
  });

  it('records no visit when a member of the organization opens the link', async () => {
    await inRollback(testDb.db, async (s) => {
      const before = await visitsOf(s, ids.promoters.maya);
      for (const member of [people.memberA, people.ownerA]) {
        await s.as(member);
        await fromAddress(s, '198.51.100.200');
        expect(await track(s, slugs.aLive, 'MAYA', randomUUID())).toBeNull();
      }
      // A signed-in user of another organization is an ordinary visitor here.
      await s.as(people.ownerB);
      expect(await track(s, slugs.aLive, 'MAYA', randomUUID())).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(await visitsOf(s, ids.promoters.maya)).toBe(before + 1);
    });
  });

  it('answers null for every code once a client has asked about 20 codes that are not live links in a minute', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      await fromAddress(s, '203.0.113.99');
      // Unknown and inactive codes answer the same way: null.
      expect(await track(s, slugs.aLive, 'INA', randomUUID())).toBeNull();
      for (let i = 0; i < 19; i++) expect(await track(s, slugs.aLive, `GUESS${i}`, randomUUID())).toBeNull();
      // Throttled now: a live code answers exactly like an unknown one, and records nothing.
      const before = await visitsOf(s, ids.promoters.maya);
      expect(await track(s, slugs.aLive, 'MAYA', randomUUID())).toBeNull();
      expect(await visitsOf(s, ids.promoters.maya)).toBe(before);
      // Other addresses are not affected.
      await fromAddress(s, '203.0.113.100');
      expect(await track(s, slugs.aLive, 'MAYA', randomUUID())).toMatch(/^[A-Za-z0-9_-]{32}$/);
      // Nineteen misses leave a client its answers.
      for (let i = 0; i < 19; i++) await track(s, slugs.aLive, `MISS${i}`, randomUUID());
      expect(await track(s, slugs.aLive, 'MAYA', randomUUID())).toMatch(/^[A-Za-z0-9_-]{32}$/);
    });
  });

  it('reads the address the gateway set, never one the client wrote, and stores only a keyed hash of it', async () => {
    await inRollback(testDb.db, async (s) => {
      const address = async (headers: Record<string, string> | null) => {
        await s.rows("select set_config('request.headers', $1, true)", [headers ? JSON.stringify(headers) : '']);
        return s.value<string | null>('select host(private.client_address())');
      };
      await s.asOwner();
      expect(await address({ 'cf-connecting-ip': '203.0.113.7', 'x-forwarded-for': '1.2.3.4, 203.0.113.7' })).toBe('203.0.113.7');
      // Without the edge header, only the entry the last proxy appended counts.
      expect(await address({ 'x-forwarded-for': '1.2.3.4, 198.51.100.3' })).toBe('198.51.100.3');
      expect(await address({ 'cf-connecting-ip': '::ffff:203.0.113.7' })).toBe('203.0.113.7');
      expect(await address({ 'cf-connecting-ip': 'not an address' })).toBeNull();
      expect(await address({})).toBeNull();
      expect(await address(null)).toBeNull();

      await s.as(anonymous);
      await fromAddress(s, '203.0.113.7');
      await track(s, slugs.aLive, 'MAYA', randomUUID());
      await s.asOwner();
      const stored = await s.rows<{ key: string }>("select encode(client_key, 'hex') as key from private.visit_allowances");
      expect(stored).toHaveLength(1);
      expect(stored[0].key).toMatch(/^[0-9a-f]{32}$/);
      const unkeyed = await s.value<string>("select encode(substring(extensions.digest('203.0.113.7', 'sha256') from 1 for 16), 'hex')");
      expect(stored[0].key).not.toBe(unkeyed);
      expect(stored[0].key).not.toContain(Buffer.from('203.0.113.7').toString('hex'));
    });
  });

  it('prunes expired counters as it goes', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      await s.rows(
        `insert into private.client_rate_counters (client_key, bucket, window_start, hits)
         select extensions.gen_random_bytes(16), 'visit_miss', now() - interval '1 hour', 1 from generate_series(1, 50)`,
      );
      await s.rows(
        `insert into private.visit_allowances (event_id, promoter_id, client_key, day, visits)
         select $1, $2, extensions.gen_random_bytes(16), current_date - 2, 3 from generate_series(1, 50)`,
        [ids.events.aLive, ids.promoters.maya],
      );
      await s.as(anonymous);
      await fromAddress(s, '203.0.113.8');
      await track(s, slugs.aLive, 'MAYA', randomUUID());
      await s.asOwner();
      expect(await s.value<number>("select count(*)::int from private.client_rate_counters where window_start < now() - interval '10 minutes'")).toBe(0);
      expect(await s.value<number>('select count(*)::int from private.visit_allowances where day < current_date')).toBe(0);
    });
  });

  it('keeps the counters out of reach of every API role', async () => {
    for (const persona of [anonymous, people.memberA, people.ownerA]) {
      await inRollback(testDb.db, async (s) => {
        await s.as(persona);
        for (const table of ['private.client_rate_counters', 'private.visit_allowances', 'private.client_key_secret']) {
          expect((await s.refused(`select * from ${table}`)).code, `${persona.label} reads ${table}`).toBe('42501');
          expect((await s.refused(`delete from ${table}`)).code, `${persona.label} deletes ${table}`).toBe('42501');
        }
        expect((await s.refused('select private.client_key()')).code).toBe('42501');
      });
    }
  });
});
