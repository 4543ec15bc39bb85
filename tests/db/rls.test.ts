import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { anonymous, inRollback, serviceRole, PersonaTx, type Persona } from './support/personas.ts';
import { checkout, databaseWithWorld, ids, people, slugs, track } from './support/world.ts';

const testDb = databaseWithWorld();

beforeAll(async () => {
  // Sales in both organizations, one of them attributed, so every table has rows.
  await testDb.db.transaction(async (tx) => {
    const s = new PersonaTx(tx);
    await s.as(anonymous);
    const token = await track(s, slugs.aLive, 'MAYA', randomUUID());
    await checkout(s, { token });
    const tokenB = await track(s, slugs.bLive, 'BERT', randomUUID());
    await checkout(s, { slug: slugs.bLive, items: [{ ticket_type_id: ids.ticketTypes.bEntry, quantity: 1 }], token: tokenB });
  });
});

const { ownerA, adminA, memberA, ownerB, loner } = people;

/** Rows the persona sees in a table, or the error code when it may not read it at all. */
async function visible(s: PersonaTx, persona: Persona, table: string): Promise<number | string> {
  await s.as(persona);
  try {
    await s.tx.query('savepoint visible');
    const n = await s.value<number>(`select count(*)::int from public.${table}`);
    await s.tx.query('release savepoint visible');
    return n;
  } catch (error) {
    await s.tx.query('rollback to savepoint visible');
    return (error as { code: string }).code;
  }
}

describe('reading: each persona sees exactly its own data', () => {
  // Expected rows per persona: [owner A, member A, owner B, no organization, anonymous, service role]
  const cases: [string, (number | string)[]][] = [
    ['organizations', [1, 1, 1, 0, '42501', 2]],
    ['organization_members', [3, 3, 1, 0, '42501', 4]],
    ['events', [6, 6, 4, 4, 4, 6]],
    ['ticket_types', [6, 6, 5, 5, 5, 6]],
    ['promoters', [4, 4, 1, 0, '42501', 5]],
    ['event_promoters', [5, 5, 1, 0, '42501', 6]],
    ['promoter_groups', [1, 1, 1, 0, '42501', 2]],
    ['promoter_group_members', [1, 1, 1, 0, '42501', 2]],
    ['promoter_visits', [1, 1, 1, 0, '42501', 2]],
    ['orders', [1, 1, 1, 0, '42501', 2]],
    ['order_items', [1, 1, 1, 0, '42501', 2]],
    ['attributions', [1, 1, 1, 0, '42501', 2]],
  ];
  const personas = [ownerA, memberA, ownerB, loner, anonymous, serviceRole];
  it.each(cases)('%s', async (table, expected) => {
    await inRollback(testDb.db, async (s) => {
      const seen: (number | string)[] = [];
      for (const persona of personas) seen.push(await visible(s, persona, table));
      expect(seen).toEqual(expected);
    });
  });

  it('shows attendees published events only, never drafts or cancelled ones', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const rows = await s.rows<{ slug: string }>('select slug from public.events order by slug');
      expect(rows.map((r) => r.slug)).toEqual([slugs.aLive, slugs.aOther, slugs.aPast, slugs.bLive].sort());
    });
  });
});

