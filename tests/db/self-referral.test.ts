/**
 * Self-referrals (20261203100000_self_referral.sql): the flag set once when an order is
 * credited, the organization's choice whether flagged orders count, applied by every
 * read function at once and retroactively, and the rollups' self-referral part equal to
 * a recomputation.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymous, inRollback, serviceRole, type Persona, type PersonaTx } from './support/personas.ts';
import { Racer, type Outcome } from './support/race.ts';
import { expectRollupsMatchRawData } from './support/rollups.ts';
import { checkout, databaseWithWorld, ids, people, raceTicketType, racingPromoter, slugs, track } from './support/world.ts';

const testDb = databaseWithWorld();

const { maya, jonas } = ids.promoters;
const today = () => new Date().toISOString().slice(0, 10);

/** A sale of `quantity` General tickets through the promoter's link, bought with `email`. */
async function sale(s: PersonaTx, code: string, email: string, quantity = 1): Promise<string> {
  await s.as(anonymous);
  const token = await track(s, slugs.aLive, code, randomUUID());
  const order = await checkout(s, { token, email, items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity }] });
  return order.order_id;
}

async function flagOf(s: PersonaTx, orderId: string): Promise<boolean | null> {
  await s.asOwner();
  const rows = await s.rows<{ self_referral: boolean }>('select self_referral from public.attributions where order_id = $1', [orderId]);
  return rows[0]?.self_referral ?? null;
}

async function countSelfReferrals(s: PersonaTx, value: boolean, persona: Persona = people.ownerA): Promise<unknown> {
  await s.as(persona);
  return s.value('select public.set_self_referral_setting($1, $2) as r', [ids.orgA, value]);
}

describe('the self-referral flag', () => {
  it('is set when the buyer email is the promoter email, trimmed and ignoring case, and only then', async () => {
    await inRollback(testDb.db, async (s) => {
      expect(await flagOf(s, await sale(s, 'MAYA', 'maya@example.com'))).toBe(true);
      expect(await flagOf(s, await sale(s, 'MAYA', '  Maya@EXAMPLE.com '))).toBe(true);
      expect(await flagOf(s, await sale(s, 'MAYA', 'maya@example.org'))).toBe(false);
      expect(await flagOf(s, await sale(s, 'MAYA', 'not-maya@example.com'))).toBe(false);
      // Case on the promoter's side too (a promoter's email holds no spaces).
      await s.asOwner();
      await s.rows(`update public.promoters set email = 'Jonas@Example.ORG' where id = $1`, [jonas]);
      expect(await flagOf(s, await sale(s, 'JONAS10', ' jonas@example.org'))).toBe(true);
    });
  });

  it('is never set for a promoter without an email', async () => {
    await inRollback(testDb.db, async (s) => {
      // Jonas has no email: nothing a buyer types matches.
      expect(await flagOf(s, await sale(s, 'JONAS10', 'jonas@example.org'))).toBe(false);
      // Nor after one is given and taken away again.
      await s.asOwner();
      await s.rows(`update public.promoters set email = 'jonas@example.org' where id = $1`, [jonas]);
      await s.rows(`update public.promoters set email = null where id = $1`, [jonas]);
      expect(await flagOf(s, await sale(s, 'JONAS10', 'jonas@example.org'))).toBe(false);
    });
  });

  it('is set for an order a referral code credits', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      await s.rows('select public.set_attribution_settings($1, null, true)', [ids.orgA]);
      await s.as(anonymous);
      const order = await s.value<{ order_id: string }>('select public.checkout($1, $2::jsonb, $3, $4, $5::uuid, null, $6) as r', [
        slugs.aLive,
        JSON.stringify([{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 1 }]),
        'Maya',
        'MAYA@example.com',
        randomUUID(),
        'maya',
      ]);
      expect(await flagOf(s, order.order_id)).toBe(true);
    });
  });

  it('is decided once: a later change of the promoter email does not rewrite it', async () => {
    await inRollback(testDb.db, async (s) => {
      const flagged = await sale(s, 'MAYA', 'maya@example.com');
      const plain = await sale(s, 'MAYA', 'maya.new@example.com');
      await s.as(people.ownerA);
      await s.rows(`update public.promoters set email = 'maya.new@example.com' where id = $1`, [maya]);
      expect(await flagOf(s, flagged)).toBe(true);
      expect(await flagOf(s, plain)).toBe(false);
    });
  });

  it('cannot be chosen by whoever inserts the attribution', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      const orderId = await s.value<string>(
        `insert into public.orders (organization_id, event_id, reference, buyer_name, buyer_email, currency, total_minor, ticket_count, idempotency_key)
         values ($1, $2, 'PL-SELFTEST', 'Someone', 'someone@example.net', 'USD', 1000, 1, gen_random_uuid()) returning id`,
        [ids.orgA, ids.events.aLive],
      );
      await s.rows(
        `insert into public.attributions (organization_id, order_id, promoter_id, event_id, source, self_referral)
         values ($1, $2, $3, $4, 'referral_code', true)`,
        [ids.orgA, orderId, maya, ids.events.aLive],
      );
      expect(await flagOf(s, orderId)).toBe(false);
    });
  });

  it('is readable by members with the attribution, and never writable through the API', async () => {
    await inRollback(testDb.db, async (s) => {
      const orderId = await sale(s, 'MAYA', 'maya@example.com');
      await s.as(people.memberA);
      expect(await s.rows('select self_referral from public.attributions where order_id = $1', [orderId])).toEqual([{ self_referral: true }]);
      expect((await s.refused('update public.attributions set self_referral = false where order_id = $1', [orderId])).code).toBe('42501');
      await s.as(people.ownerB);
      expect(await s.rows('select self_referral from public.attributions where order_id = $1', [orderId])).toEqual([]);
    });
  });
});

