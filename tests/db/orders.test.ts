/**
 * Orders for organizers: list_orders() (keyset pages, search, filters), order_detail()
 * with the attribution trail, refunds by role, refund broadcasts, and former promo
 * codes that keep crediting their promoter.
 *
 * Races (refund against refund and against checkout of the same order) run on real
 * parallel connections with DATABASE_URL; PGlite has a single connection.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymous, committedAs, inRollback, type Persona, type PersonaTx } from './support/personas.ts';
import { Racer } from './support/race.ts';
import { checkout, checkoutParams, checkoutSql, databaseWithWorld, ids, people, slugs, track } from './support/world.ts';

const testDb = databaseWithWorld();

const { ownerA, adminA, memberA, ownerB, loner } = people;
const membersA: Persona[] = [ownerA, adminA, memberA];
const outsiders: Persona[] = [ownerB, loner];

interface ListedOrder {
  id: string;
  reference: string;
  created_at: string;
  status: string;
  buyer_name: string;
  buyer_email: string;
  event_id: string;
  event_name: string;
  promoter_id: string | null;
  promoter_name: string | null;
  promo_code: string | null;
}

interface ListArgs {
  search?: string | null;
  eventId?: string | null;
  promoterId?: string | null;
  unattributed?: boolean;
  status?: 'paid' | 'refunded' | null;
  from?: string | null;
  to?: string | null;
  after?: string | null;
  limit?: number;
}

const listSql = `select * from public.list_orders($1, $2, $3, $4, $5, $6::public.order_status, $7::date, $8::date, $9::uuid, $10)`;

function listParams(args: ListArgs = {}, organizationId = ids.orgA): unknown[] {
  return [
    organizationId,
    args.search ?? null,
    args.eventId ?? null,
    args.promoterId ?? null,
    args.unattributed ?? false,
    args.status ?? null,
    args.from ?? null,
    args.to ?? null,
    args.after ?? null,
    args.limit ?? 50,
  ];
}

const list = (s: PersonaTx, args: ListArgs = {}) => s.rows<ListedOrder>(listSql, listParams(args));

interface Detail {
  id: string;
  status: string;
  buyer_name: string;
  event: { id: string; name: string };
  items: { name: string; quantity: number; unit_price_minor: number }[];
  attribution: { promoter_id: string; promoter_name: string; promo_code: string; visit_id: string; visited_at: string } | null;
  unattributed_reason: string | null;
  session_visits: { visit_id: string; promoter_name: string; event_name: string; credited: boolean; sent_with_order: boolean }[];
  can_refund: boolean;
}

const detail = (s: PersonaTx, orderId: string) => s.value<Detail>('select public.order_detail($1) as detail', [orderId]);

/** Four orders with distinct times: two via Maya (one refunded), one via Jonas, one unattributed on another event. */
async function placeOrders(s: PersonaTx) {
  await s.as(anonymous);
  const maya = await track(s, slugs.aLive, 'MAYA', randomUUID());
  const jonas = await track(s, slugs.aLive, 'Jonas10', randomUUID());
  const first = await checkout(s, { token: maya, name: 'Ada Lovelace', email: 'ada@example.net' });
  const second = await checkout(s, { token: jonas, name: 'Grace Hopper', email: 'grace@example.org' });
  const third = await checkout(s, {
    slug: slugs.aOther,
    items: [{ ticket_type_id: ids.ticketTypes.aOtherEntry, quantity: 1 }],
    name: 'Alan Turing',
    email: 'alan@example.com',
  });
  const fourth = await checkout(s, { token: maya, name: 'Ada Byron', email: 'byron@example.net' });
  await s.asOwner();
  // Distinct, known times: one a day, the first on 2026-03-01.
  const orders = [first, second, third, fourth];
  for (const [index, order] of orders.entries()) {
    await s.rows(`update public.orders set created_at = timestamptz '2026-03-01 12:00:00+00' + $2 * interval '1 day' where id = $1`, [
      order.order_id,
      index,
    ]);
  }
  await s.as(ownerA);
  await s.rows('select public.refund_order($1)', [fourth.order_id]);
  return { first, second, third, fourth };
}

