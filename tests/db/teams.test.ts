/**
 * Teams: invitations (invite_member, revoke_invitation, invitation_preview,
 * accept_invitation), the member list with emails, and who may see and do what, for
 * every role (owner, admin, member, outsider, anonymous).
 *
 * Concurrent accepts of one invitation run on real parallel connections with
 * DATABASE_URL; PGlite has a single connection.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymous, inRollback, type Persona, type PersonaTx } from './support/personas.ts';
import { Racer } from './support/race.ts';
import { databaseWithWorld, ids, people } from './support/world.ts';

const testDb = databaseWithWorld();

const { ownerA, adminA, memberA, ownerB, loner } = people;

interface Invited {
  id: string;
  token: string;
  email: string;
  role: string;
  expires_at: string;
}

const inviteSql = 'select public.invite_member($1, $2, $3) as invitation';
const invite = (s: PersonaTx, email: string, role = 'member', org = ids.orgA) => s.value<Invited>(inviteSql, [org, email, role]);
const preview = (s: PersonaTx, token: string) => s.value<Record<string, unknown> | null>('select public.invitation_preview($1) as preview', [token]);
const acceptSql = 'select public.accept_invitation($1) as accepted';
const accept = (s: PersonaTx, token: string) => s.value<Record<string, unknown> | null>(acceptSql, [token]);
const roleOf = async (s: PersonaTx, userId: string, org = ids.orgA) => {
  await s.asOwner();
  const rows = await s.rows<{ role: string }>('select role::text from public.organization_members where organization_id = $1 and user_id = $2', [org, userId]);
  return rows[0]?.role ?? null;
};

/** A well-formed token that is no invitation. */
const strayToken = () => randomBytes(32).toString('base64url');

/** As if the statements came through the API from this client address. */
async function fromAddress(s: PersonaTx, address: string): Promise<void> {
  await s.tx.query("select set_config('request.headers', $1, true)", [JSON.stringify({ 'cf-connecting-ip': address })]);
}