describe('set_self_referral_setting', () => {
  it('starts as "self-referrals count", readable by every member', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.memberA);
      expect(await s.value('select count_self_referrals from public.organizations where id = $1', [ids.orgA])).toBe(true);
    });
  });

  it.each([
    ['the owner', people.ownerA],
    ['an admin', people.adminA],
  ])('can be changed by %s, and answers the saved choice', async (_who, persona) => {
    await inRollback(testDb.db, async (s) => {
      expect(await countSelfReferrals(s, false, persona)).toEqual({ count_self_referrals: false });
      await s.as(people.memberA);
      expect(await s.value('select count_self_referrals from public.organizations where id = $1', [ids.orgA])).toBe(false);
      expect(await countSelfReferrals(s, true, persona)).toEqual({ count_self_referrals: true });
      // Another organization keeps its own.
      await s.asOwner();
      expect(await s.value('select count_self_referrals from public.organizations where id = $1', [ids.orgB])).toBe(true);
    });
  });

  it('tells open dashboards to recount: one empty "recount" broadcast to the organization\'s topic per change, none when nothing changes', async () => {
    await inRollback(testDb.db, async (s) => {
      const recounts = async () => {
        await s.asOwner();
        return s.rows<{ topic: string; private: boolean; payload: unknown }>(
          `select topic, private, payload from realtime.messages where event = 'recount'`,
        );
      };
      const topic = await s.value<string>(
        `select 'org:' || organization_id || ':' || topic_key from private.organization_topics where organization_id = $1`,
        [ids.orgA],
      );
      await countSelfReferrals(s, true);
      expect(await recounts()).toEqual([]);
      await countSelfReferrals(s, false, people.adminA);
      // realtime.send() adds the message id to the payload, as on the platform.
      expect(await recounts()).toEqual([{ topic, private: true, payload: { id: expect.any(String) } }]);
      // Other updates of the organization's row send nothing.
      await s.asOwner();
      await s.rows(`update public.organizations set name = name || ' renamed' where id = $1`, [ids.orgA]);
      expect(await recounts()).toHaveLength(1);
      // A refused change sends nothing either.
      await s.as(people.memberA);
      await s.refused('select public.set_self_referral_setting($1, true)', [ids.orgA]);
      expect(await recounts()).toHaveLength(1);
    });
  });

  it.each([
    ['a member', people.memberA, 'not_authorized'],
    ['the owner of another organization', people.ownerB, 'not_authorized'],
    ['a signed-in user without organization', people.loner, 'not_authorized'],
    ['an anonymous visitor', anonymous, 'permission denied for function set_self_referral_setting'],
    ['the service role', serviceRole, 'permission denied for function set_self_referral_setting'],
  ])('is refused to %s', async (_who, persona, message) => {
    await inRollback(testDb.db, async (s) => {
      await s.as(persona);
      const error = await s.refused('select public.set_self_referral_setting($1, false)', [ids.orgA]);
      expect(error.message).toBe(message);
      expect(error.code).toBe('42501');
      await s.asOwner();
      expect(await s.value('select count_self_referrals from public.organizations where id = $1', [ids.orgA])).toBe(true);
    });
  });

  it('refuses a missing choice with a stable code', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      const error = await s.refused('select public.set_self_referral_setting($1, null)', [ids.orgA]);
      expect(error.message).toBe('invalid_self_referral_setting');
      expect(error.code).toBe('P0001');
      expect(error.hint).toBeTruthy();
    });
  });

  it('cannot be changed by writing the organization row directly', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      expect((await s.refused('update public.organizations set count_self_referrals = false where id = $1', [ids.orgA])).code).toBe('42501');
    });
  });
});