describe('list_orders', () => {
  it('members of the organization list its orders newest first; outsiders are refused; anonymous has no access', async () => {
    await inRollback(testDb.db, async (s) => {
      const { first, second, third, fourth } = await placeOrders(s);
      for (const persona of membersA) {
        await s.as(persona);
        const rows = await list(s);
        expect(rows.map((row) => row.id), persona.label).toEqual([fourth.order_id, third.order_id, second.order_id, first.order_id]);
        expect(rows[0]).toMatchObject({ status: 'refunded', promoter_name: 'Maya Okafor', promo_code: 'MAYA', event_name: 'A Live Show' });
        expect(rows[1]).toMatchObject({ promoter_id: null, event_name: 'A Other Show' });
      }
      for (const persona of outsiders) {
        await s.as(persona);
        expect((await s.refused(listSql, listParams())).message, persona.label).toBe('not_authorized');
      }
      await s.as(anonymous);
      expect((await s.refused(listSql, listParams())).code).toBe('42501');
    });
  });

  it('pages by keyset without gaps or repeats, also between orders of the same instant', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      for (let n = 0; n < 7; n += 1) await checkout(s, { name: `Buyer ${n}` });
      await s.asOwner();
      // Three orders share one instant: the id breaks the tie.
      await s.rows(`update public.orders set created_at = timestamptz '2026-04-01 10:00:00+00' where buyer_name in ('Buyer 1', 'Buyer 2', 'Buyer 3')`);
      await s.as(memberA);
      const all = await list(s, { limit: 100 });
      const seen: string[] = [];
      let after: ListArgs['after'] = null;
      for (;;) {
        const page = await list(s, { limit: 3, after });
        if (page.length === 0) break;
        seen.push(...page.map((row) => row.id));
        const last = page[page.length - 1];
        after = last.id;
      }
      expect(seen).toEqual(all.map((row) => row.id));
      expect(new Set(seen).size).toBe(7);
      expect((await s.refused(listSql, listParams({ after: randomUUID() }))).message).toBe('invalid_cursor');
    });
  });

  it('searches by reference, buyer name or email and filters by event, promoter, no promoter, status and UTC days', async () => {
    await inRollback(testDb.db, async (s) => {
      const { first, second, third, fourth } = await placeOrders(s);
      await s.as(memberA);
      const idsOf = (rows: ListedOrder[]) => rows.map((row) => row.id);
      expect(idsOf(await list(s, { search: first.reference.toLowerCase() }))).toEqual([first.order_id]);
      expect(idsOf(await list(s, { search: 'ada' }))).toEqual([fourth.order_id, first.order_id]);
      expect(idsOf(await list(s, { search: 'EXAMPLE.ORG' }))).toEqual([second.order_id]);
      // Wildcards are searched for literally.
      expect(await list(s, { search: '%' })).toEqual([]);
      expect(idsOf(await list(s, { eventId: ids.events.aOther }))).toEqual([third.order_id]);
      expect(idsOf(await list(s, { promoterId: ids.promoters.maya }))).toEqual([fourth.order_id, first.order_id]);
      expect(idsOf(await list(s, { unattributed: true }))).toEqual([third.order_id]);
      expect(idsOf(await list(s, { status: 'refunded' }))).toEqual([fourth.order_id]);
      expect(idsOf(await list(s, { status: 'paid', promoterId: ids.promoters.maya }))).toEqual([first.order_id]);
      expect(idsOf(await list(s, { from: '2026-03-02', to: '2026-03-03' }))).toEqual([third.order_id, second.order_id]);
      expect(idsOf(await list(s, { from: '2026-03-04' }))).toEqual([fourth.order_id]);
      expect(idsOf(await list(s, { to: '2026-03-01' }))).toEqual([first.order_id]);
    });
  });

  it('refuses a reversed date range with invalid_date_range', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const error = await s.refused(listSql, listParams({ from: '2026-03-05', to: '2026-03-01' }));
      expect(error).toMatchObject({ code: 'P0001', message: 'invalid_date_range', hint: 'The start date must be on or before the end date.' });
    });
  });
});