describe('inviting', () => {
  it('owners and admins invite as admin or member; the token is returned once and only its hash is stored', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const [persona, role] of [
        [ownerA, 'admin'],
        [adminA, 'member'],
        [adminA, 'admin'],
      ] as [Persona, string][]) {
        await s.as(persona);
        const email = `new-${role}-${randomUUID().slice(0, 8)}@Example.com `;
        const invitation = await invite(s, email, role);
        expect(invitation.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(invitation).toMatchObject({ email: email.trim().toLowerCase(), role });
        const days = (Date.parse(invitation.expires_at) - Date.now()) / 86_400_000;
        expect(days).toBeGreaterThan(6.99);
        expect(days).toBeLessThanOrEqual(7);
        await s.asOwner();
        const stored = await s.one<{ token_hash: Buffer; invited_by: string }>(
          'select token_hash, invited_by from public.organization_invitations where id = $1',
          [invitation.id],
        );
        expect(Buffer.from(stored.token_hash).toString('hex')).toBe(createHash('sha256').update(invitation.token).digest('hex'));
        expect(stored.invited_by).toBe(persona.userId);
        const text = await s.value<string>('select row_to_json(i)::text from public.organization_invitations i where id = $1', [invitation.id]);
        expect(text).not.toContain(invitation.token);
      }
    });
  });

  it('nobody invites an owner, and the address must be one email', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [ownerA, adminA]) {
        await s.as(persona);
        expect((await s.refused(inviteSql, [ids.orgA, 'x@example.com', 'owner'])).message).toBe('invalid_role');
        expect((await s.refused(inviteSql, [ids.orgA, 'x@example.com', 'boss'])).message).toBe('invalid_role');
        for (const email of ['not-an-email', 'a@b', 'two@example.com, three@example.com', '', `${'x'.repeat(250)}@example.com`]) {
          expect((await s.refused(inviteSql, [ids.orgA, email, 'member'])).message, email).toBe('invalid_email');
        }
      }
    });
  });

  it('members, outsiders and anonymous callers cannot invite, whatever the organization has', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [memberA, ownerB, loner]) {
        await s.as(persona);
        for (const role of ['member', 'admin', 'owner']) {
          const error = await s.refused(inviteSql, [ids.orgA, 'someone@example.com', role]);
          expect({ code: error.code, message: error.message }, persona.label).toEqual({ code: '42501', message: 'not_authorized' });
        }
        // The same answer for an organization that does not exist.
        expect((await s.refused(inviteSql, [randomUUID(), 'someone@example.com', 'member'])).message).toBe('not_authorized');
      }
      await s.as(anonymous);
      expect((await s.refused(inviteSql, [ids.orgA, 'someone@example.com', 'member'])).code).toBe('42501');
      await s.asOwner();
      expect(await s.value('select count(*)::int from public.organization_invitations')).toBe(0);
    });
  });

  it('inviting someone who already belongs is refused with already_member', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(adminA);
      expect((await s.refused(inviteSql, [ids.orgA, 'MEMBER-A@example.com', 'admin'])).message).toBe('already_member');
    });
  });

  it('inviting a pending address again renews it: one invitation, a new token and 7 days from now; the old link stops working', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      const first = await invite(s, 'again@example.com', 'member');
      await s.asOwner();
      await s.rows(`update public.organization_invitations set created_at = now() - interval '3 days', expires_at = now() + interval '4 days' where id = $1`, [first.id]);
      await s.as(adminA);
      const second = await invite(s, 'AGAIN@example.com', 'admin');
      expect(second.id).toBe(first.id);
      expect(second.token).not.toBe(first.token);
      expect(second.role).toBe('admin');
      expect(Date.parse(second.expires_at) - Date.now()).toBeGreaterThan(6.99 * 86_400_000);
      expect(await preview(s, first.token)).toBeNull();
      expect(await preview(s, second.token)).toMatchObject({ role: 'admin', organization_name: 'Organization A' });
      await s.asOwner();
      expect(await s.value(`select count(*)::int from public.organization_invitations where email = 'again@example.com'`)).toBe(1);
      // A revoked invitation does not block a new one for the same address.
      await s.as(ownerA);
      await s.rows('select public.revoke_invitation($1)', [second.id]);
      const third = await invite(s, 'again@example.com', 'member');
      expect(third.id).not.toBe(first.id);
    });
  });
});

describe('who sees and writes invitations', () => {
  it('owners and admins read their organization’s invitations; members and outsiders see none; anonymous is refused', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      const a = await invite(s, 'seen@example.com');
      await s.as(ownerB);
      const b = await invite(s, 'other@example.com', 'member', ids.orgB);
      const visible = 'select id from public.organization_invitations order by id';
      for (const persona of [ownerA, adminA]) {
        await s.as(persona);
        expect((await s.rows<{ id: string }>(visible)).map((r) => r.id), persona.label).toEqual([a.id]);
      }
      await s.as(ownerB);
      expect((await s.rows<{ id: string }>(visible)).map((r) => r.id)).toEqual([b.id]);
      for (const persona of [memberA, loner]) {
        await s.as(persona);
        expect(await s.rows(visible), persona.label).toEqual([]);
      }
      await s.as(anonymous);
      expect((await s.refused(visible)).code).toBe('42501');
    });
  });

  it('nobody reads the token hash, and no API role writes the table directly', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      const a = await invite(s, 'direct@example.com');
      expect((await s.refused('select token_hash from public.organization_invitations')).code).toBe('42501');
      for (const persona of [ownerA, adminA, memberA, loner, anonymous]) {
        await s.as(persona);
        expect(
          (await s.refused(`insert into public.organization_invitations (organization_id, email, role, token_hash) values ($1, 'x@example.com', 'member', $2)`, [
            ids.orgA,
            randomBytes(32),
          ])).code,
          persona.label,
        ).toBe('42501');
        expect((await s.refused(`update public.organization_invitations set role = 'admin' where id = $1`, [a.id])).code).toBe('42501');
        expect((await s.refused('delete from public.organization_invitations where id = $1', [a.id])).code).toBe('42501');
      }
    });
  });

  it('owners and admins revoke; members, outsiders and anonymous cannot; the link is then refused', async () => {
    await inRollback(testDb.db, async (s) => {
      const revoke = 'select public.revoke_invitation($1)';
      await s.as(ownerA);
      const first = await invite(s, 'revoke-1@example.com');
      const second = await invite(s, 'revoke-2@example.com');
      for (const persona of [memberA, ownerB, loner]) {
        await s.as(persona);
        expect((await s.refused(revoke, [first.id])).message, persona.label).toBe('not_authorized');
      }
      await s.as(ownerB);
      expect((await s.refused(revoke, [randomUUID()])).message).toBe('not_authorized');
      await s.as(anonymous);
      expect((await s.refused(revoke, [first.id])).code).toBe('42501');
      await s.as(adminA);
      await s.rows(revoke, [first.id]);
      await s.rows(revoke, [first.id]); // twice is harmless
      await s.as(ownerA);
      await s.rows(revoke, [second.id]);
      expect(await preview(s, first.token)).toBeNull();
      await s.asOwner();
      await s.rows(`update auth.users set email = 'revoke-1@example.com' where id = $1`, [loner.userId]);
      await s.as(loner);
      expect((await s.refused(acceptSql, [first.token])).message).toBe('invitation_revoked');
      expect(await roleOf(s, loner.userId!)).toBeNull();
    });
  });
});