describe('whether self-referrals count', () => {
  /** Maya: one self-referral of 3 tickets and one plain sale of 1; an unattributed sale. */
  async function scenario(s: PersonaTx): Promise<{ selfOrder: string; plainOrder: string }> {
    const selfOrder = await sale(s, 'MAYA', ' maya@example.com', 3);
    const plainOrder = await sale(s, 'MAYA', 'friend@example.net', 1);
    await s.as(anonymous);
    await checkout(s, { items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 2 }] });
    return { selfOrder, plainOrder };
  }

  /** Every figure that credits Maya, as the dashboard, the portal and the exports read them. */
  async function mayaFigures(s: PersonaTx, portalSecret: string) {
    await s.as(people.memberA);
    const allTime = await s.one<Record<string, number>>(
      'select tickets::int, revenue_minor::int, orders::int, visits::int, self_referral_orders::int from public.promoter_performance($1) where promoter_id = $2',
      [ids.orgA, maya],
    );
    const ranged = await s.one<Record<string, number>>(
      `select tickets::int, revenue_minor::int, orders::int, self_referral_orders::int from public.promoter_performance($1, $2::timestamptz, $3::timestamptz) where promoter_id = $4`,
      [ids.orgA, `${today()}T00:00:00Z`, `${today()}T23:59:59Z`, maya],
    );
    const summary = await s.one<Record<string, number>>('select tickets::int, revenue_minor::int, orders::int from public.promoter_summary($1)', [ids.orgA]);
    const group = await s.one<Record<string, number>>(
      'select tickets::int, revenue_minor::int, orders::int from public.promoter_group_performance($1) where group_id = $2',
      [ids.orgA, ids.groups.aSummer],
    );
    const series = await s.one<Record<string, number>>(
      'select sum(tickets)::int as tickets, sum(revenue_minor)::int as revenue_minor, sum(orders)::int as orders from public.promoter_sales_timeseries($1, $2, $3)',
      [maya, today(), today()],
    );
    const event = await s.one<Record<string, number>>(
      'select tickets::int, orders::int, attributed_tickets::int, attributed_revenue_minor::int from public.event_performance($1) where event_id = $2',
      [ids.orgA, ids.events.aLive],
    );
    await s.as(anonymous);
    const portal = await s.value<{ events: { event_id: string; tickets: number; orders: number; revenue_minor: number; series: { tickets: number }[] }[] }>(
      'select public.portal_view($1) as v',
      [portalSecret],
    );
    const live = portal.events.find((item) => item.event_id === ids.events.aLive)!;
    return {
      allTime,
      ranged,
      summary,
      group,
      series,
      event,
      portal: { tickets: live.tickets, orders: live.orders, revenue_minor: live.revenue_minor, series: live.series.reduce((n, d) => n + d.tickets, 0) },
    };
  }

  it('is applied by every read function at once, to past sales too, and back again', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      const { secret } = await s.value<{ secret: string }>('select public.rotate_promoter_portal($1) as r', [maya]);
      await scenario(s);

      const counted = await mayaFigures(s, secret);
      expect(counted).toEqual({
        allTime: { tickets: 4, revenue_minor: 10000, orders: 2, visits: 2, self_referral_orders: 1 },
        ranged: { tickets: 4, revenue_minor: 10000, orders: 2, self_referral_orders: 1 },
        summary: { tickets: 4, revenue_minor: 10000, orders: 2 },
        group: { tickets: 4, revenue_minor: 10000, orders: 2 },
        series: { tickets: 4, revenue_minor: 10000, orders: 2 },
        event: { tickets: 6, orders: 3, attributed_tickets: 4, attributed_revenue_minor: 10000 },
        portal: { tickets: 4, orders: 2, revenue_minor: 10000, series: 4 },
      });

      await countSelfReferrals(s, false);
      expect(await mayaFigures(s, secret)).toEqual({
        // Visits stay; the self-referral is still reported, just not credited.
        allTime: { tickets: 1, revenue_minor: 2500, orders: 1, visits: 2, self_referral_orders: 1 },
        ranged: { tickets: 1, revenue_minor: 2500, orders: 1, self_referral_orders: 1 },
        summary: { tickets: 1, revenue_minor: 2500, orders: 1 },
        group: { tickets: 1, revenue_minor: 2500, orders: 1 },
        series: { tickets: 1, revenue_minor: 2500, orders: 1 },
        // Every sale still counts for the event; only the credited part shrinks.
        event: { tickets: 6, orders: 3, attributed_tickets: 1, attributed_revenue_minor: 2500 },
        portal: { tickets: 1, orders: 1, revenue_minor: 2500, series: 1 },
      });

      await countSelfReferrals(s, true);
      expect(await mayaFigures(s, secret)).toEqual(counted);
    });
  });

  it('never hides an order from the orders list, which flags it and filters on it', async () => {
    await inRollback(testDb.db, async (s) => {
      const { selfOrder, plainOrder } = await scenario(s);
      await countSelfReferrals(s, false);
      await s.as(people.memberA);
      const listed = await s.rows<{ id: string; self_referral: boolean; promoter_id: string | null }>(
        'select id, self_referral, promoter_id from public.list_orders($1)',
        [ids.orgA],
      );
      expect(listed).toHaveLength(3);
      expect(listed.find((row) => row.id === selfOrder)).toEqual({ id: selfOrder, self_referral: true, promoter_id: maya });
      expect(listed.find((row) => row.id === plainOrder)).toEqual({ id: plainOrder, self_referral: false, promoter_id: maya });
      expect(listed.filter((row) => row.promoter_id === null)).toEqual([expect.objectContaining({ self_referral: false })]);
      const only = await s.rows<{ id: string }>('select id from public.list_orders($1, p_self_referral => true)', [ids.orgA]);
      expect(only.map((row) => row.id)).toEqual([selfOrder]);
      const without = await s.rows<{ id: string }>('select id from public.list_orders($1, p_self_referral => false)', [ids.orgA]);
      expect(without.map((row) => row.id).sort()).toEqual(listed.filter((row) => row.id !== selfOrder).map((row) => row.id).sort());
    });
  });

  it('follows refunds of self-referrals in the kept figures', async () => {
    await inRollback(testDb.db, async (s) => {
      const { selfOrder } = await scenario(s);
      await s.as(people.ownerA);
      await s.rows('select public.refund_order($1)', [selfOrder]);
      for (const counting of [true, false]) {
        await countSelfReferrals(s, counting);
        await s.as(people.memberA);
        expect(
          await s.one('select tickets::int, orders::int, self_referral_orders::int from public.promoter_performance($1) where promoter_id = $2', [ids.orgA, maya]),
        ).toEqual({ tickets: 1, orders: 1, self_referral_orders: 0 });
      }
    });
  });
});