describe('order_detail: the attribution trail', () => {
  it('names the promoter, the link and the visit; lists every link the session opened and marks the last one as credited', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const session = randomUUID();
      await track(s, slugs.aOther, 'MAYA', session);
      await track(s, slugs.aLive, 'MAYA', session);
      const jonas = await track(s, slugs.aLive, 'Jonas10', session);
      // One transaction has one now(): space the visits out as separate page loads would.
      await s.asOwner();
      await s.rows(
        `update public.promoter_visits set visited_at = now() - interval '1 hour' * (case promoter_id when $2 then 1 else 2 end)
                                                          - interval '1 hour' * (case event_id when $3 then 1 else 0 end)
         where session_id = $1`,
        [session, ids.promoters.jonas, ids.events.aOther],
      );
      await s.as(anonymous);
      const order = await checkout(s, { token: jonas });
      for (const persona of membersA) {
        await s.as(persona);
        const found = await detail(s, order.order_id);
        expect(found).toMatchObject({
          id: order.order_id,
          status: 'paid',
          event: { id: ids.events.aLive, name: 'A Live Show' },
          items: [{ name: 'General', quantity: 2, unit_price_minor: 2500 }],
          attribution: { promoter_id: ids.promoters.jonas, promoter_name: 'Jonas Weber', promo_code: 'Jonas10' },
          unattributed_reason: null,
          can_refund: persona !== memberA,
        });
        expect(found.session_visits.map((v) => [v.event_name, v.promoter_name, v.credited])).toEqual([
          ['A Other Show', 'Maya Okafor', false],
          ['A Live Show', 'Maya Okafor', false],
          ['A Live Show', 'Jonas Weber', true],
        ]);
      }
      for (const persona of outsiders) {
        await s.as(persona);
        expect((await s.refused('select public.order_detail($1)', [order.order_id])).message).toBe('order_not_found');
      }
      await s.as(anonymous);
      expect((await s.refused('select public.order_detail($1)', [order.order_id])).code).toBe('42501');
    });
  });

  it('says why an order is credited to nobody: no link, a link of another event, an inactive link, a deleted promoter', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const none = await checkout(s);
      const otherEvent = await checkout(s, { token: await track(s, slugs.aOther, 'MAYA', randomUUID()) });
      const inactiveToken = await track(s, slugs.aLive, 'Jonas10', randomUUID());
      await s.as(memberA);
      await s.rows('update public.event_promoters set active = false where event_id = $1 and promoter_id = $2', [ids.events.aLive, ids.promoters.jonas]);
      await s.as(anonymous);
      const inactive = await checkout(s, { token: inactiveToken });
      const credited = await checkout(s, { token: await track(s, slugs.aLive, 'MAYA', randomUUID()) });
      await s.as(ownerA);
      const request = await s.value<{ token: string }>('select public.request_promoter_deletion($1)', [ids.promoters.maya]);
      await s.rows('select public.confirm_promoter_deletion($1, $2, $3)', [ids.promoters.maya, request.token, 'MAYA']);

      await s.as(memberA);
      expect((await detail(s, none.order_id)).unattributed_reason).toBe('no_link');
      const other = await detail(s, otherEvent.order_id);
      expect(other.unattributed_reason).toBe('other_event');
      expect(other.session_visits.map((v) => [v.event_name, v.sent_with_order, v.credited])).toEqual([]);
      expect((await detail(s, inactive.order_id)).unattributed_reason).toBe('promoter_inactive');
      expect((await detail(s, inactive.order_id)).session_visits.map((v) => [v.promoter_name, v.sent_with_order])).toEqual([
        ['Jonas Weber', true],
      ]);
      const deleted = await detail(s, credited.order_id);
      expect(deleted).toMatchObject({ attribution: null, unattributed_reason: 'promoter_deleted' });
    });
  });
});

