/**
 * Tenancy hardening: a refused write into another organization reveals nothing about it,
 * owners are governed by owners only, nobody becomes a member without accepting, every
 * member may leave, and a slug an event gave up stays with its organization.
 *
 * The races (two owners leaving at once, a slug claimed while its event renames away)
 * run on real parallel connections with DATABASE_URL; PGlite has a single connection.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { anonymous, claimsOf, inRollback, serviceRole, type PgError, type Persona, type PersonaTx } from './support/personas.ts';
import { databaseWithWorld, ids, people, slugs, track } from './support/world.ts';

const testDb = databaseWithWorld();

const { ownerA, adminA, memberA, ownerB, loner } = people;
const outsiders: Persona[] = [ownerB, loner];

/** What a refusal tells the caller: everything but the statement's own values. */
const told = (error: PgError) => ({ code: error.code, message: error.message, hint: error.hint ?? null, detail: error.detail ?? null });

const notAuthorized = {
  code: '42501',
  message: 'not_authorized',
  hint: 'You do not have permission to do this in this organization.',
  detail: null,
};

describe('a write into another organization is refused before anything about it is revealed', () => {
  const addPromoter = `insert into public.promoters (organization_id, name, promo_code) values ($1, 'Probe', $2)`;

  it('promoters: the same not_authorized whether the promo code exists (active or not) or not', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of outsiders) {
        await s.as(persona);
        // MAYA has active links, INA an inactive one, LONE none; FRESH-CODE is unused.
        for (const code of ['MAYA', 'maya', 'INA', 'LONE', 'FRESH-CODE']) {
          expect(told(await s.refused(addPromoter, [ids.orgA, code])), `${persona.label}: ${code}`).toEqual(notAuthorized);
        }
        // Malformed input does not tell the two apart either.
        expect(told(await s.refused(addPromoter, [ids.orgA, 'x']))).toEqual(notAuthorized);
      }
      // Members still get the precise answer for their own organization.
      await s.as(memberA);
      expect((await s.refused(addPromoter, [ids.orgA, 'MAYA'])).message).toBe('promo_code_taken');
    });
  });

  it('events: no currency of another organization in any answer', async () => {
    const addEvent = `insert into public.events (organization_id, slug, name, starts_at, currency) values ($1, $2, 'Probe', now() + interval '1 day', $3)`;
    await inRollback(testDb.db, async (s) => {
      for (const persona of outsiders) {
        await s.as(persona);
        for (const currency of ['EUR', 'USD', 'GBP']) {
          expect(told(await s.refused(addEvent, [ids.orgA, `probe-${currency.toLowerCase()}`, currency]))).toEqual(notAuthorized);
        }
        expect(told(await s.refused(addEvent, [ids.orgA, slugs.aDraft, 'USD']))).toEqual(notAuthorized);
      }
      await s.as(memberA);
      const own = await s.refused(addEvent, [ids.orgA, 'own-probe', 'EUR']);
      expect(own).toMatchObject({ message: 'invalid_currency', hint: 'Events are sold in the organization\'s currency (USD).' });
    });
  });

  it('ticket types, tracking links, groups and group members: one answer whatever exists', async () => {
    await inRollback(testDb.db, async (s) => {
      const probes: [string, unknown[][]][] = [
        [
          `insert into public.ticket_types (organization_id, event_id, name, price_minor, capacity) values ($1, $2, 'Probe', 1, 1)`,
          [[ids.orgA, ids.events.aDraft], [ids.orgA, ids.events.bLive], [ids.orgA, randomUUID()]],
        ],
        [
          `insert into public.event_promoters (organization_id, event_id, promoter_id) values ($1, $2, $3)`,
          [
            [ids.orgA, ids.events.aLive, ids.promoters.maya], // exists
            [ids.orgA, ids.events.aDraft, ids.promoters.lone], // would be new
            [ids.orgA, ids.events.bLive, ids.promoters.maya], // mismatched
            [ids.orgA, randomUUID(), randomUUID()],
          ],
        ],
        [`insert into public.promoter_groups (organization_id, name) values ($1, $2)`, [[ids.orgA, 'summer team'], [ids.orgA, 'Fresh Team']]],
        [
          `insert into public.promoter_group_members (organization_id, group_id, promoter_id) values ($1, $2, $3)`,
          [[ids.orgA, ids.groups.aSummer, ids.promoters.maya], [ids.orgA, ids.groups.aSummer, ids.promoters.jonas], [ids.orgA, ids.groups.bCrew, ids.promoters.jonas]],
        ],
      ];
      for (const persona of outsiders) {
        await s.as(persona);
        for (const [sql, paramsList] of probes) {
          for (const params of paramsList) expect(told(await s.refused(sql, params)), `${persona.label}: ${sql}`).toEqual(notAuthorized);
        }
      }
    });
  });

  it('within one’s own organization, a reference to another organization’s row reads like a reference to nothing', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerB);
      const bDraft = await s.value<string>(
        `insert into public.events (organization_id, slug, name, starts_at) values ($1, 'b-secret-draft', 'Secret', now() + interval '1 day') returning id`,
        [ids.orgB],
      );
      await s.as(memberA);
      const addType = `insert into public.ticket_types (organization_id, event_id, name, price_minor, capacity) values ($1, $2, 'Probe', 1, 1)`;
      const foreign = told(await s.refused(addType, [ids.orgA, bDraft]));
      const missing = told(await s.refused(addType, [ids.orgA, randomUUID()]));
      expect(foreign).toEqual(missing);
      expect(foreign.message).toBe('organization_mismatch');
      const link = `insert into public.event_promoters (organization_id, event_id, promoter_id) values ($1, $2, $3)`;
      expect(told(await s.refused(link, [ids.orgA, ids.events.aLive, ids.promoters.bert]))).toEqual(
        told(await s.refused(link, [ids.orgA, ids.events.aLive, randomUUID()])),
      );
    });
  });

  it('is_promo_code_available answers outsiders alike for used and unused codes', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerB);
      const used = told(await s.refused('select public.is_promo_code_available($1, $2)', [ids.orgA, 'MAYA']));
      const unused = told(await s.refused('select public.is_promo_code_available($1, $2)', [ids.orgA, 'UNUSED']));
      expect(used).toEqual(unused);
      expect(used.code).toBe('42501');
    });
  });

  it('promo codes are per organization: the same code in two organizations credits each its own promoter', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerB);
      const otherMaya = await s.value<string>(
        `insert into public.promoters (organization_id, name, promo_code) values ($1, 'Other Maya', 'MAYA') returning id`,
        [ids.orgB],
      );
      await s.rows('insert into public.event_promoters (organization_id, event_id, promoter_id) values ($1, $2, $3)', [ids.orgB, ids.events.bLive, otherMaya]);
      await s.as(anonymous);
      const tokenA = await track(s, slugs.aLive, 'MAYA', randomUUID());
      const tokenB = await track(s, slugs.bLive, 'MAYA', randomUUID());
      await s.asOwner();
      const promoterOf = (token: string | null) => s.value<string>('select promoter_id from public.promoter_visits where token = $1', [token]);
      expect(await promoterOf(tokenA)).toBe(ids.promoters.maya);
      expect(await promoterOf(tokenB)).toBe(otherMaya);
    });
  });
});