describe('order_detail() with self-referrals', () => {
  it("says whether the credited order is a self-referral and whether it counts now, for every member", async () => {
    await inRollback(testDb.db, async (s) => {
      const own = await sale(s, 'MAYA', 'maya@example.com');
      const friend = await sale(s, 'MAYA', 'friend@example.com');
      const attributionOf = async (persona: Persona, orderId: string) => {
        await s.as(persona);
        const detail = await s.value<{ attribution: { self_referral: boolean; counted: boolean } }>('select public.order_detail($1) as r', [orderId]);
        return { selfReferral: detail.attribution.self_referral, counted: detail.attribution.counted };
      };
      for (const persona of [people.ownerA, people.memberA]) {
        expect(await attributionOf(persona, own), persona.label).toEqual({ selfReferral: true, counted: true });
        expect(await attributionOf(persona, friend), persona.label).toEqual({ selfReferral: false, counted: true });
      }
      await countSelfReferrals(s, false);
      expect(await attributionOf(people.memberA, own)).toEqual({ selfReferral: true, counted: false });
      expect(await attributionOf(people.memberA, friend)).toEqual({ selfReferral: false, counted: true });
      // A refunded order counts toward nothing, self-referral or not.
      await countSelfReferrals(s, true);
      await s.as(people.ownerA);
      await s.rows('select public.refund_order($1)', [own]);
      await s.rows('select public.refund_order($1)', [friend]);
      expect(await attributionOf(people.memberA, own)).toEqual({ selfReferral: true, counted: false });
      expect(await attributionOf(people.memberA, friend)).toEqual({ selfReferral: false, counted: false });
      // Another organization still gets nothing.
      await s.as(people.ownerB);
      expect((await s.refused('select public.order_detail($1)', [own])).message).toBe('order_not_found');
    });
  });
});

