/**
 * The openings every entry point shares: private.require_member(), require_role() and
 * require_promoter_member() refuse with not_authorized (42501) anyone outside the
 * organization, and a missing row like another organization's; private.count_miss() and
 * private.self_referral_drop() hold the miss counting and the self-referral choice once.
 * The entry points' own tests cover each caller; these cover the helpers themselves and
 * who may call them.
 */
import { describe, expect, it } from 'vitest';
import { anonymous, claimsOf, inRollback, serviceRole, type Persona, type PersonaTx } from './support/personas.ts';
import { databaseWithWorld, ids, people } from './support/world.ts';

const testDb = databaseWithWorld();

const missing = '00000000-0000-4000-8000-000000000999';

/** As the database owner, as the security definer functions that call the helpers run, on behalf of a person. */
async function onBehalfOf(s: PersonaTx, persona: Persona): Promise<void> {
  await s.asOwner();
  await s.rows("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claimsOf(persona))]);
}

describe('private.require_member()', () => {
  it('lets every member of the organization through', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const person of [people.ownerA, people.adminA, people.memberA]) {
        await s.as(person);
        expect(await s.rows('select private.require_member($1)', [ids.orgA]), person.label).toHaveLength(1);
      }
    });
  });

  it('refuses another organization, no organization and a signed-in user without one, with not_authorized', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const [person, organization] of [
        [people.ownerB, ids.orgA],
        [people.ownerA, ids.orgB],
        [people.ownerA, null],
        [people.ownerA, missing],
        [people.loner, ids.orgA],
      ] as const) {
        await s.as(person);
        const error = await s.refused('select private.require_member($1)', [organization]);
        expect([error.code, error.message], `${person.label} in ${organization}`).toEqual(['42501', 'not_authorized']);
      }
    });
  });
});

describe('private.require_role()', () => {
  it('lets owners and admins through where the roles ask for them', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const person of [people.ownerA, people.adminA]) {
        await onBehalfOf(s, person);
        expect(await s.rows("select private.require_role($1, array['owner', 'admin'])", [ids.orgA]), person.label).toHaveLength(1);
      }
    });
  });

  it('refuses a plain member, another organization and no organization', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const [person, organization] of [
        [people.memberA, ids.orgA],
        [people.ownerB, ids.orgA],
        [people.ownerA, null],
      ] as const) {
        await onBehalfOf(s, person);
        const error = await s.refused("select private.require_role($1, array['owner', 'admin'])", [organization]);
        expect([error.code, error.message], `${person.label} in ${organization}`).toEqual(['42501', 'not_authorized']);
      }
    });
  });
});

describe('who may call the helpers', () => {
  it('authenticated and service_role may call require_member(), which invoker functions use; anon may not', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const error = await s.refused('select private.require_member(null)');
      expect([error.code, error.message.startsWith('permission denied')]).toEqual(['42501', true]);
      // The service role reaches the check itself, which refuses it as a non-member.
      await s.as(serviceRole);
      expect((await s.refused('select private.require_member($1)', [ids.orgA])).message).toBe('not_authorized');
    });
  });

  it('no API role may call require_role(), require_promoter_member(), count_miss() or self_referral_drop(): only the security definer entry points do', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [anonymous, people.memberA, people.ownerA, serviceRole]) {
        await s.as(persona);
        for (const sql of [
          `select private.require_role('${ids.orgA}', array['owner'])`,
          `select private.require_promoter_member('${ids.promoters.maya}')`,
          "select private.count_miss('\\x01', 'visit_miss')",
          `select private.self_referral_drop('${ids.orgA}')`,
        ]) {
          const error = await s.refused(sql);
          expect([error.code, error.message.startsWith('permission denied')], `${persona.label}: ${sql}`).toEqual(['42501', true]);
        }
      }
    });
  });
});

describe('private.require_promoter_member()', () => {
  it("returns the promoter's organization to its members", async () => {
    await inRollback(testDb.db, async (s) => {
      for (const person of [people.ownerA, people.memberA]) {
        await onBehalfOf(s, person);
        expect(await s.value('select private.require_promoter_member($1)', [ids.promoters.maya]), person.label).toBe(ids.orgA);
      }
    });
  });

  it("refuses another organization's promoter and a missing one alike", async () => {
    await inRollback(testDb.db, async (s) => {
      for (const [person, promoter] of [
        [people.ownerB, ids.promoters.maya],
        [people.ownerA, ids.promoters.bert],
        [people.ownerA, missing],
        [people.loner, ids.promoters.maya],
      ] as const) {
        await onBehalfOf(s, person);
        const error = await s.refused('select private.require_promoter_member($1)', [promoter]);
        expect([error.code, error.message], `${person.label}: ${promoter}`).toEqual(['42501', 'not_authorized']);
      }
    });
  });
});

describe('private.count_miss()', () => {
  it("adds one to the client's counter of that kind this minute, and nothing without a client address", async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      const hits = () =>
        s.value<number>(
          "select coalesce(sum(hits), 0)::int from private.client_rate_counters where client_key = '\\x0a0b' and bucket = 'portal_miss'",
        );
      expect(await hits()).toBe(0);
      await s.rows("select private.count_miss('\\x0a0b', 'portal_miss')");
      await s.rows("select private.count_miss('\\x0a0b', 'portal_miss')");
      expect(await hits()).toBe(2);
      const before = await s.value<number>('select count(*)::int from private.client_rate_counters');
      await s.rows("select private.count_miss(null, 'portal_miss')");
      expect(await s.value<number>('select count(*)::int from private.client_rate_counters')).toBe(before);
    });
  });
});

describe('private.self_referral_drop()', () => {
  it('is 0 while the organization counts self-referrals and 1 once it leaves them out', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      expect(await s.value('select private.self_referral_drop($1)', [ids.orgA])).toBe(0);
      await s.rows('update public.organizations set count_self_referrals = false where id = $1', [ids.orgA]);
      expect(await s.value('select private.self_referral_drop($1)', [ids.orgA])).toBe(1);
      expect(await s.value('select private.self_referral_drop($1)', [ids.orgB])).toBe(0);
    });
  });
});