describe('the invitation landing page (invitation_preview)', () => {
  it('anyone holding a live link sees the organization, the role, the address and who invited', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(adminA);
      const invitation = await invite(s, 'guest@example.com', 'admin');
      for (const persona of [anonymous, loner, ownerB]) {
        await s.as(persona);
        expect(await preview(s, invitation.token), persona.label).toEqual({
          organization_name: 'Organization A',
          role: 'admin',
          email: 'guest@example.com',
          invited_by: adminA.email,
          expires_at: expect.any(String) as string,
        });
      }
    });
  });

  it('a wrong, malformed, expired, revoked or used token all answer null', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      const expired = await invite(s, 'expired@example.com');
      const revoked = await invite(s, 'revoked@example.com');
      const used = await invite(s, loner.email);
      await s.rows('select public.revoke_invitation($1)', [revoked.id]);
      await s.asOwner();
      await s.rows(`update public.organization_invitations set expires_at = now() - interval '1 second' where id = $1`, [expired.id]);
      await s.as(loner);
      await accept(s, used.token);
      await s.as(anonymous);
      for (const token of [strayToken(), 'short', '', `${expired.token}x`, expired.token, revoked.token, used.token]) {
        expect(await preview(s, token), token).toBeNull();
      }
      expect(await s.value('select public.invitation_preview(null) as p')).toBeNull();
    });
  });

  it('a client that keeps guessing gets null for every token, live ones too, and accepting is refused with 429', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      const live = await invite(s, loner.email);
      await s.as(anonymous);
      await fromAddress(s, '198.51.100.7');
      expect(await preview(s, live.token)).not.toBeNull();
      for (let i = 0; i < 10; i++) expect(await preview(s, strayToken())).toBeNull();
      expect(await preview(s, live.token)).toBeNull();
      await s.as(loner);
      await fromAddress(s, '198.51.100.7');
      expect(await s.refused(acceptSql, [live.token])).toMatchObject({ code: 'PT429', message: 'too_many_attempts' });
      // Another client address is not affected.
      await fromAddress(s, '198.51.100.8');
      expect(await accept(s, live.token)).toMatchObject({ organization_id: ids.orgA, role: 'member' });
    });
  });

  it('wrong tokens given to accept_invitation count as guesses too', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(loner);
      await fromAddress(s, '198.51.100.9');
      for (let i = 0; i < 10; i++) expect(await accept(s, strayToken())).toBeNull();
      expect((await s.refused(acceptSql, [strayToken()])).message).toBe('too_many_attempts');
    });
  });
});