describe('organizations and members', () => {
  it('lets owners and admins rename their organization, and nobody else', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(adminA);
      expect(await s.affected(`update public.organizations set name = 'Renamed' where id = $1`, [ids.orgA])).toBe(1);
      await s.as(memberA);
      expect(await s.affected(`update public.organizations set name = 'Nope' where id = $1`, [ids.orgA])).toBe(0);
      await s.as(ownerB);
      expect(await s.affected(`update public.organizations set name = 'Nope' where id = $1`, [ids.orgA])).toBe(0);
      await s.as(ownerA);
      expect((await s.refused(`update public.organizations set currency = 'EUR' where id = $1`, [ids.orgA])).code).toBe('42501');
      expect((await s.refused(`insert into public.organizations (name) values ('Direct')`)).code).toBe('42501');
      expect((await s.refused(`delete from public.organizations where id = $1`, [ids.orgA])).code).toBe('42501');
    });
  });

  it('lets nobody add members directly, not even owners (membership needs consent)', async () => {
    await inRollback(testDb.db, async (s) => {
      const add = `insert into public.organization_members (organization_id, user_id, role) values ($1, $2, $3)`;
      for (const persona of [ownerA, adminA, memberA, ownerB]) {
        await s.as(persona);
        expect((await s.refused(add, [ids.orgA, loner.userId, 'member'])).code).toBe('42501');
      }
    });
  });

  it('lets owners and admins change roles and remove members, but never the last owner', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect(await s.affected(`update public.organization_members set role = 'admin' where user_id = $1`, [memberA.userId])).toBe(0);
      expect(await s.affected(`delete from public.organization_members where user_id = $1`, [adminA.userId])).toBe(0);
      await s.as(ownerB);
      expect(await s.affected(`delete from public.organization_members where user_id = $1`, [memberA.userId])).toBe(0);
      await s.as(adminA);
      expect(await s.affected(`update public.organization_members set role = 'admin' where user_id = $1`, [memberA.userId])).toBe(1);
      expect(await s.affected(`delete from public.organization_members where user_id = $1`, [memberA.userId])).toBe(1);
      await s.as(ownerA);
      const demote = await s.refused(`update public.organization_members set role = 'member' where user_id = $1`, [ownerA.userId]);
      expect(demote.message).toBe('last_owner');
      const leave = await s.refused(`delete from public.organization_members where user_id = $1`, [ownerA.userId]);
      expect(leave.message).toBe('last_owner');
    });
  });

  it('create_organization makes the caller the owner and refuses bad names and currencies', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(loner);
      const org = await s.one<{ id: string; name: string; currency: string }>(
        `select * from public.create_organization('  Loner Events ', 'eur')`,
      );
      expect(org).toMatchObject({ name: 'Loner Events', currency: 'EUR' });
      expect(await s.value('select role::text from public.organization_members where organization_id = $1', [org.id])).toBe('owner');
      expect((await s.refused(`select public.create_organization('   ')`)).message).toBe('invalid_name');
      expect((await s.refused(`select public.create_organization($1)`, ['n'.repeat(10 * 1024 * 1024)])).message).toBe('invalid_name');
      expect((await s.refused(`select public.create_organization('Fine', 'euro')`)).message).toBe('invalid_currency');
      await s.as(anonymous);
      expect((await s.refused(`select public.create_organization('Anon Events')`)).code).toBe('42501');
    });
  });
});

describe('events and ticket types', () => {
  const insertEvent = `insert into public.events (organization_id, slug, name, starts_at, currency, status)
                       values ($1, $2, 'New Show', now() + interval '3 days', $3, 'draft')`;

  it('lets any member manage events of their organization only', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect(await s.affected(insertEvent, [ids.orgA, 'member-show', 'USD'])).toBe(1);
      expect(await s.affected(`update public.events set name = 'Renamed' where id = $1`, [ids.events.aLive])).toBe(1);
      expect(await s.affected(`delete from public.events where id = $1`, [ids.events.aDraft])).toBe(1);
      await s.as(ownerB);
      expect((await s.refused(insertEvent, [ids.orgA, 'intruder-show', 'USD'])).code).toBe('42501');
      expect(await s.affected(`update public.events set name = 'Hacked' where id = $1`, [ids.events.aOther])).toBe(0);
      expect(await s.affected(`delete from public.events where id = $1`, [ids.events.aOther])).toBe(0);
      await s.as(anonymous);
      expect((await s.refused(insertEvent, [ids.orgA, 'anon-show', 'USD'])).code).toBe('42501');
      expect((await s.refused(`update public.events set name = 'x' where id = $1`, [ids.events.aLive])).code).toBe('42501');
    });
  });

  it('sells an event in its organization currency and checks slugs', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect((await s.refused(insertEvent, [ids.orgA, 'euro-show', 'EUR'])).message).toBe('invalid_currency');
      await s.rows(
        `insert into public.events (organization_id, slug, name, starts_at) values ($1, 'no-currency-show', 'Show', now() + interval '1 day')`,
        [ids.orgA],
      );
      expect(await s.value(`select currency from public.events where slug = 'no-currency-show'`)).toBe('USD');
      expect((await s.refused(insertEvent, [ids.orgA, 'Bad Slug!', 'USD'])).code).toBe('23514');
      expect((await s.refused(insertEvent, [ids.orgA, slugs.bLive, 'USD'])).code).toBe('23505');
    });
  });

  it('lets members manage ticket types but never the sold count', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const add = `insert into public.ticket_types (organization_id, event_id, name, price_minor, capacity) values ($1, $2, 'Student', 1500, 20)`;
      expect(await s.affected(add, [ids.orgA, ids.events.aLive])).toBe(1);
      expect(await s.affected(`update public.ticket_types set price_minor = 2700 where id = $1`, [ids.ticketTypes.aGeneral])).toBe(1);
      expect((await s.refused(`update public.ticket_types set sold = 0 where id = $1`, [ids.ticketTypes.aGeneral])).code).toBe('42501');
      expect((await s.refused(`update public.ticket_types set capacity = 0 where id = $1`, [ids.ticketTypes.aGeneral])).code).toBe('23514');
      // A row of organization A pointing at organization B's event.
      expect((await s.refused(add, [ids.orgA, ids.events.bLive])).message).toBe('organization_mismatch');
      await s.as(ownerB);
      expect((await s.refused(add, [ids.orgA, ids.events.aLive])).code).toBe('42501');
      expect(await s.affected(`delete from public.ticket_types where id = $1`, [ids.ticketTypes.aVip])).toBe(0);
      await s.as(anonymous);
      expect((await s.refused(add, [ids.orgA, ids.events.aLive])).code).toBe('42501');
    });
  });
});