describe('owners are changed and removed by owners only', () => {
  const setRole = `update public.organization_members set role = $1::public.organization_role where organization_id = $2 and user_id = $3`;
  const remove = `delete from public.organization_members where organization_id = $1 and user_id = $2`;

  /** Makes ownerB a second owner of organization A (as the database owner). */
  async function secondOwner(s: PersonaTx): Promise<void> {
    await s.asOwner();
    await s.rows(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'owner')`, [ids.orgA, ownerB.userId]);
  }

  it('an admin can neither demote nor remove an owner, nor make anyone an owner', async () => {
    await inRollback(testDb.db, async (s) => {
      await secondOwner(s);
      await s.as(adminA);
      expect(await s.affected(setRole, ['member', ids.orgA, ownerA.userId])).toBe(0);
      expect(await s.affected(setRole, ['admin', ids.orgA, ownerB.userId])).toBe(0);
      expect(await s.affected(remove, [ids.orgA, ownerA.userId])).toBe(0);
      expect((await s.refused(setRole, ['owner', ids.orgA, adminA.userId])).code).toBe('42501');
      expect((await s.refused(setRole, ['owner', ids.orgA, memberA.userId])).code).toBe('42501');
      // Within the non-owners an admin still manages roles and members.
      expect(await s.affected(setRole, ['admin', ids.orgA, memberA.userId])).toBe(1);
      expect(await s.affected(setRole, ['member', ids.orgA, memberA.userId])).toBe(1);
      expect(await s.affected(remove, [ids.orgA, memberA.userId])).toBe(1);
      await s.asOwner();
      expect(await s.value(`select count(*)::int from public.organization_members where organization_id = $1 and role = 'owner'`, [ids.orgA])).toBe(2);
    });
  });

  it('a member cannot make themself an admin or owner', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect(await s.affected(setRole, ['owner', ids.orgA, memberA.userId])).toBe(0);
      expect(await s.affected(setRole, ['admin', ids.orgA, memberA.userId])).toBe(0);
      await s.asOwner();
      expect(await s.value('select role::text from public.organization_members where user_id = $1', [memberA.userId])).toBe('member');
    });
  });

  it('an owner demotes and removes another owner, and promotes members to owner', async () => {
    await inRollback(testDb.db, async (s) => {
      await secondOwner(s);
      await s.as(ownerA);
      expect(await s.affected(setRole, ['admin', ids.orgA, ownerB.userId])).toBe(1);
      expect(await s.affected(setRole, ['owner', ids.orgA, ownerB.userId])).toBe(1);
      expect(await s.affected(remove, [ids.orgA, ownerB.userId])).toBe(1);
      expect(await s.affected(setRole, ['owner', ids.orgA, memberA.userId])).toBe(1);
    });
  });

  it('the last owner can neither be demoted nor leave', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      expect((await s.refused(setRole, ['admin', ids.orgA, ownerA.userId])).message).toBe('last_owner');
      expect(told(await s.refused(remove, [ids.orgA, ownerA.userId]))).toEqual({
        code: 'P0001',
        message: 'last_owner',
        hint: 'An organization needs at least one owner.',
        detail: null,
      });
    });
  });

  it.runIf(process.env.DATABASE_URL)('two owners leaving at the same moment: one leaves, the other stays as the last owner', async () => {
    const org = await twoOwnerOrganization();
    const results = await race([ownerA, ownerB], (persona) => [remove, [org, persona.userId]]);
    expect(results.sort()).toEqual(['last_owner', 'ok']);
    const owners = await testDb.db.query(`select user_id from public.organization_members where organization_id = $1 and role = 'owner'`, [org]);
    expect(owners.rows).toHaveLength(1);
  });

  it.runIf(process.env.DATABASE_URL)('two owners demoting each other at the same moment: one owner remains', async () => {
    const org = await twoOwnerOrganization();
    const results = await race([ownerA, ownerB], (persona) => [setRole, ['admin', org, persona === ownerA ? ownerB.userId : ownerA.userId]]);
    expect(results.sort()).toEqual(['last_owner', 'ok']);
    const owners = await testDb.db.query(`select user_id from public.organization_members where organization_id = $1 and role = 'owner'`, [org]);
    expect(owners.rows).toHaveLength(1);
  });
});

describe('nobody becomes a member without accepting; every member may leave', () => {
  const add = `insert into public.organization_members (organization_id, user_id, role) values ($1, $2, $3)`;
  const leave = `delete from public.organization_members where organization_id = $1 and user_id = $2`;

  it('no API role can add anyone to an organization, not even an owner adding a plain member', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [ownerA, adminA, memberA, ownerB, loner, anonymous]) {
        await s.as(persona);
        for (const role of ['member', 'admin', 'owner']) {
          expect((await s.refused(add, [ids.orgA, loner.userId, role])).code, `${persona.label} adding as ${role}`).toBe('42501');
        }
        // Not themselves either.
        if (persona.userId) expect((await s.refused(add, [ids.orgA, persona.userId, 'member'])).code).toBe('42501');
      }
      await s.asOwner();
      expect(await s.value('select count(*)::int from public.organization_members where user_id = $1', [loner.userId])).toBe(0);
    });
  });

  it('creating an organization still makes its creator the owner', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(loner);
      const org = await s.value<string>(`select id from public.create_organization('Loner Events', 'EUR')`);
      expect(await s.rows('select user_id, role::text from public.organization_members where organization_id = $1', [org])).toEqual([
        { user_id: loner.userId, role: 'owner' },
      ]);
    });
  });

  it('a member and an admin leave on their own; an owner leaves while another owner stays', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect(await s.affected(leave, [ids.orgA, memberA.userId])).toBe(1);
      expect(await s.value('select count(*)::int from public.organizations')).toBe(0);
      await s.as(adminA);
      expect(await s.affected(leave, [ids.orgA, adminA.userId])).toBe(1);
      await s.asOwner();
      await s.rows(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'owner')`, [ids.orgA, loner.userId]);
      await s.as(ownerA);
      expect(await s.affected(leave, [ids.orgA, ownerA.userId])).toBe(1);
      await s.asOwner();
      expect(await s.rows('select user_id, role::text from public.organization_members where organization_id = $1', [ids.orgA])).toEqual([
        { user_id: loner.userId, role: 'owner' },
      ]);
    });
  });

  it('a member removes nobody else, and outsiders remove nobody', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect(await s.affected(leave, [ids.orgA, adminA.userId])).toBe(0);
      expect(await s.affected(leave, [ids.orgA, ownerA.userId])).toBe(0);
      for (const persona of [ownerB, loner]) {
        await s.as(persona);
        expect(await s.affected(leave, [ids.orgA, memberA.userId])).toBe(0);
      }
      await s.as(anonymous);
      expect((await s.refused(leave, [ids.orgA, memberA.userId])).code).toBe('42501');
      await s.asOwner();
      expect(await s.value('select count(*)::int from public.organization_members where organization_id = $1', [ids.orgA])).toBe(3);
    });
  });
});