describe('accepting', () => {
  it('the signed-in user with the invited email (any case) joins with the invitation’s role, once', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(adminA);
      const invitation = await invite(s, 'LONER@Example.COM', 'admin');
      await s.as(loner);
      expect(await accept(s, invitation.token)).toEqual({ organization_id: ids.orgA, role: 'admin', already_member: false });
      expect(await roleOf(s, loner.userId!)).toBe('admin');
      await s.as(loner);
      expect((await s.refused(acceptSql, [invitation.token])).message).toBe('invitation_already_accepted');
      await s.asOwner();
      expect(
        await s.one('select accepted_by, accepted_at is not null as accepted from public.organization_invitations where id = $1', [invitation.id]),
      ).toEqual({ accepted_by: loner.userId, accepted: true });
      // The new member now sees the organization's data.
      await s.as(loner);
      expect(await s.value('select count(*)::int from public.promoters where organization_id = $1', [ids.orgA])).toBeGreaterThan(0);
    });
  });

  it('someone else, an anonymous caller, or an unconfirmed address cannot accept', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      const invitation = await invite(s, loner.email);
      for (const persona of [ownerB, memberA]) {
        await s.as(persona);
        expect(await s.refused(acceptSql, [invitation.token]), persona.label).toMatchObject({
          message: 'invitation_email_mismatch',
          hint: 'Sign in with the email address the invitation was sent to.',
        });
      }
      await s.as(anonymous);
      expect((await s.refused(acceptSql, [invitation.token])).code).toBe('42501');
      await s.asOwner();
      await s.rows('update auth.users set email_confirmed_at = null where id = $1', [loner.userId]);
      await s.as(loner);
      expect((await s.refused(acceptSql, [invitation.token])).message).toBe('email_not_confirmed');
      expect(await roleOf(s, loner.userId!)).toBeNull();
      expect(await roleOf(s, ownerB.userId!)).toBeNull();
    });
  });

  it('an expired invitation is refused with invitation_expired', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      const invitation = await invite(s, loner.email);
      await s.asOwner();
      await s.rows(`update public.organization_invitations set expires_at = now() where id = $1`, [invitation.id]);
      await s.as(loner);
      expect(await s.refused(acceptSql, [invitation.token])).toMatchObject({ code: 'P0001', message: 'invitation_expired' });
      expect(await roleOf(s, loner.userId!)).toBeNull();
    });
  });

  it('someone who already belongs accepts without changing their role', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      const invitation = await invite(s, loner.email, 'member');
      await s.asOwner();
      await s.rows(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'admin')`, [ids.orgA, loner.userId]);
      await s.as(loner);
      expect(await accept(s, invitation.token)).toEqual({ organization_id: ids.orgA, role: 'admin', already_member: true });
      expect(await roleOf(s, loner.userId!)).toBe('admin');
    });
  });

  it('removing a member who joined by invitation still replaces the organization’s live topic', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(ownerA);
      const invitation = await invite(s, loner.email);
      await s.as(loner);
      await accept(s, invitation.token);
      const before = await s.value<string>('select public.organization_live_topic($1) as topic', [ids.orgA]);
      await s.as(adminA);
      expect(await s.affected('delete from public.organization_members where organization_id = $1 and user_id = $2', [ids.orgA, loner.userId])).toBe(1);
      const after = await s.value<string>('select public.organization_live_topic($1) as topic', [ids.orgA]);
      expect(after).not.toBe(before);
      await s.as(loner);
      expect((await s.refused('select public.organization_live_topic($1)', [ids.orgA])).message).toBe('not_authorized');
    });
  });

  it.runIf(process.env.DATABASE_URL)('many concurrent accepts of one invitation: exactly one succeeds', async () => {
    const org = randomUUID();
    const token = strayToken();
    await testDb.db.transaction(async (tx) => {
      await tx.query(`insert into public.organizations (id, name) values ($1, 'Race Crew')`, [org]);
      await tx.query(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'owner')`, [org, ownerB.userId]);
      await tx.query(
        `insert into public.organization_invitations (organization_id, email, role, token_hash, invited_by)
         values ($1, $2, 'member', private.invitation_token_hash($3), $4)`,
        [org, loner.email, token, ownerB.userId],
      );
    });
    const racer = new Racer(testDb.databaseUrl!, 8);
    try {
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => racer.call(loner, acceptSql, [token])));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok).map((o) => o.message)).toEqual(Array(7).fill('invitation_already_accepted'));
    } finally {
      await racer.end();
    }
    const members = await testDb.db.query('select role::text from public.organization_members where organization_id = $1 and user_id = $2', [
      org,
      loner.userId,
    ]);
    expect(members.rows).toEqual([{ role: 'member' }]);
  });

  it.runIf(process.env.DATABASE_URL)('concurrent invitations of one address leave one open invitation, whose link is the last one handed out', async () => {
    const racer = new Racer(testDb.databaseUrl!, 6);
    try {
      const email = `race-${randomUUID().slice(0, 8)}@example.com`;
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => racer.call(ownerA, inviteSql, [ids.orgA, email, 'member'])));
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const rows = await testDb.db.query<{ token_hash: Buffer }>('select token_hash from public.organization_invitations where email = $1', [email]);
      expect(rows.rows).toHaveLength(1);
      const live = outcomes.filter(
        (o) => createHash('sha256').update((o.value as Invited).token).digest('hex') === Buffer.from(rows.rows[0].token_hash).toString('hex'),
      );
      expect(live).toHaveLength(1);
    } finally {
      await racer.end();
    }
  });
});