describe('promoters, links and groups', () => {
  const addPromoter = `insert into public.promoters (organization_id, name, promo_code) values ($1, $2, $3)`;

  it('lets any member add and edit promoters of their organization', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect(await s.affected(addPromoter, [ids.orgA, 'New Person', 'NEWBIE'])).toBe(1);
      expect(await s.affected(`update public.promoters set phone = '+1 555 0100' where id = $1`, [ids.promoters.maya])).toBe(1);
      await s.as(ownerB);
      expect((await s.refused(addPromoter, [ids.orgA, 'Intruder', 'INTRUDER'])).code).toBe('42501');
      expect(await s.affected(`update public.promoters set name = 'Hacked' where id = $1`, [ids.promoters.maya])).toBe(0);
      await s.as(anonymous);
      expect((await s.refused(addPromoter, [ids.orgA, 'Anon', 'ANONY'])).code).toBe('42501');
    });
  });

  it('refuses duplicate promo codes ignoring case, and malformed codes, with stable errors', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const taken = await s.refused(addPromoter, [ids.orgA, 'Copy Cat', 'maya']);
      expect(taken).toMatchObject({ code: '23505', message: 'promo_code_taken' });
      for (const code of ['ab', 'has space', 'x'.repeat(33), 'emoji🙂', 'semi;colon']) {
        expect((await s.refused(addPromoter, [ids.orgA, 'Someone', code])).message).toBe('invalid_promo_code');
      }
      expect((await s.refused(addPromoter, [ids.orgA, '', 'VALID1'])).message).toBe('invalid_name');
      // The same code in another organization is fine.
      await s.as(ownerB);
      expect(await s.affected(addPromoter, [ids.orgB, 'Other Maya', 'MAYA'])).toBe(1);
    });
  });

  it('offers no way to delete a promoter directly, not even to owners or the service role', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [ownerA, memberA, serviceRole]) {
        await s.as(persona);
        expect((await s.refused(`delete from public.promoters where id = $1`, [ids.promoters.lone])).code).toBe('42501');
      }
    });
  });

  it('is_promo_code_available answers members only', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect(await s.value(`select public.is_promo_code_available($1, 'maya')`, [ids.orgA])).toBe(false);
      expect(await s.value(`select public.is_promo_code_available($1, 'FRESH-1')`, [ids.orgA])).toBe(true);
      expect((await s.refused(`select public.is_promo_code_available($1, 'no spaces')`, [ids.orgA])).message).toBe('invalid_promo_code');
      await s.as(ownerB);
      expect((await s.refused(`select public.is_promo_code_available($1, 'FRESH-1')`, [ids.orgA])).message).toBe('not_authorized');
      await s.as(anonymous);
      expect((await s.refused(`select public.is_promo_code_available($1, 'FRESH-1')`, [ids.orgA])).code).toBe('42501');
    });
  });

  it('lets members create and switch tracking links, within their organization only', async () => {
    await inRollback(testDb.db, async (s) => {
      const link = `insert into public.event_promoters (organization_id, event_id, promoter_id) values ($1, $2, $3)`;
      await s.as(memberA);
      expect(await s.affected(link, [ids.orgA, ids.events.aLive, ids.promoters.lone])).toBe(1);
      expect(await s.affected(`update public.event_promoters set active = false where promoter_id = $1`, [ids.promoters.lone])).toBe(1);
      expect((await s.refused(link, [ids.orgA, ids.events.aLive, ids.promoters.maya])).code).toBe('23505');
      expect((await s.refused(link, [ids.orgA, ids.events.bLive, ids.promoters.lone])).message).toBe('organization_mismatch');
      expect((await s.refused(link, [ids.orgA, ids.events.aOther, ids.promoters.bert])).message).toBe('organization_mismatch');
      expect((await s.refused(`delete from public.event_promoters where promoter_id = $1`, [ids.promoters.maya])).code).toBe('42501');
      await s.as(ownerB);
      expect((await s.refused(link, [ids.orgA, ids.events.aOther, ids.promoters.jonas])).code).toBe('42501');
      expect(await s.affected(`update public.event_promoters set active = false where promoter_id = $1`, [ids.promoters.maya])).toBe(0);
    });
  });

  it('lets members manage groups and memberships of their organization only', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      const groupId = await s.value<string>(
        `insert into public.promoter_groups (organization_id, name, color) values ($1, 'Influencers', '#8b5cf6') returning id`,
        [ids.orgA],
      );
      expect(await s.affected(`insert into public.promoter_group_members (organization_id, group_id, promoter_id) values ($1, $2, $3)`, [
        ids.orgA,
        groupId,
        ids.promoters.jonas,
      ])).toBe(1);
      expect((await s.refused(`insert into public.promoter_groups (organization_id, name) values ($1, 'summer team')`, [ids.orgA])).code).toBe(
        '23505',
      );
      expect((await s.refused(`update public.promoter_groups set color = 'red' where id = $1`, [groupId])).code).toBe('23514');
      await s.as(ownerB);
      expect(await s.affected(`delete from public.promoter_groups where id = $1`, [groupId])).toBe(0);
      expect(await s.affected(`delete from public.promoter_group_members where group_id = $1`, [groupId])).toBe(0);
      expect(
        (await s.refused(`insert into public.promoter_group_members (organization_id, group_id, promoter_id) values ($1, $2, $3)`, [
          ids.orgA,
          groupId,
          ids.promoters.maya,
        ])).code,
      ).toBe('42501');
      await s.as(memberA);
      expect(await s.affected(`delete from public.promoter_group_members where group_id = $1`, [groupId])).toBe(1);
      expect(await s.affected(`delete from public.promoter_groups where id = $1`, [groupId])).toBe(1);
      // Deleting a group keeps its promoters.
      expect(await s.affected(`delete from public.promoter_groups where id = $1`, [ids.groups.aSummer])).toBe(1);
      expect(await s.value(`select count(*)::int from public.promoters where id = $1`, [ids.promoters.maya])).toBe(1);
    });
  });
});