describe('rollups with self-referrals', () => {
  it('equal a recomputation after bulk and live self-referrals, refunds and a deletion', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      await s.rows('select setseed(0.5)');
      await s.rows(`update public.promoters set email = 'jonas@example.org' where id = $1`, [jonas]);
      await s.rows(
        `insert into public.promoter_visits (organization_id, event_id, promoter_id, session_id, token, visited_at)
         select ep.organization_id, ep.event_id, ep.promoter_id, gen_random_uuid(), md5(random()::text || g::text),
                now() - make_interval(days => (random() * 30)::int, hours => (random() * 23)::int)
         from public.event_promoters ep cross join generate_series(1, 30) g`,
      );
      // Many orders, some of them bought by their promoter, then their attributions in one
      // statement, as a bulk loader writes them.
      await s.rows(
        `create temp table picked on commit drop as
         select v.*, gen_random_uuid() as order_id, 1 + (random() * 3)::int as qty, v.visited_at + interval '10 minutes' as at,
                case when random() < 0.4 then ' ' || upper(coalesce(p.email, 'nobody@example.net')) else 'b@example.net' end as email
         from public.promoter_visits v join public.promoters p on p.id = v.promoter_id where random() < 0.4`,
      );
      await s.rows(
        `insert into public.orders (id, organization_id, event_id, reference, buyer_name, buyer_email, currency, total_minor, ticket_count, idempotency_key, created_at)
         select p.order_id, p.organization_id, p.event_id, 'PL-' || upper(substr(md5(p.order_id::text), 1, 8)), 'Buyer', p.email,
                e.currency, p.qty * 1000, p.qty, gen_random_uuid(), p.at
         from picked p join public.events e on e.id = p.event_id`,
      );
      await s.rows(
        `insert into public.attributions (organization_id, order_id, promoter_id, event_id, visit_id, created_at)
         select p.organization_id, p.order_id, p.promoter_id, p.event_id, p.id, p.at from picked p`,
      );
      expect(await s.value<number>('select count(*)::int from public.attributions where self_referral')).toBeGreaterThan(5);
      for (let i = 0; i < 4; i += 1) {
        await sale(s, i % 2 ? 'MAYA' : 'JONAS10', i < 2 ? 'maya@example.com' : 'Jonas@Example.org', 1 + i);
      }
      // Refunds of a third of the orders, then the deletion of a promoter.
      await s.asOwner();
      const toRefund = await s.rows<{ id: string }>(
        `select id from public.orders where organization_id = $1 order by id limit (select count(*) / 3 from public.orders)`,
        [ids.orgA],
      );
      await s.as(people.adminA);
      for (const { id } of toRefund) await s.rows('select public.refund_order($1)', [id]);
      const request = await s.value<{ token: string }>('select public.request_promoter_deletion($1)', [jonas]);
      await s.rows('select public.confirm_promoter_deletion($1, $2, $3)', [jonas, request.token, 'jonas10']);
      await s.asOwner();
      expect(await s.value<number>('select sum(self_orders)::int from private.promoter_totals')).toBeGreaterThan(0);
      await expectRollupsMatchRawData(s);
    });
  });
});

/**
 * On Postgres, with real parallel connections: self-referral and plain checkouts of the
 * same promoters race refunds, toggles of the setting and a deletion. Nothing may fail
 * (40P01 would be a deadlock), and the kept self-referral parts equal the raw orders.
 * Runs last: it commits.
 */
