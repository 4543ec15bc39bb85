/**
 * save_event() and save_promoter(): one call, one transaction. A refusal leaves nothing
 * changed, a retry with the value fixed succeeds, and the refusal names the field.
 *
 * The race (saves of one event while tickets sell) runs on real parallel connections
 * with DATABASE_URL; PGlite has a single connection.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymous, inRollback, serviceRole, type PersonaTx } from './support/personas.ts';
import { Racer } from './support/race.ts';
import { checkout, checkoutParams, checkoutSql, databaseWithWorld, ids, people, slugs } from './support/world.ts';

const testDb = databaseWithWorld();

const { ownerA, memberA, ownerB, loner } = people;

interface TicketInput {
  id?: string;
  name: string;
  price_minor: unknown;
  capacity: unknown;
}

interface EventInput {
  organizationId?: string;
  eventId?: string | null;
  name?: string;
  slug?: string;
  description?: string;
  venue?: string;
  startsAt?: string;
  ticketTypes?: TicketInput[] | unknown;
}

const saveEventSql = 'select public.save_event($1, $2, $3, $4, $5, $6, $7, $8::jsonb) as id';
function saveEventParams(input: EventInput = {}): unknown[] {
  return [
    input.organizationId ?? ids.orgA,
    input.eventId ?? null,
    input.name ?? 'Harbour Nights',
    input.slug ?? 'harbour-nights',
    input.description ?? 'Music by the water.',
    input.venue ?? 'Pier 4',
    input.startsAt ?? new Date(Date.now() + 7 * 86_400_000).toISOString(),
    JSON.stringify(input.ticketTypes ?? [{ name: 'General', price_minor: 2500, capacity: 200 }]),
  ];
}

interface PromoterInput {
  organizationId?: string;
  promoterId?: string | null;
  name?: string;
  code?: string;
  email?: string | null;
  phone?: string | null;
  notes?: string | null;
  eventIds?: string[] | null;
  groupIds?: string[] | null;
}

const savePromoterSql = 'select public.save_promoter($1, $2, $3, $4, $5, $6, $7, $8::uuid[], $9::uuid[]) as id';
function savePromoterParams(input: PromoterInput = {}): unknown[] {
  return [
    input.organizationId ?? ids.orgA,
    input.promoterId ?? null,
    input.name ?? 'Rosa Diaz',
    input.code ?? 'ROSA',
    input.email === undefined ? 'rosa@example.com' : input.email,
    input.phone ?? null,
    input.notes ?? null,
    input.eventIds === undefined ? [] : input.eventIds,
    input.groupIds === undefined ? [] : input.groupIds,
  ];
}

const count = (s: PersonaTx, sql: string, params: unknown[] = []) => s.value<number>(`select count(*)::int from (${sql}) q`, params);
const detail = (error: { detail?: string }) => JSON.parse(error.detail ?? '{}') as Record<string, unknown>;

describe('save_event', () => {
  it('creates a draft with its ticket types in one call', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const ticketTypes = [
        { name: 'Early bird', price_minor: 1500, capacity: 50 },
        { name: 'General', price_minor: 2500, capacity: 150 },
      ];
      const id = await s.value<string>(saveEventSql, saveEventParams({ ticketTypes }));
      const event = await s.one('select status, currency, name, venue from public.events where id = $1', [id]);
      expect(event).toEqual({ status: 'draft', currency: 'USD', name: 'Harbour Nights', venue: 'Pier 4' });
      const rows = await s.rows('select name, price_minor::int as price_minor, capacity, sort_order from public.ticket_types where event_id = $1 order by sort_order', [id]);
      expect(rows).toEqual([
        { name: 'Early bird', price_minor: 1500, capacity: 50, sort_order: 1 },
        { name: 'General', price_minor: 2500, capacity: 150, sort_order: 2 },
      ]);
    });
  });

  it('capacity 99999999999999: refused as invalid_capacity naming the ticket type, no draft left, and the retry succeeds', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      const tooBig = [
        { name: 'General', price_minor: 2500, capacity: 100 },
        { name: 'Balcony', price_minor: 2500, capacity: 99999999999999 },
      ];
      const error = await s.refused(saveEventSql, saveEventParams({ ticketTypes: tooBig }));
      expect(error).toMatchObject({ code: 'P0001', message: 'invalid_capacity', hint: 'A capacity is a whole number from 0 to 1,000,000.' });
      expect(detail(error)).toEqual({ field: 'ticket_types.capacity', index: 2, name: 'Balcony' });
      expect(await count(s, "select 1 from public.events where slug = 'harbour-nights'")).toBe(0);

      const fixed = [tooBig[0], { ...tooBig[1], capacity: 400 }];
      const id = await s.value<string>(saveEventSql, saveEventParams({ ticketTypes: fixed }));
      expect(await count(s, 'select 1 from public.ticket_types where event_id = $1', [id])).toBe(2);
    });
  });

  it('a ticket type id of another event is refused and no draft is created', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      const error = await s.refused(
        saveEventSql,
        saveEventParams({ ticketTypes: [{ id: ids.ticketTypes.aGeneral, name: 'General', price_minor: 1, capacity: 1 }] }),
      );
      expect(error.message).toBe('ticket_type_not_found');
      expect(await count(s, "select 1 from public.events where slug = 'harbour-nights'")).toBe(0);
    });
  });

  it('every field is checked and named: name, slug, venue, description, start, ticket name, price', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const cases: [EventInput, string, string][] = [
        [{ name: '   ' }, 'invalid_event_name', 'name'],
        [{ name: 'x'.repeat(201) }, 'invalid_event_name', 'name'],
        [{ slug: 'Not A Slug' }, 'invalid_slug', 'slug'],
        [{ venue: 'v'.repeat(201) }, 'invalid_venue', 'venue'],
        [{ description: 'd'.repeat(10_001) }, 'invalid_description', 'description'],
        [{ ticketTypes: 'not a list' }, 'invalid_ticket_types', 'ticket_types'],
        [{ ticketTypes: [{ name: '', price_minor: 1, capacity: 1 }] }, 'invalid_ticket_name', 'ticket_types.name'],
        [{ ticketTypes: [{ name: 'A', price_minor: '12', capacity: 1 }] }, 'invalid_price', 'ticket_types.price_minor'],
        [{ ticketTypes: [{ name: 'A', price_minor: 12.5, capacity: 1 }] }, 'invalid_price', 'ticket_types.price_minor'],
        [{ ticketTypes: [{ name: 'A', price_minor: 1, capacity: -1 }] }, 'invalid_capacity', 'ticket_types.capacity'],
      ];
      for (const [input, code, field] of cases) {
        const error = await s.refused(saveEventSql, saveEventParams(input));
        expect({ message: error.message, field: detail(error).field }, JSON.stringify(input).slice(0, 80)).toEqual({ message: code, field });
      }
      const startless = await s.refused(saveEventSql, [ids.orgA, null, 'N', 'no-start', '', '', null, '[]']);
      expect(startless.message).toBe('invalid_starts_at');
    });
  });

  it('capacity below the tickets sold: refused naming the ticket type, and the new name and venue are not saved', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      await checkout(s, { items: [{ ticket_type_id: ids.ticketTypes.aVip, quantity: 2 }] });
      await s.as(ownerA);
      const edit = saveEventParams({
        eventId: ids.events.aLive,
        name: 'Renamed Show',
        slug: slugs.aLive,
        venue: 'Somewhere else',
        ticketTypes: [
          { id: ids.ticketTypes.aGeneral, name: 'General', price_minor: 2500, capacity: 100 },
          { id: ids.ticketTypes.aVip, name: 'VIP', price_minor: 9000, capacity: 1 },
        ],
      });
      const error = await s.refused(saveEventSql, edit);
      expect(error).toMatchObject({ message: 'capacity_below_sold', hint: 'The capacity of VIP cannot be lower than the 2 tickets already sold.' });
      expect(detail(error)).toEqual({ field: 'ticket_types.capacity', index: 2, name: 'VIP', sold: 2 });
      expect(await s.one('select name, venue from public.events where id = $1', [ids.events.aLive])).toEqual({ name: 'A Live Show', venue: '' });
      expect(await s.value('select capacity from public.ticket_types where id = $1', [ids.ticketTypes.aVip])).toBe(2);

      edit[7] = JSON.stringify([
        { id: ids.ticketTypes.aGeneral, name: 'General', price_minor: 2500, capacity: 100 },
        { id: ids.ticketTypes.aVip, name: 'VIP', price_minor: 9000, capacity: 5 },
      ]);
      await s.value(saveEventSql, edit);
      expect(await s.one('select name, venue from public.events where id = $1', [ids.events.aLive])).toEqual({ name: 'Renamed Show', venue: 'Somewhere else' });
    });
  });

  it('removing a ticket type that has orders is refused by name; one without orders goes, and new ones are added in order', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      await checkout(s, { items: [{ ticket_type_id: ids.ticketTypes.aVip, quantity: 1 }] });
      await s.as(memberA);
      const withoutVip = saveEventParams({
        eventId: ids.events.aLive,
        name: 'A Live Show',
        slug: slugs.aLive,
        ticketTypes: [{ id: ids.ticketTypes.aGeneral, name: 'General', price_minor: 2500, capacity: 100 }],
      });
      const error = await s.refused(saveEventSql, withoutVip);
      expect(error.message).toBe('ticket_type_has_sales');
      expect(detail(error)).toMatchObject({ field: 'ticket_types', name: 'VIP' });

      const withoutGeneral = saveEventParams({
        eventId: ids.events.aLive,
        name: 'A Live Show',
        slug: slugs.aLive,
        ticketTypes: [
          { name: 'Standing', price_minor: 1000, capacity: 10 },
          { id: ids.ticketTypes.aVip, name: 'VIP', price_minor: 9000, capacity: 2 },
        ],
      });
      await s.value(saveEventSql, withoutGeneral);
      const rows = await s.rows<{ name: string; sort_order: number }>(
        'select name, sort_order from public.ticket_types where event_id = $1 order by sort_order',
        [ids.events.aLive],
      );
      expect(rows).toEqual([{ name: 'Standing', sort_order: 1 }, { name: 'VIP', sort_order: 2 }]);
    });
  });

  it('slug_taken on create leaves no draft; the retry with another slug succeeds', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const error = await s.refused(saveEventSql, saveEventParams({ slug: slugs.bLive }));
      expect(error).toMatchObject({ code: '23505', message: 'slug_taken' });
      expect(await count(s, "select 1 from public.events where name = 'Harbour Nights'")).toBe(0);
      await s.value(saveEventSql, saveEventParams({ slug: 'harbour-nights-2' }));
    });
  });

  it('refused for anonymous, the service role and signed-in users outside the organization; an event of another organization is not found', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [anonymous, serviceRole]) {
        await s.as(persona);
        expect((await s.refused(saveEventSql, saveEventParams())).code).toBe('42501');
      }
      for (const persona of [ownerB, loner]) {
        await s.as(persona);
        expect(await s.refused(saveEventSql, saveEventParams())).toMatchObject({ code: '42501', message: 'not_authorized' });
      }
      await s.as(ownerA);
      const foreign = await s.refused(saveEventSql, saveEventParams({ eventId: ids.events.bLive, slug: slugs.bLive }));
      expect(foreign.message).toBe('event_not_found');
      await s.asOwner();
      expect(await s.value('select name from public.events where id = $1', [ids.events.bLive])).toBe('B Live Show');
    });
  });
});

describe('save_promoter', () => {
  it('creates a promoter with its links and groups in one call', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const id = await s.value<string>(
        savePromoterSql,
        savePromoterParams({ eventIds: [ids.events.aLive, ids.events.aOther], groupIds: [ids.groups.aSummer], phone: '  ', notes: '' }),
      );
      expect(await s.one('select name, promo_code, email, phone, notes from public.promoters where id = $1', [id])).toEqual({
        name: 'Rosa Diaz',
        promo_code: 'ROSA',
        email: 'rosa@example.com',
        phone: null,
        notes: null,
      });
      expect(await count(s, 'select 1 from public.event_promoters where promoter_id = $1 and active', [id])).toBe(2);
      expect(await count(s, 'select 1 from public.promoter_group_members where promoter_id = $1', [id])).toBe(1);
    });
  });

  it('a refused link or group leaves no promoter behind; the retry succeeds', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const foreignEvent = await s.refused(savePromoterSql, savePromoterParams({ eventIds: [ids.events.bLive] }));
      expect(foreignEvent.message).toBe('event_not_found');
      expect(detail(foreignEvent).field).toBe('event_ids');
      const foreignGroup = await s.refused(savePromoterSql, savePromoterParams({ groupIds: [ids.groups.bCrew] }));
      expect(foreignGroup.message).toBe('group_not_found');
      expect(await count(s, "select 1 from public.promoters where promo_code = 'ROSA'")).toBe(0);
      await s.value(savePromoterSql, savePromoterParams({ eventIds: [ids.events.aLive] }));
      expect(await count(s, "select 1 from public.promoters where promo_code = 'ROSA'")).toBe(1);
    });
  });

  it('every field is checked and named: name, promo code, email, phone, 200,000-character notes, taken code', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const cases: [PromoterInput, string, string][] = [
        [{ name: ' ' }, 'invalid_name', 'name'],
        [{ code: 'x' }, 'invalid_promo_code', 'promo_code'],
        [{ email: 'not-an-email' }, 'invalid_email', 'email'],
        [{ phone: '1'.repeat(41) }, 'invalid_phone', 'phone'],
        [{ notes: 'n'.repeat(200_000) }, 'invalid_notes', 'notes'],
        [{ code: 'maya' }, 'promo_code_taken', 'promo_code'],
      ];
      for (const [input, code, field] of cases) {
        const error = await s.refused(savePromoterSql, savePromoterParams(input));
        expect({ message: error.message, field: detail(error).field }).toEqual({ message: code, field });
      }
    });
  });

  it('updating sets links and groups exactly when given, and leaves them alone when null', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const maya = ids.promoters.maya;
      await s.value(savePromoterSql, savePromoterParams({ promoterId: maya, name: 'Maya O.', code: 'MAYA', eventIds: null, groupIds: null }));
      expect(await count(s, 'select 1 from public.event_promoters where promoter_id = $1 and active', [maya])).toBe(3);
      expect(await count(s, 'select 1 from public.promoter_group_members where promoter_id = $1', [maya])).toBe(1);

      await s.value(savePromoterSql, savePromoterParams({ promoterId: maya, code: 'MAYA', eventIds: [ids.events.aOther], groupIds: [] }));
      const links = await s.rows('select event_id, active from public.event_promoters where promoter_id = $1 order by event_id', [maya]);
      expect(links).toEqual([
        { event_id: ids.events.aLive, active: false },
        { event_id: ids.events.aOther, active: true },
        { event_id: ids.events.aPast, active: false },
      ]);
      expect(await count(s, 'select 1 from public.promoter_group_members where promoter_id = $1', [maya])).toBe(0);
    });
  });

  it('refused outside the organization; a promoter of another organization is not found and unchanged', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [anonymous, serviceRole, ownerB, loner]) {
        await s.as(persona);
        expect((await s.refused(savePromoterSql, savePromoterParams())).code).toBe('42501');
      }
      await s.as(ownerA);
      const foreign = await s.refused(savePromoterSql, savePromoterParams({ promoterId: ids.promoters.bert, code: 'BERT' }));
      expect(foreign.message).toBe('promoter_not_found');
      await s.asOwner();
      expect(await s.value('select name from public.promoters where id = $1', [ids.promoters.bert])).toBe('Bert Brown');
    });
  });
});

describe.skipIf(!process.env.DATABASE_URL)('on parallel connections', () => {
  it('saves of one event racing checkouts and each other: no deadlock, and the result is one of the saves', async () => {
    const racer = new Racer(testDb.databaseUrl!, 12);
    try {
      const eventId = ids.events.aOther;
      const saves = Array.from({ length: 8 }, (_, i) =>
        saveEventParams({
          eventId,
          name: `Other ${i}`,
          // Every other save renames the slug, so it locks the event row for update.
          slug: i % 2 === 0 ? slugs.aOther : `${slugs.aOther}-${i}`,
          ticketTypes: [
            { id: ids.ticketTypes.aOtherEntry, name: 'Entry', price_minor: 1000, capacity: 50 },
            { name: `Extra ${i}`, price_minor: 500, capacity: 10 + i },
          ],
        }),
      );
      const sales = Array.from({ length: 16 }, () =>
        checkoutParams({ slug: slugs.aOther, items: [{ ticket_type_id: ids.ticketTypes.aOtherEntry, quantity: 1 }], key: randomUUID() }),
      );
      const outcomes = await Promise.all([
        ...saves.map((params) => racer.call(ownerA, saveEventSql, params)),
        ...sales.map((params) => racer.call(anonymous, checkoutSql, params)),
      ]);
      // The only refusal allowed: a checkout that meets the event renamed away from the
      // slug it asked for. No deadlock (40P01), no timeout, nothing else.
      expect(outcomes.filter((o) => !o.ok && o.message !== 'event_not_found')).toEqual([]);
      expect(outcomes.slice(0, saves.length).every((o) => o.ok)).toBe(true);

      await inRollback(testDb.db, async (s) => {
        const extras = await s.rows<{ name: string }>(
          "select name from public.ticket_types where event_id = $1 and name like 'Extra %'",
          [eventId],
        );
        expect(extras).toHaveLength(1);
        const event = await s.one<{ name: string }>('select name from public.events where id = $1', [eventId]);
        expect(event.name.replace('Other', 'Extra')).toBe(extras[0].name);
        const sold = await s.value<number>('select sold from public.ticket_types where id = $1', [ids.ticketTypes.aOtherEntry]);
        const okSales = outcomes.slice(saves.length).filter((o) => o.ok).length;
        expect(sold).toBe(okSales);
      });
    } finally {
      await racer.end();
    }
  });
});