describe('refund_order from the dashboard', () => {
  it('owners and admins refund; members, outsiders and anonymous are refused and nothing changes', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const orders = [await checkout(s), await checkout(s)];
      const refund = 'select public.refund_order($1)';
      await s.as(memberA);
      expect((await s.refused(refund, [orders[0].order_id])).message).toBe('not_authorized');
      for (const persona of outsiders) {
        await s.as(persona);
        expect((await s.refused(refund, [orders[0].order_id])).message).toBe('order_not_found');
      }
      await s.as(anonymous);
      expect((await s.refused(refund, [orders[0].order_id])).code).toBe('42501');
      await s.asOwner();
      expect(await s.value('select status from public.orders where id = $1', [orders[0].order_id])).toBe('paid');

      await s.as(ownerA);
      await s.rows(refund, [orders[0].order_id]);
      await s.as(adminA);
      await s.rows(refund, [orders[1].order_id]);
      expect((await s.refused(refund, [orders[1].order_id])).message).toBe('order_already_refunded');
      expect((await detail(s, orders[1].order_id)).can_refund).toBe(false);
      await s.asOwner();
      expect(await s.value('select sold from public.ticket_types where id = $1', [ids.ticketTypes.aGeneral])).toBe(0);
    });
  });

  it('broadcasts the refund of an order credited to nobody, so event figures follow', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const order = await checkout(s);
      await s.as(adminA);
      await s.rows('select public.refund_order($1)', [order.order_id]);
      await s.asOwner();
      const sent = await s.rows<{ payload: Record<string, unknown> }>(`select payload from realtime.messages where payload ->> 'kind' = 'refund'`);
      expect(sent.map((m) => m.payload)).toEqual([
        expect.objectContaining({ kind: 'refund', promoter_id: null, event_id: ids.events.aLive, order_id: order.order_id, tickets: 2 }),
      ]);
    });
  });

  it.runIf(process.env.DATABASE_URL)('refunds racing each other and new checkouts refund the order exactly once (parallel connections)', async () => {
    const racer = new Racer(testDb.databaseUrl!, 12);
    try {
      for (let round = 0; round < 5; round += 1) {
        const order = await committedAs(testDb.db, anonymous, (s) => checkout(s));
        const soldBefore = Number(
          (await testDb.db.query<{ sold: number }>('select sold from public.ticket_types where id = $1', [ids.ticketTypes.aGeneral])).rows[0].sold,
        );
        const outcomes = await Promise.all([
          ...Array.from({ length: 4 }, (_, n) => racer.call(n % 2 ? ownerA : adminA, 'select public.refund_order($1)', [order.order_id])),
          ...Array.from({ length: 4 }, () => racer.call(anonymous, checkoutSql, checkoutParams({ items: [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 1 }] }))),
        ]);
        const refunds = outcomes.slice(0, 4);
        expect(refunds.filter((o) => o.ok)).toHaveLength(1);
        expect(refunds.filter((o) => !o.ok).map((o) => o.message)).toEqual(['order_already_refunded', 'order_already_refunded', 'order_already_refunded']);
        expect(outcomes.slice(4).every((o) => o.ok)).toBe(true);
        const sold = Number(
          (await testDb.db.query<{ sold: number }>('select sold from public.ticket_types where id = $1', [ids.ticketTypes.aGeneral])).rows[0].sold,
        );
        expect(sold).toBe(soldBefore - 2 + 4);
        const stats = await testDb.db.query<{ tickets: string }>('select sum(tickets)::text as tickets from private.event_stats where event_id = $1', [
          ids.events.aLive,
        ]);
        const paid = await testDb.db.query<{ tickets: string }>(
          `select coalesce(sum(ticket_count), 0)::text as tickets from public.orders where event_id = $1 and status = 'paid'`,
          [ids.events.aLive],
        );
        expect(stats.rows[0].tickets).toBe(paid.rows[0].tickets);
      }
    } finally {
      await racer.end();
    }
  });
});