describe.skipIf(!process.env.DATABASE_URL)('self-referrals racing on Postgres', () => {
  it('checkouts, refunds, toggles and a deletion at once: no failure, parts equal the raw orders', { timeout: 240_000 }, async () => {
    const racer = new Racer(testDb.databaseUrl!, 40);
    const owner = async (sql: string, params: unknown[] = []) => (await testDb.db.query(sql, params)).rows;
    const checkoutSql = 'select public.checkout($1, $2::jsonb, $3, $4, $5::uuid, $6, null) as result';
    try {
      const ticketTypeId = await raceTicketType(testDb.db);
      const items = JSON.stringify([{ ticket_type_id: ticketTypeId, quantity: 2 }]);
      const failures: Outcome[] = [];
      for (let round = 0; round < 4; round++) {
        const codes = [`SELFA${round}X`, `SELFB${round}X`];
        const emails = codes.map((code) => `${code.toLowerCase()}@example.com`);
        const promoterIds: string[] = [];
        for (const [i, code] of codes.entries()) {
          promoterIds.push(await racingPromoter(testDb.db, code, { email: emails[i] }));
        }
        const tokens: string[] = [];
        for (let i = 0; i < 8; i++) {
          const visited = await racer.call(anonymous, 'select public.track_promoter_visit($1, $2, $3::uuid)', [slugs.aLive, codes[i % 2], randomUUID()]);
          tokens.push(visited.value as string);
        }
        // A few earlier sales to refund during the race.
        const earlier: string[] = [];
        for (let i = 0; i < 4; i++) {
          const bought = await racer.call(anonymous, checkoutSql, [slugs.aLive, items, 'Buyer', i % 2 ? emails[1].toUpperCase() : 'x@example.net', randomUUID(), tokens[1 + 2 * i]]);
          earlier.push((bought.value as { order_id: string }).order_id);
        }
        const request = await racer.call(people.adminA, 'select public.request_promoter_deletion($1)', [promoterIds[0]]);
        const { token: deletionToken } = request.value as { token: string };
        const outcomes = await Promise.all([
          ...Array.from({ length: 24 }, (_, i) =>
            racer.call(anonymous, checkoutSql, [slugs.aLive, items, 'Racing Buyer', i % 3 === 0 ? 'race@example.net' : ` ${emails[i % 2]} `, randomUUID(), tokens[i % tokens.length]]),
          ),
          ...earlier.map((orderId) => racer.call(people.adminA, 'select public.refund_order($1)', [orderId])),
          racer.call(people.ownerA, 'select public.set_self_referral_setting($1, false)', [ids.orgA]),
          racer.call(people.adminA, 'select public.set_self_referral_setting($1, true)', [ids.orgA]),
          racer.call(people.adminA, 'select public.confirm_promoter_deletion($1, $2, $3)', [promoterIds[0], deletionToken, codes[0]]),
        ]);
        failures.push(...outcomes.filter((outcome) => !outcome.ok));
      }
      expect(failures, 'failed calls (40P01 is a deadlock)').toEqual([]);
      expect(await owner('select count(*)::int as n from public.attributions where self_referral')).not.toEqual([{ n: 0 }]);
      const drift = await owner(
        `select t.promoter_id from private.promoter_totals t
         left join (
           select a.promoter_id, count(*) as orders, sum(o.ticket_count) as tickets, sum(o.total_minor) as revenue_minor
           from public.attributions a join public.orders o on o.id = a.order_id and o.status = 'paid'
           where a.self_referral group by 1
         ) x on x.promoter_id = t.promoter_id
         where (t.self_orders, t.self_tickets, t.self_revenue_minor) <> (coalesce(x.orders, 0), coalesce(x.tickets, 0), coalesce(x.revenue_minor, 0))
         union all
         select s.event_id from (
           select event_id, sum(self_attributed_tickets) as tickets, sum(self_attributed_revenue_minor) as revenue_minor
           from private.event_stats group by 1
         ) s
         left join (
           select o.event_id, sum(o.ticket_count) as tickets, sum(o.total_minor) as revenue_minor
           from public.attributions a join public.orders o on o.id = a.order_id and o.status = 'paid'
           where a.self_referral group by 1
         ) x on x.event_id = s.event_id
         where (s.tickets, s.revenue_minor) <> (coalesce(x.tickets, 0), coalesce(x.revenue_minor, 0))`,
      );
      expect(drift).toEqual([]);
    } finally {
      await racer.end();
    }
  });
});