describe('sales records', () => {
  it.each(['promoter_visits', 'orders', 'order_items', 'attributions'])(
    '%s cannot be written or deleted through the API by anyone',
    async (table) => {
      await inRollback(testDb.db, async (s) => {
        for (const persona of [anonymous, ownerA, serviceRole]) {
          await s.as(persona);
          expect((await s.refused(`update public.${table} set created_at = now()`)).code).toBe('42501');
          expect((await s.refused(`delete from public.${table}`)).code).toBe('42501');
          expect((await s.refused(`insert into public.${table} (id) values (gen_random_uuid())`)).code).toBe('42501');
        }
      });
    },
  );

  it('refund_order is for owners and admins of the order organization', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      const orderId = await s.value<string>('select id from public.orders where organization_id = $1', [ids.orgA]);
      await s.as(memberA);
      expect((await s.refused('select public.refund_order($1)', [orderId])).message).toBe('not_authorized');
      await s.as(ownerB);
      expect((await s.refused('select public.refund_order($1)', [orderId])).message).toBe('order_not_found');
      expect((await s.refused('select public.refund_order($1)', [randomUUID()])).message).toBe('order_not_found');
      await s.as(anonymous);
      expect((await s.refused('select public.refund_order($1)', [orderId])).code).toBe('42501');
      await s.as(adminA);
      const refunded = await s.one<{ status: string; refunded_at: string | null }>('select status::text, refunded_at from public.refund_order($1)', [
        orderId,
      ]);
      expect(refunded.status).toBe('refunded');
      expect(refunded.refunded_at).not.toBeNull();
      expect((await s.refused('select public.refund_order($1)', [orderId])).message).toBe('order_already_refunded');
    });
  });
});

describe('private schema', () => {
  it('is not readable by API roles', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [anonymous, ownerA, serviceRole]) {
        await s.as(persona);
        expect((await s.refused('select * from private.promoter_daily_stats')).code).toBe('42501');
        expect((await s.refused('select * from private.promoter_deletion_requests')).code).toBe('42501');
      }
    });
  });
});