describe('a slug an event gave up stays with its organization', () => {
  const rename = `update public.events set slug = $1 where id = $2`;
  const addEvent = `insert into public.events (organization_id, slug, name, starts_at) values ($1, $2, 'New Show', now() + interval '1 day') returning id`;
  const resolve = 'select public.resolve_event_slug($1) as slug';

  it('another organization can neither create nor rename an event to a renamed-away slug', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect(await s.affected(rename, ['a-live-show-2027', ids.events.aLive])).toBe(1);
      await s.as(ownerB);
      const taken = { code: '23505', message: 'slug_taken', hint: 'Another event already uses this web address (slug).', detail: null };
      expect(told(await s.refused(addEvent, [ids.orgB, slugs.aLive]))).toEqual(taken);
      expect(told(await s.refused(rename, [slugs.aLive, ids.events.bLive]))).toEqual(taken);
      // A current slug gets the same answer.
      expect(told(await s.refused(addEvent, [ids.orgB, 'a-live-show-2027']))).toEqual(taken);
      await s.as(serviceRole);
      expect((await s.refused(rename, [slugs.aLive, ids.events.bLive])).message).toBe('slug_taken');
    });
  });

  it('old links lead to the event through every rename, for published events only', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      await s.rows(rename, ['a-live-show-v2', ids.events.aLive]);
      await s.rows(rename, ['a-live-show-v3', ids.events.aLive]);
      await s.rows(rename, ['a-draft-show-v2', ids.events.aDraft]);
      await s.as(anonymous);
      expect(await s.value(resolve, [slugs.aLive])).toBe('a-live-show-v3');
      expect(await s.value(resolve, ['a-live-show-v2'])).toBe('a-live-show-v3');
      // Current, unknown, draft and absurd slugs lead nowhere.
      for (const slug of ['a-live-show-v3', 'never-was', slugs.aDraft, 'x'.repeat(10_000), '']) {
        expect(await s.value(resolve, [slug])).toBeNull();
      }
      expect(await s.value('select public.resolve_event_slug(null) as slug')).toBeNull();
      // The attendee still cannot read the history itself.
      expect((await s.refused('select * from public.event_slug_history')).code).toBe('42501');
    });
  });

  it('the organization takes its own former slug back, for the same event or another one', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      await s.rows(rename, ['a-live-renamed', ids.events.aLive]);
      await s.rows(rename, [slugs.aLive, ids.events.aLive]);
      expect(await s.rows('select slug from public.event_slug_history order by slug')).toEqual([{ slug: 'a-live-renamed' }]);
      await s.rows(rename, ['a-other-renamed', ids.events.aOther]);
      await s.rows(addEvent, [ids.orgA, slugs.aOther]);
      expect(await s.value('select count(*)::int from public.event_slug_history where slug = $1', [slugs.aOther])).toBe(0);
      await s.as(anonymous);
      expect(await s.value(resolve, [slugs.aOther])).toBeNull();
    });
  });

  it('a deleted event’s slug stays reserved for its organization', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect(await s.affected('delete from public.events where id = $1', [ids.events.aDraft])).toBe(1);
      await s.as(ownerB);
      expect((await s.refused(addEvent, [ids.orgB, slugs.aDraft])).message).toBe('slug_taken');
      await s.as(memberA);
      expect(await s.rows(addEvent, [ids.orgA, slugs.aDraft])).toHaveLength(1);
    });
  });

  it('members read their own organization’s former slugs only, and nobody writes them', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      await s.rows(rename, ['a-live-new', ids.events.aLive]);
      await s.as(ownerB);
      await s.rows(rename, ['b-live-new', ids.events.bLive]);
      const seen = async (persona: Persona) => {
        await s.as(persona);
        return (await s.rows<{ slug: string }>('select slug from public.event_slug_history order by slug')).map((row) => row.slug);
      };
      expect(await seen(memberA)).toEqual([slugs.aLive]);
      expect(await seen(ownerA)).toEqual([slugs.aLive]);
      expect(await seen(ownerB)).toEqual([slugs.bLive]);
      expect(await seen(loner)).toEqual([]);
      for (const persona of [memberA, ownerA, ownerB, loner, anonymous]) {
        await s.as(persona);
        const insert = await s.refused(`insert into public.event_slug_history (slug, organization_id) values ('stolen-slug', $1)`, [ids.orgA]);
        expect(insert.code, persona.label).toBe('42501');
        expect((await s.refused(`update public.event_slug_history set organization_id = $1`, [ids.orgB])).code).toBe('42501');
        expect((await s.refused('delete from public.event_slug_history')).code).toBe('42501');
      }
      await s.asOwner();
      expect(await s.value('select count(*)::int from public.event_slug_history')).toBe(2);
    });
  });

  it.runIf(process.env.DATABASE_URL)('a slug claimed while its event renames away stays with the renaming organization', async () => {
    const slug = `race-${randomUUID().slice(0, 8)}`;
    const eventId = randomUUID();
    await testDb.db.query(`insert into public.events (id, organization_id, slug, name, starts_at, status) values ($1, $2, $3, 'Race', now() + interval '1 day', 'published')`, [
      eventId,
      ids.orgA,
      slug,
    ]);
    const renamer = await openAs(memberA);
    const claimer = await openAs(ownerB);
    try {
      await renamer.query(rename, [`${slug}-renamed`, eventId]);
      const claim = claimer.query(addEvent, [ids.orgB, slug]).then(
        () => 'ok',
        (error: PgError) => error.message,
      );
      await untilSomeoneWaitsForALock();
      await renamer.query('commit');
      expect(await claim).toBe('slug_taken');
      await claimer.query('rollback');
    } finally {
      await renamer.end();
      await claimer.end();
    }
    expect(await testDb.db.query('select 1 from public.events where slug = $1', [slug])).toMatchObject({ rows: [] });
    expect((await testDb.db.query('select organization_id from public.event_slug_history where slug = $1', [slug])).rows).toEqual([
      { organization_id: ids.orgA },
    ]);
  });
});