describe('former promo codes', () => {
  it('a changed code keeps crediting its promoter, is never handed to another promoter, and can be taken back', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      await s.rows(`update public.promoters set promo_code = 'MAYA-2027' where id = $1`, [ids.promoters.maya]);
      await s.as(anonymous);
      const session = randomUUID();
      const token = await track(s, slugs.aLive, 'maya', session);
      expect(token).not.toBeNull();
      expect(await track(s, slugs.aLive, 'MAYA-2027', session)).toBe(token);
      const order = await checkout(s, { token });
      await s.asOwner();
      expect(await s.value('select promoter_id from public.attributions where order_id = $1', [order.order_id])).toBe(ids.promoters.maya);

      await s.as(memberA);
      const taken = await s.refused(`update public.promoters set promo_code = 'Maya' where id = $1`, [ids.promoters.jonas]);
      expect(taken).toMatchObject({ code: '23505', message: 'promo_code_taken' });
      const added = await s.refused(`insert into public.promoters (organization_id, name, promo_code) values ($1, 'Copycat', 'MAYA')`, [ids.orgA]);
      expect(added.message).toBe('promo_code_taken');
      expect(await s.value('select public.is_promo_code_available($1, $2)', [ids.orgA, 'maya'])).toBe(false);
      // Another organization is not affected.
      await s.as(ownerB);
      await s.rows(`insert into public.promoters (organization_id, name, promo_code) values ($1, 'Other Maya', 'MAYA')`, [ids.orgB]);

      await s.as(memberA);
      await s.rows(`update public.promoters set promo_code = 'MAYA' where id = $1`, [ids.promoters.maya]);
      const history = await s.rows<{ promo_code: string; promoter_id: string }>(
        'select promo_code, promoter_id from public.promoter_code_history order by promo_code',
      );
      expect(history).toEqual([{ promo_code: 'MAYA-2027', promoter_id: ids.promoters.maya }]);
    });
  });

  it('is_promo_code_available: a promoter may go back to its own former code, never to another promoter’s current or former code', async () => {
    const available = (s: PersonaTx, code: string, promoterId: string | null, organizationId = ids.orgA) =>
      s.value<boolean>('select public.is_promo_code_available($1, $2, $3)', [organizationId, code, promoterId]);
    const savePromoter = (s: PersonaTx, promoterId: string, name: string, code: string) =>
      s.value<string>('select public.save_promoter($1, $2, $3, $4, null, null, null, null, null)', [ids.orgA, promoterId, name, code]);
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      await savePromoter(s, ids.promoters.maya, 'Maya Okafor', 'MAYA-2027');
      for (const persona of membersA) {
        await s.as(persona);
        // Maya's former code is hers to take back (any case), and her current code is hers.
        expect(await available(s, 'maya', ids.promoters.maya), persona.label).toBe(true);
        expect(await available(s, 'MAYA-2027', ids.promoters.maya), persona.label).toBe(true);
        // Nobody else may have either: not a new promoter, not Jonas.
        expect(await available(s, 'MAYA', null), persona.label).toBe(false);
        expect(await available(s, 'maya', ids.promoters.jonas), persona.label).toBe(false);
        expect(await available(s, 'maya-2027', ids.promoters.jonas), persona.label).toBe(false);
        // A promoter of another organization changes nothing.
        expect(await available(s, 'maya', ids.promoters.bert), persona.label).toBe(false);
        expect(await available(s, 'FRESH-CODE', ids.promoters.jonas), persona.label).toBe(true);
        // The two-argument call still resolves, for a new promoter.
        expect(await s.value('select public.is_promo_code_available($1, $2)', [ids.orgA, 'maya']), persona.label).toBe(false);
      }
      for (const persona of outsiders) {
        await s.as(persona);
        expect((await s.refused('select public.is_promo_code_available($1, $2, $3)', [ids.orgA, 'maya', ids.promoters.maya])).message).toBe('not_authorized');
      }
      await s.as(anonymous);
      expect((await s.refused('select public.is_promo_code_available($1, $2, $3)', [ids.orgA, 'maya', ids.promoters.maya])).code).toBe('42501');

      // What the check promises, the save keeps: Jonas is refused both of Maya's codes, Maya goes back.
      await s.as(memberA);
      expect((await s.refused(`select public.save_promoter($1, $2, 'Jonas Weber', 'maya', null, null, null, null, null)`, [ids.orgA, ids.promoters.jonas])).message).toBe(
        'promo_code_taken',
      );
      expect(
        (await s.refused(`select public.save_promoter($1, $2, 'Jonas Weber', 'MAYA-2027', null, null, null, null, null)`, [ids.orgA, ids.promoters.jonas])).message,
      ).toBe('promo_code_taken');
      expect(await savePromoter(s, ids.promoters.maya, 'Maya Okafor', 'Maya')).toBe(ids.promoters.maya);
      await s.asOwner();
      expect(await s.value('select promo_code from public.promoters where id = $1', [ids.promoters.maya])).toBe('Maya');
      expect(await s.rows('select promo_code, promoter_id from public.promoter_code_history where organization_id = $1', [ids.orgA])).toEqual([
        { promo_code: 'MAYA-2027', promoter_id: ids.promoters.maya },
      ]);
      // Now MAYA-2027 is her former code: still hers, still nobody else's.
      await s.as(adminA);
      expect(await available(s, 'MAYA-2027', ids.promoters.maya)).toBe(true);
      expect(await available(s, 'MAYA-2027', ids.promoters.ina)).toBe(false);
    });
  });

  it('members read former codes; outsiders see none; nobody writes them through the API', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      await s.rows(`update public.promoters set promo_code = 'MAYA-OLD' where id = $1`, [ids.promoters.maya]);
      await s.rows(`update public.promoters set promo_code = 'MAYA' where id = $1`, [ids.promoters.maya]);
      for (const persona of membersA) {
        await s.as(persona);
        expect((await s.rows('select promo_code from public.promoter_code_history')).length, persona.label).toBe(1);
        expect((await s.refused('delete from public.promoter_code_history')).code).toBe('42501');
        expect((await s.refused(`update public.promoter_code_history set promo_code = 'X1X'`)).code).toBe('42501');
        expect(
          (await s.refused(`insert into public.promoter_code_history (organization_id, promoter_id, promo_code) values ($1, $2, 'STEAL')`, [
            ids.orgA,
            ids.promoters.jonas,
          ])).code,
        ).toBe('42501');
      }
      for (const persona of outsiders) {
        await s.as(persona);
        expect(await s.rows('select promo_code from public.promoter_code_history'), persona.label).toEqual([]);
      }
      await s.as(anonymous);
      expect((await s.refused('select promo_code from public.promoter_code_history')).code).toBe('42501');
    });
  });
});