describe('the member list and roles', () => {
  const list = 'select user_id, email, role::text from public.organization_member_list($1)';

  it('every member sees the members with their emails, owners first; outsiders and anonymous cannot', async () => {
    await inRollback(testDb.db, async (s) => {
      for (const persona of [ownerA, adminA, memberA]) {
        await s.as(persona);
        expect(await s.rows(list, [ids.orgA]), persona.label).toEqual([
          { user_id: ownerA.userId, email: ownerA.email, role: 'owner' },
          { user_id: adminA.userId, email: adminA.email, role: 'admin' },
          { user_id: memberA.userId, email: memberA.email, role: 'member' },
        ]);
      }
      for (const persona of [ownerB, loner]) {
        await s.as(persona);
        expect((await s.refused(list, [ids.orgA])).message, persona.label).toBe('not_authorized');
      }
      await s.as(anonymous);
      expect((await s.refused(list, [ids.orgA])).code).toBe('42501');
    });
  });

  it('roles per role: owners make owners; admins manage members and admins only; members change nothing; the last owner stays', async () => {
    const setRole = `update public.organization_members set role = $1::public.organization_role where organization_id = $2 and user_id = $3`;
    await inRollback(testDb.db, async (s) => {
      await s.as(memberA);
      expect(await s.affected(setRole, ['admin', ids.orgA, memberA.userId])).toBe(0);
      await s.as(adminA);
      expect(await s.affected(setRole, ['admin', ids.orgA, memberA.userId])).toBe(1);
      expect((await s.refused(setRole, ['owner', ids.orgA, memberA.userId])).code).toBe('42501');
      expect(await s.affected(setRole, ['member', ids.orgA, ownerA.userId])).toBe(0);
      await s.as(ownerA);
      expect((await s.refused(setRole, ['admin', ids.orgA, ownerA.userId])).message).toBe('last_owner');
      expect(await s.affected(setRole, ['owner', ids.orgA, memberA.userId])).toBe(1);
      expect(await s.affected(setRole, ['admin', ids.orgA, ownerA.userId])).toBe(1);
      expect(await roleOf(s, ownerA.userId!)).toBe('admin');
      expect(await roleOf(s, memberA.userId!)).toBe('owner');
    });
  });
});