// Parallel connections (Postgres only) ------------------------------------------------------

async function openAs(persona: Persona): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testDb.databaseUrl });
  await client.connect();
  await client.query('begin');
  await client.query("select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)", [
    persona.role,
    JSON.stringify(claimsOf(persona)),
  ]);
  return client;
}

/** Resolves once another connection to this database waits for a lock (polling, 30 s at most). */
async function untilSomeoneWaitsForALock(): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const waiting = await testDb.db.query(
      `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
    );
    if (waiting.rows.length > 0) return;
    if (Date.now() > deadline) throw new Error('no connection ever waited for a lock');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A fresh committed organization owned by both ownerA and ownerB. */
async function twoOwnerOrganization(): Promise<string> {
  const org = randomUUID();
  await testDb.db.transaction(async (tx) => {
    await tx.query(`insert into public.organizations (id, name) values ($1, 'Two Owners')`, [org]);
    await tx.query(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'owner'), ($1, $3, 'owner')`, [
      org,
      ownerA.userId,
      ownerB.userId,
    ]);
  });
  return org;
}

/**
 * Each persona runs its statement in its own transaction on its own connection; the
 * first holds its transaction open until the second has either finished its statement
 * or is waiting for a lock, then both commit. 'ok' or the error message per persona.
 */
async function race(personas: Persona[], statement: (persona: Persona) => [string, unknown[]]): Promise<string[]> {
  const clients = await Promise.all(personas.map(openAs));
  try {
    const [first, second] = clients;
    await first.query(...statement(personas[0]));
    let secondDone = false;
    const secondResult = second.query(...statement(personas[1])).then(
      async () => {
        secondDone = true;
        return 'ok';
      },
      (error: PgError) => {
        secondDone = true;
        return error.message;
      },
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (secondDone) break;
      const waiting = await testDb.db.query(
        `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (waiting.rows.length > 0) break;
      if (Date.now() > deadline) throw new Error('the second statement neither finished nor waited');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await first.query('commit');
    const second$ = await secondResult;
    await second.query(second$ === 'ok' ? 'commit' : 'rollback');
    return ['ok', second$];
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}
