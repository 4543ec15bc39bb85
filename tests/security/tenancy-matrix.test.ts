/**
 * The tenancy matrix: every table and every API-visible function of `public`, read from
 * the live schema, against every persona and operation, checked against the intended
 * policy declared below (from docs/api-contract.md and the migrations). A table without
 * RLS, or a table or function without an entry here, fails the suite — a new table or
 * function has to be given its intended policy before the tests pass again.
 *
 * All persona traffic goes through supabase-js and the emulator; outcomes are verified
 * as the database owner (who bypasses RLS), so a refusal counts only if nothing changed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRaw, isReplyTo, type Message, type RawSocket } from '../api/phoenix.ts';
import { userId } from '../helpers/emulator.ts';
import type { EventSpec } from '../helpers/factory.ts';
import { createWorld, PERSONAS, type OrganizationFixture, type Persona, type World } from './support/world.ts';

type Key = Record<string, string>;
type Row = Record<string, unknown>;

/** Who sees which rows. */
type Visibility = 'members' | 'members+published' | 'owners+admins';

const NOBODY: readonly Persona[] = [];
const MEMBERS_A: readonly Persona[] = ['memberA', 'adminA', 'ownerA'];
const ADMINS_A: readonly Persona[] = ['adminA', 'ownerA'];
const SIGNED_IN: readonly Persona[] = ['noOrganization', 'memberA', 'adminA', 'ownerA', 'memberB'];
const EVERYONE: readonly Persona[] = PERSONAS;

interface TableEntry {
  /** The column that says which organization a row belongs to. */
  orgColumn: string;
  keyColumns: string[];
  select: Visibility;
  /** SQL condition (on alias `t`) for rows that anyone may read when visibility is members+published. */
  published?: string;
  insert: readonly Persona[];
  update: readonly Persona[];
  delete: readonly Persona[];
  /** A valid new row in organization A, for an insert through the API; arranges what it needs. */
  newRow(world: World): Promise<Row>;
  /** Inserts (as the owner) a throwaway row of organization A and returns its key. */
  disposable(world: World): Promise<Key>;
  /** The change an update attempts. */
  change: { column: string; value: string | boolean | number | ((world: World) => string) };
}

const tomorrow = () => new Date(Date.now() + 86_400_000);

async function one(world: World, sql: string, params: unknown[]): Promise<string> {
  const result = await world.db.query<{ id: string }>(sql, params);
  return result.rows[0].id;
}

/** Creates an event of the organization and renames it; returns the slug it gave up. */
async function retiredSlug(world: World, org: OrganizationFixture, status: EventSpec['status'] = 'draft'): Promise<string> {
  const slug = `retired-${world.unique()}`;
  const { id } = await world.make.event(org, { slug, name: 'Renamed', status, startsAt: tomorrow(), ticketTypes: [] });
  await world.db.query('update public.events set slug = $1 where id = $2', [`${slug}-now`, id]);
  return slug;
}

/** An open invitation of the organization to `email`, written as the database owner, with its link's token. */
async function newInvitation(world: World, org: OrganizationFixture, email = `invitee-${world.unique()}@example.com`): Promise<{ id: string; token: string }> {
  const token = randomBytes(32).toString('base64url');
  const id = await one(
    world,
    `insert into public.organization_invitations (organization_id, email, role, token_hash) values ($1, $2, 'member', private.invitation_token_hash($3)) returning id`,
    [org.id, email.toLowerCase(), token],
  );
  return { id, token };
}

const newPromoter = async (world: World, org: OrganizationFixture) =>
  (await world.make.promoter(org, { name: 'Temp', code: `TMP${world.unique()}` })).id;

/** Gives a new promoter of the organization a new code; returns the history row of the old one. */
async function formerCode(world: World, org: OrganizationFixture): Promise<string> {
  const promoter = await newPromoter(world, org);
  await world.db.query(`update public.promoters set promo_code = $2 where id = $1`, [promoter, `RENAMED${world.unique()}`]);
  return one(world, 'select id from public.promoter_code_history where promoter_id = $1', [promoter]);
}

const TABLES: Record<string, TableEntry> = {
  organizations: {
    orgColumn: 'id',
    keyColumns: ['id'],
    select: 'members',
    insert: NOBODY,
    update: ADMINS_A,
    delete: NOBODY,
    newRow: async (world) => ({ id: randomUUID(), name: `Org ${world.unique()}` }),
    async disposable(world) {
      // A copy of organization A with the same people in the same roles.
      const { id } = await world.make.organization({ name: `Copy ${world.unique()}`, currency: 'EUR' });
      await world.db.query(
        `insert into public.organization_members (organization_id, user_id, role)
         select $1, user_id, role from public.organization_members where organization_id = $2`,
        [id, world.a.id],
      );
      return { id };
    },
    change: { column: 'name', value: 'Renamed' },
  },
  organization_members: {
    orgColumn: 'organization_id',
    keyColumns: ['organization_id', 'user_id'],
    select: 'members',
    // Nobody is added without accepting; organizations start with create_organization.
    insert: NOBODY,
    update: ADMINS_A,
    // Of a plain member: owners and admins (and the member, leaving; see below).
    delete: ADMINS_A,
    newRow: async (world) => ({ organization_id: world.a.id, user_id: await world.spareUser(), role: 'member' }),
    async disposable(world) {
      const user = await world.spareUser();
      await world.make.member(world.a.id, user, 'member');
      return { organization_id: world.a.id, user_id: user };
    },
    change: { column: 'role', value: 'admin' },
  },
  organization_invitations: {
    orgColumn: 'organization_id',
    keyColumns: ['id'],
    select: 'owners+admins',
    // Written only by invite_member, revoke_invitation and accept_invitation.
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    newRow: async (world) => ({
      id: randomUUID(),
      organization_id: world.a.id,
      email: `forged-${world.unique()}@example.com`,
      role: 'member',
      token_hash: `\\x${randomBytes(32).toString('hex')}`,
    }),
    disposable: async (world) => ({ id: (await newInvitation(world, world.a)).id }),
    change: { column: 'role', value: 'admin' },
  },
  events: {
    orgColumn: 'organization_id',
    keyColumns: ['id'],
    select: 'members+published',
    published: `t.status = 'published'`,
    insert: MEMBERS_A,
    update: MEMBERS_A,
    delete: MEMBERS_A,
    newRow: async (world) => ({
      id: randomUUID(),
      organization_id: world.a.id,
      slug: `new-${world.unique()}`,
      name: 'New event',
      starts_at: new Date(Date.now() + 86_400_000).toISOString(),
    }),
    disposable: async (world) => ({
      id: (await world.make.event(world.a, { slug: `temp-${world.unique()}`, name: 'Temp', status: 'draft', startsAt: tomorrow(), ticketTypes: [] })).id,
    }),
    change: { column: 'name', value: 'Renamed' },
  },
  event_slug_history: {
    orgColumn: 'organization_id',
    keyColumns: ['slug'],
    select: 'members',
    // Kept by triggers on events only.
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    newRow: async (world) => ({ slug: `stolen-${world.unique()}`, organization_id: world.a.id, event_id: world.a.publishedEventId }),
    disposable: async (world) => ({ slug: await retiredSlug(world, world.a) }),
    change: { column: 'retired_at', value: '2001-01-01T00:00:00.000Z' },
  },
  ticket_types: {
    orgColumn: 'organization_id',
    keyColumns: ['id'],
    select: 'members+published',
    published: `exists (select 1 from public.events e where e.id = t.event_id and e.status = 'published')`,
    insert: MEMBERS_A,
    update: MEMBERS_A,
    delete: MEMBERS_A,
    newRow: async (world) => ({
      id: randomUUID(),
      organization_id: world.a.id,
      event_id: world.a.draftEventId,
      name: 'New type',
      price_minor: 500,
      capacity: 5,
    }),
    disposable: async (world) => ({
      id: (await world.make.ticketType(world.a, world.a.draftEventId, { name: 'Temp', price_minor: 1, capacity: 1 })).id,
    }),
    change: { column: 'name', value: 'Renamed' },
  },
  promoters: {
    orgColumn: 'organization_id',
    keyColumns: ['id'],
    select: 'members',
    insert: MEMBERS_A,
    update: MEMBERS_A,
    // Only through request_promoter_deletion / confirm_promoter_deletion.
    delete: NOBODY,
    newRow: async (world) => ({ id: randomUUID(), organization_id: world.a.id, name: 'New', promo_code: `NEW${world.unique()}` }),
    disposable: async (world) => ({ id: await newPromoter(world, world.a) }),
    change: { column: 'name', value: 'Renamed' },
  },
  promoter_code_history: {
    orgColumn: 'organization_id',
    keyColumns: ['id'],
    select: 'members',
    // Kept by triggers on promoters only.
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    newRow: async (world) => ({
      id: randomUUID(),
      organization_id: world.a.id,
      promoter_id: await newPromoter(world, world.a),
      promo_code: `STOLEN${world.unique()}`,
    }),
    disposable: async (world) => ({ id: await formerCode(world, world.a) }),
    change: { column: 'retired_at', value: '2001-01-01T00:00:00.000Z' },
  },
  event_promoters: {
    orgColumn: 'organization_id',
    keyColumns: ['id'],
    select: 'members',
    insert: MEMBERS_A,
    update: MEMBERS_A,
    // Links are deactivated, never deleted.
    delete: NOBODY,
    newRow: async (world) => ({
      id: randomUUID(),
      organization_id: world.a.id,
      event_id: world.a.publishedEventId,
      promoter_id: await newPromoter(world, world.a),
    }),
    disposable: async (world) => ({
      id: (await world.make.link(world.a, { eventId: world.a.publishedEventId, promoterId: await newPromoter(world, world.a) })).id,
    }),
    change: { column: 'active', value: false },
  },
  promoter_groups: {
    orgColumn: 'organization_id',
    keyColumns: ['id'],
    select: 'members',
    insert: MEMBERS_A,
    update: MEMBERS_A,
    delete: MEMBERS_A,
    newRow: async (world) => ({ id: randomUUID(), organization_id: world.a.id, name: `Group ${world.unique()}` }),
    disposable: async (world) => ({
      id: (await world.make.group(world.a, { name: `Temp ${world.unique()}`, color: null })).id,
    }),
    // Group names are unique per organization: every attempt needs its own.
    change: { column: 'name', value: (world) => `Renamed ${world.unique()}` },
  },
  promoter_group_members: {
    orgColumn: 'organization_id',
    keyColumns: ['group_id', 'promoter_id'],
    select: 'members',
    insert: MEMBERS_A,
    // Memberships are added and removed, never edited.
    update: NOBODY,
    delete: MEMBERS_A,
    newRow: async (world) => ({ organization_id: world.a.id, group_id: world.a.groupId, promoter_id: await newPromoter(world, world.a) }),
    async disposable(world) {
      const promoter = await newPromoter(world, world.a);
      await world.make.groupMember(world.a, world.a.groupId, promoter);
      return { group_id: world.a.groupId, promoter_id: promoter };
    },
    change: { column: 'created_at', value: '2001-01-01T00:00:00.000Z' },
  },
  promoter_visits: {
    orgColumn: 'organization_id',
    keyColumns: ['id'],
    select: 'members',
    // Written only by track_promoter_visit.
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    newRow: async (world) => ({
      id: randomUUID(),
      organization_id: world.a.id,
      event_id: world.a.publishedEventId,
      promoter_id: world.a.promoterId,
      session_id: randomUUID(),
      token: `forged-${world.unique()}`,
    }),
    async disposable(world) {
      const visit = await world.db.query<{ token: string }>('select public.track_promoter_visit($1, $2, $3) as token', [
        world.a.publishedEventSlug,
        world.a.promoCode,
        randomUUID(),
      ]);
      return { id: await one(world, 'select id from public.promoter_visits where token = $1', [visit.rows[0].token]) };
    },
    change: { column: 'token', value: 'forged-token' },
  },
  orders: {
    orgColumn: 'organization_id',
    keyColumns: ['id'],
    select: 'members',
    // Written only by checkout and refund_order.
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    newRow: async (world) => ({
      id: randomUUID(),
      organization_id: world.a.id,
      event_id: world.a.publishedEventId,
      reference: `PL-${world.unique().toUpperCase()}`,
      buyer_name: 'Forger',
      buyer_email: 'forger@example.com',
      currency: 'EUR',
      total_minor: 0,
      ticket_count: 1,
      idempotency_key: randomUUID(),
    }),
    disposable: async (world) => ({ id: await world.buy(world.a) }),
    change: { column: 'status', value: 'refunded' },
  },
  order_items: {
    orgColumn: 'organization_id',
    keyColumns: ['id'],
    select: 'members',
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    newRow: async (world) => ({
      id: randomUUID(),
      organization_id: world.a.id,
      order_id: world.a.orderId,
      ticket_type_id: world.a.ticketTypeId,
      quantity: 1,
      unit_price_minor: 0,
    }),
    disposable: async (world) => ({
      id: await one(world, 'select id from public.order_items where order_id = $1', [await world.buy(world.a)]),
    }),
    change: { column: 'unit_price_minor', value: 0 },
  },
  attributions: {
    orgColumn: 'organization_id',
    keyColumns: ['id'],
    select: 'members',
    // Written only by checkout; removed only with the promoter.
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    newRow: async (world) => ({
      id: randomUUID(),
      organization_id: world.a.id,
      order_id: await world.buy(world.a),
      promoter_id: world.a.promoterId,
      event_id: world.a.publishedEventId,
      visit_id: world.a.visitId,
    }),
    disposable: async (world) => ({
      id: await one(world, 'select id from public.attributions where order_id = $1', [await world.buy(world.a, await world.freshToken(world.a))]),
    }),
    change: { column: 'created_at', value: '2001-01-01T00:00:00.000Z' },
  },
};

interface FunctionEntry {
  allowed: readonly Persona[];
  /** Arguments aimed at organization A; may arrange what the call needs (for the persona about to call). */
  args(world: World, persona: Persona): Promise<Row>;
  /** Whether the call took effect, asked of the database afterwards (for functions that write). */
  tookEffect?(world: World, args: Row): Promise<boolean>;
  /** Allowed personas whose call succeeds with null and takes no effect. */
  answersNullFor?: readonly Persona[];
}

const exists = async (world: World, sql: string, params: unknown[]) => (await world.db.query(sql, params)).rows.length > 0;

/** A live portal of a new promoter of organization A, written as the database owner. */
async function newPortal(world: World): Promise<{ promoterId: string; secret: string }> {
  const promoterId = await newPromoter(world, world.a);
  const secret = randomBytes(32).toString('base64url');
  await world.db.query(
    `insert into private.promoter_portals (promoter_id, organization_id, secret_hash, topic_key)
     values ($1, $2, private.portal_secret_hash($3), encode(extensions.gen_random_bytes(16), 'hex'))`,
    [promoterId, world.a.id, secret],
  );
  return { promoterId, secret };
}
let settingsCalls = 0;

const FUNCTIONS: Record<string, FunctionEntry> = {
  create_organization: {
    allowed: SIGNED_IN,
    args: async (world) => ({ p_name: `Org ${world.unique()}`, p_currency: 'EUR' }),
    tookEffect: (world, args) => exists(world, 'select 1 from public.organizations where name = $1', [args.p_name]),
  },
  track_promoter_visit: {
    allowed: EVERYONE,
    // The organization's own people opening its links are not visitors.
    answersNullFor: ['memberA', 'adminA', 'ownerA'],
    args: async (world) => ({ p_event_slug: world.a.publishedEventSlug, p_promo_code: world.a.promoCode, p_session_id: randomUUID() }),
    tookEffect: (world, args) => exists(world, 'select 1 from public.promoter_visits where session_id = $1', [args.p_session_id]),
  },
  checkout: {
    allowed: EVERYONE,
    args: async (world) => ({
      p_event_slug: world.a.publishedEventSlug,
      p_items: [{ ticket_type_id: world.a.ticketTypeId, quantity: 1 }],
      p_buyer_name: 'Grace',
      p_buyer_email: 'grace@example.com',
      p_idempotency_key: randomUUID(),
    }),
    tookEffect: (world, args) => exists(world, 'select 1 from public.orders where idempotency_key = $1', [args.p_idempotency_key]),
  },
  set_attribution_settings: {
    allowed: ADMINS_A,
    // A different window per call, so a refused call cannot pass for an earlier one.
    args: async (world) => ({ p_organization_id: world.a.id, p_attribution_window_days: (settingsCalls++ % 90) + 1, p_referral_code_at_checkout: false }),
    tookEffect: (world, args) =>
      exists(world, 'select 1 from public.organizations where id = $1 and attribution_window_days = $2', [world.a.id, args.p_attribution_window_days]),
  },
  check_referral_code: {
    allowed: EVERYONE,
    args: async (world) => ({ p_event_slug: world.a.publishedEventSlug, p_referral_code: world.a.promoCode }),
  },
  promoter_source_split: { allowed: MEMBERS_A, args: async (world) => ({ p_promoter_id: world.a.promoterId }) },
  refund_order: {
    allowed: ADMINS_A,
    args: async (world) => ({ p_order_id: await world.buy(world.a) }),
    tookEffect: (world, args) => exists(world, `select 1 from public.orders where id = $1 and status = 'refunded'`, [args.p_order_id]),
  },
  list_orders: { allowed: MEMBERS_A, args: async (world) => ({ p_organization_id: world.a.id }) },
  order_detail: { allowed: MEMBERS_A, args: async (world) => ({ p_order_id: await world.buy(world.a) }) },
  promoter_performance: { allowed: MEMBERS_A, args: async (world) => ({ p_organization_id: world.a.id }) },
  promoter_summary: { allowed: MEMBERS_A, args: async (world) => ({ p_organization_id: world.a.id }) },
  promoter_group_performance: { allowed: MEMBERS_A, args: async (world) => ({ p_organization_id: world.a.id }) },
  event_performance: { allowed: MEMBERS_A, args: async (world) => ({ p_organization_id: world.a.id }) },
  promoter_sales_timeseries: {
    allowed: MEMBERS_A,
    args: async (world) => ({ p_promoter_id: world.a.promoterId, p_from: '2026-01-01', p_to: '2026-12-31' }),
  },
  resolve_event_slug: {
    allowed: EVERYONE,
    args: async (world) => ({ p_slug: await retiredSlug(world, world.a, 'published') }),
  },
  organization_live_topic: { allowed: MEMBERS_A, args: async (world) => ({ p_organization_id: world.a.id }) },
  organization_member_list: { allowed: MEMBERS_A, args: async (world) => ({ p_organization_id: world.a.id }) },
  invite_member: {
    allowed: ADMINS_A,
    args: async (world) => ({ p_organization_id: world.a.id, p_email: `invited-${world.unique()}@example.com`, p_role: 'member' }),
    tookEffect: (world, args) => exists(world, 'select 1 from public.organization_invitations where email = $1', [args.p_email]),
  },
  revoke_invitation: {
    allowed: ADMINS_A,
    args: async (world) => ({ p_invitation_id: (await newInvitation(world, world.a)).id }),
    tookEffect: (world, args) =>
      exists(world, 'select 1 from public.organization_invitations where id = $1 and revoked_at is not null', [args.p_invitation_id]),
  },
  // The landing page: anyone holding a live link.
  invitation_preview: { allowed: EVERYONE, args: async (world) => ({ p_token: (await newInvitation(world, world.a)).token }) },
  accept_invitation: {
    // Every signed-in user, for an invitation to their own email address (into a fresh
    // organization, so that the world's memberships stay as they are).
    allowed: SIGNED_IN,
    async args(world, persona) {
      const email =
        persona === 'anonymous'
          ? `nobody-${world.unique()}@example.com`
          : await one(world, 'select email as id from auth.users where id = $1', [world.userIds[persona]]);
      const org = await world.make.organization({ name: `Inviting ${world.unique()}` });
      return { p_token: (await newInvitation(world, { ...world.a, id: org.id }, email)).token };
    },
    tookEffect: (world, args) =>
      exists(world, 'select 1 from public.organization_invitations where token_hash = private.invitation_token_hash($1) and accepted_at is not null', [
        args.p_token,
      ]),
  },
  is_promo_code_available: {
    allowed: MEMBERS_A,
    args: async (world) => ({ p_organization_id: world.a.id, p_promo_code: `FREE${world.unique()}`, p_promoter_id: world.a.promoterId }),
  },
  save_event: {
    allowed: MEMBERS_A,
    args: async (world) => ({
      p_organization_id: world.a.id,
      p_event_id: null,
      p_name: 'Matrix event',
      p_slug: `matrix-${world.unique()}`.toLowerCase(),
      p_description: '',
      p_venue: '',
      p_starts_at: '2030-01-01T20:00:00Z',
      p_ticket_types: [{ name: 'Entry', price_minor: 100, capacity: 10 }],
    }),
    tookEffect: (world, args) => exists(world, 'select 1 from public.events where slug = $1', [args.p_slug]),
  },
  save_promoter: {
    allowed: MEMBERS_A,
    args: async (world) => ({
      p_organization_id: world.a.id,
      p_promoter_id: null,
      p_name: 'Matrix promoter',
      p_promo_code: `MX${world.unique()}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32),
      p_email: null,
      p_phone: null,
      p_notes: null,
      p_event_ids: [world.a.publishedEventId],
      p_group_ids: [],
    }),
    tookEffect: (world, args) =>
      exists(world, 'select 1 from public.promoters where organization_id = $1 and promo_code = $2', [world.a.id, args.p_promo_code]),
  },
  rotate_promoter_portal: {
    allowed: MEMBERS_A,
    args: async (world) => ({ p_promoter_id: await newPromoter(world, world.a) }),
    tookEffect: (world, args) => exists(world, 'select 1 from private.promoter_portals where promoter_id = $1', [args.p_promoter_id]),
  },
  disable_promoter_portal: {
    allowed: MEMBERS_A,
    args: async (world) => ({ p_promoter_id: (await newPortal(world)).promoterId }),
    tookEffect: (world, args) =>
      exists(world, 'select 1 from private.promoter_portals where promoter_id = $1 and not enabled', [args.p_promoter_id]),
  },
  promoter_portal_status: { allowed: MEMBERS_A, args: async (world) => ({ p_promoter_id: world.a.promoterId }) },
  // The portal page: anyone holding a live portal link.
  portal_view: { allowed: EVERYONE, args: async (world) => ({ p_secret: (await newPortal(world)).secret }) },
  set_portal_settings: {
    allowed: ADMINS_A,
    args: async (world) => ({ p_organization_id: world.a.id, p_show_revenue: true, p_show_rank: false }),
  },
  set_self_referral_setting: {
    allowed: ADMINS_A,
    // The opposite of the current choice, so a refused call cannot pass for an earlier one.
    args: async (world) => ({
      p_organization_id: world.a.id,
      p_count_self_referrals: (await one(world, 'select (not count_self_referrals)::text as id from public.organizations where id = $1', [world.a.id])) === 'true',
    }),
    tookEffect: (world, args) =>
      exists(world, 'select 1 from public.organizations where id = $1 and count_self_referrals = $2', [world.a.id, args.p_count_self_referrals]),
  },
  import_promoters: {
    allowed: MEMBERS_A,
    args: async (world) => ({
      p_organization_id: world.a.id,
      p_rows: [{ name: 'Matrix import', promo_code: `MI${world.unique()}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32) }],
      p_dry_run: false,
    }),
    tookEffect: (world, args) =>
      exists(world, 'select 1 from public.promoters where organization_id = $1 and promo_code = $2', [
        world.a.id,
        (args.p_rows as { promo_code: string }[])[0].promo_code,
      ]),
  },
  bulk_activate_promoters: {
    allowed: MEMBERS_A,
    args: async (world) => ({ p_organization_id: world.a.id, p_event_id: world.a.publishedEventId, p_promoter_ids: [await newPromoter(world, world.a)] }),
    tookEffect: (world, args) =>
      exists(world, 'select 1 from public.event_promoters where event_id = $1 and promoter_id = $2 and active', [
        world.a.publishedEventId,
        (args.p_promoter_ids as string[])[0],
      ]),
  },
  request_promoter_deletion: {
    allowed: ADMINS_A,
    args: async (world) => ({ p_promoter_id: await newPromoter(world, world.a) }),
    tookEffect: (world, args) =>
      exists(world, 'select 1 from private.promoter_deletion_requests where promoter_id = $1', [args.p_promoter_id]),
  },
  confirm_promoter_deletion: {
    allowed: ADMINS_A,
    async args(world) {
      const promoter = await newPromoter(world, world.a);
      // The first confirmation comes from an owner; the persona gives the second.
      const { data, error } = await world.clients.ownerA.rpc('request_promoter_deletion', { p_promoter_id: promoter });
      if (error) throw error;
      const code = (await world.db.query<{ promo_code: string }>('select promo_code from public.promoters where id = $1', [promoter]))
        .rows[0].promo_code;
      return { p_promoter_id: promoter, p_token: (data as { token: string }).token, p_promo_code: code };
    },
    tookEffect: async (world, args) => !(await exists(world, 'select 1 from public.promoters where id = $1', [args.p_promoter_id])),
  },
};

// The live schema, read before the tests are generated.
const world = await createWorld();
afterAll(() => world.stop());
// Every organization has a former slug, so members see rows of event_slug_history, and
// an open invitation.
await retiredSlug(world, world.a);
await retiredSlug(world, world.b);
await newInvitation(world, world.a);
await newInvitation(world, world.b);
// And a former promo code, so members see rows of promoter_code_history.
await formerCode(world, world.a);
await formerCode(world, world.b);

const liveTables = (
  await world.db.query<{ relname: string; relrowsecurity: boolean }>(
    `select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1`,
  )
).rows;
const liveFunctions = (
  await world.db.query<{ proname: string }>(
    `select distinct p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'public'
       and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute'))
     order by 1`,
  )
).rows.map((row) => row.proname);

function keyFilter(key: Key): { sql: string; params: string[] } {
  const columns = Object.keys(key);
  return { sql: columns.map((column, i) => `t.${column} = $${i + 1}`).join(' and '), params: columns.map((column) => key[column]) };
}

async function rowExists(table: string, key: Key, extra?: { column: string; value: unknown }): Promise<boolean> {
  const filter = keyFilter(key);
  const params: unknown[] = [...filter.params];
  let sql = `select 1 from public.${table} t where ${filter.sql}`;
  if (extra) {
    params.push(extra.value);
    sql += ` and t.${extra.column} = $${params.length}`;
  }
  return exists(world, sql, params);
}

/** The organizations a persona belongs to (as owner or admin only, if asked), as the database owner sees it. */
async function organizationsOf(persona: Persona, ownersAndAdmins = false): Promise<string[]> {
  if (persona === 'anonymous') return [];
  const result = await world.db.query<{ organization_id: string }>(
    `select organization_id from public.organization_members where user_id = $1${ownersAndAdmins ? ` and role in ('owner', 'admin')` : ''}`,
    [world.userIds[persona]],
  );
  return result.rows.map((row) => row.organization_id);
}

function keyString(row: Row, columns: string[]): string {
  return columns.map((column) => String(row[column])).join('/');
}

describe('every table and function the API can reach is covered by the matrix', () => {
  it('every table in public has row-level security enabled', () => {
    expect(liveTables.filter((table) => !table.relrowsecurity).map((table) => table.relname)).toEqual([]);
  });

  it('every table in public has an entry in the tenancy matrix, and every entry names a live table', () => {
    const live = liveTables.map((table) => table.relname);
    expect(live.filter((table) => !(table in TABLES))).toEqual([]);
    expect(Object.keys(TABLES).filter((table) => !live.includes(table))).toEqual([]);
  });

  it('every function the API roles may execute has an entry, and every entry names a live function', () => {
    expect(liveFunctions.filter((name) => !(name in FUNCTIONS))).toEqual([]);
    expect(Object.keys(FUNCTIONS).filter((name) => !liveFunctions.includes(name))).toEqual([]);
  });

  it('outside public the API roles reach only realtime.messages, and that table has row-level security', async () => {
    // Supabase grants realtime.messages to anon and authenticated and lets RLS decide;
    // nothing else outside public (private rollups, auth) may be reachable at all.
    const result = await world.db.query<{ grant: string }>(
      `select distinct n.nspname || '.' || c.relname || (case when c.relrowsecurity then ' (rls)' else '' end) as grant
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       cross join (values ('anon'), ('authenticated')) as r (rolname)
       cross join (values ('select'), ('insert'), ('update'), ('delete')) as p (privilege)
       where c.relkind in ('r', 'p', 'v', 'm')
         and n.nspname not in ('public', 'pg_catalog', 'information_schema')
         and has_table_privilege(r.rolname, c.oid, p.privilege)
       order by 1`,
    );
    expect(result.rows.map((row) => row.grant)).toEqual(['realtime.messages (rls)']);
  });
});

for (const { relname: table } of liveTables) {
  const entry = TABLES[table];
  if (!entry) continue; // reported by the coverage test above
  describe(`table ${table}`, () => {
    for (const persona of PERSONAS) {
      // Table names come from the live schema, so the client is used untyped here.
      const client = () => world.clients[persona] as unknown as SupabaseClient;

      const seesWhat = {
        members: 'its organizations’ rows',
        'members+published': 'its organizations’ rows and published ones',
        'owners+admins': 'the rows of the organizations it owns or administers',
      }[entry.select];
      it(`${persona} reads exactly ${seesWhat}`, async () => {
        const orgs = await organizationsOf(persona, entry.select === 'owners+admins');
        const expected = await world.db.query<Row>(
          `select ${entry.keyColumns.map((c) => `t.${c}`).join(', ')} from public.${table} t
           where t.${entry.orgColumn} = any($1::uuid[])${entry.published ? ` or (${entry.published})` : ''}`,
          [orgs],
        );
        const { data, error, status, count } = await client().from(table).select(entry.keyColumns.join(','), { count: 'exact' });
        expect(status).toBeLessThan(500);
        // The count must not leak rows the persona cannot see either.
        if (!error) expect(count).toBe(expected.rows.length);
        const seen = error ? [] : ((data ?? []) as unknown as Row[]);
        // A refusal by grant (42501) counts as seeing nothing; anything else is a failure.
        if (error) expect(error.code).toBe('42501');
        expect(seen.map((row) => keyString(row, entry.keyColumns)).sort()).toEqual(
          expected.rows.map((row) => keyString(row, entry.keyColumns)).sort(),
        );
        if (entry.select === 'owners+admins' ? persona === 'adminA' : persona === 'memberA' || persona === 'memberB') {
          // Sanity: the persona does see its own organization's fixture rows.
          expect(seen.length).toBeGreaterThan(0);
        }
      });

      const mayInsert = entry.insert.includes(persona);
      it(`${persona} ${mayInsert ? 'may' : 'may not'} insert into organization A`, async () => {
        const row = await entry.newRow(world);
        const { error, status } = await client().from(table).insert(row);
        expect(status).toBeLessThan(500);
        const key = Object.fromEntries(entry.keyColumns.map((column) => [column, String(row[column])]));
        const inserted = await rowExists(table, key);
        expect({ error: error ? 'refused' : 'accepted', inserted }).toEqual(
          mayInsert ? { error: 'accepted', inserted: true } : { error: 'refused', inserted: false },
        );
      });

      const mayUpdate = entry.update.includes(persona);
      it(`${persona} ${mayUpdate ? 'may' : 'may not'} update organization A's ${table}`, async () => {
        const key = await entry.disposable(world);
        const { column } = entry.change;
        const value = typeof entry.change.value === 'function' ? entry.change.value(world) : entry.change.value;
        const { status } = await client()
          .from(table)
          .update({ [column]: value })
          .match(key);
        expect(status).toBeLessThan(500);
        expect(await rowExists(table, key, { column, value })).toBe(mayUpdate);
        expect(await rowExists(table, key)).toBe(true);
      });

      const mayDelete = entry.delete.includes(persona);
      it(`${persona} ${mayDelete ? 'may' : 'may not'} delete organization A's ${table}`, async () => {
        const key = await entry.disposable(world);
        const { status } = await client().from(table).delete().match(key);
        expect(status).toBeLessThan(500);
        expect(await rowExists(table, key)).toBe(!mayDelete);
      });
    }
  });
}

const isRefusal = (error: { code?: string; message?: string } | null) =>
  error !== null && (error.code === '42501' || error.message === 'not_authorized' || error.message === 'order_not_found');

for (const name of liveFunctions) {
  const entry = FUNCTIONS[name];
  if (!entry) continue;
  describe(`function ${name}`, () => {
    for (const persona of PERSONAS) {
      const allowed = entry.allowed.includes(persona);
      it(`${persona} ${allowed ? 'may' : 'may not'} call it on organization A`, async () => {
        const args = await entry.args(world, persona);
        const { data, error, status } = await world.clients[persona].rpc(name as 'checkout', args as never);
        expect(status).toBeLessThan(500);
        const silent = allowed && (entry.answersNullFor?.includes(persona) ?? false);
        if (allowed) {
          expect(error).toBeNull();
          if (silent) expect(data).toBeNull();
          else expect(data).not.toBeNull();
        } else {
          expect(isRefusal(error), JSON.stringify(error)).toBe(true);
        }
        if (entry.tookEffect) expect(await entry.tookEffect(world, args)).toBe(allowed && !silent);
      });
    }
  });
}

describe('escalation and cross-organization writes', () => {
  it('an admin cannot make anyone an owner, and a member cannot promote themself', async () => {
    const spare = await world.spareUser();
    const grant = await world.clients.adminA.from('organization_members').insert({ organization_id: world.a.id, user_id: spare, role: 'owner' });
    expect(grant.error?.code).toBe('42501');
    await world.clients.adminA.from('organization_members').update({ role: 'owner' }).match({ organization_id: world.a.id, user_id: world.userIds.adminA });
    await world.clients.memberA.from('organization_members').update({ role: 'admin' }).match({ organization_id: world.a.id, user_id: world.userIds.memberA });
    const roles = await world.db.query<{ user_id: string; role: string }>(
      'select user_id, role from public.organization_members where organization_id = $1 and user_id = any($2::uuid[]) order by role',
      [world.a.id, [spare, world.userIds.adminA, world.userIds.memberA]],
    );
    expect(roles.rows).toEqual([
      { user_id: world.userIds.adminA, role: 'admin' },
      { user_id: world.userIds.memberA, role: 'member' },
    ]);
  });

  it('an admin can neither demote nor remove an owner; a member may leave', async () => {
    const owner = { organization_id: world.a.id, user_id: world.userIds.ownerA };
    const demote = await world.clients.adminA.from('organization_members').update({ role: 'member' }).match(owner);
    const remove = await world.clients.adminA.from('organization_members').delete().match(owner);
    expect([demote.status, remove.status]).toEqual([204, 204]);
    expect(await rowExists('organization_members', owner, { column: 'role', value: 'owner' })).toBe(true);

    const leaver = await world.emulator.signUpUser();
    const membership = { organization_id: world.b.id, user_id: await userId(leaver) };
    await world.make.member(membership.organization_id, membership.user_id, 'member');
    const left = await leaver.from('organization_members').delete().match(membership);
    expect(left.status).toBe(204);
    expect(await rowExists('organization_members', membership)).toBe(false);
  });

  it('a write into another organization is refused alike whether what it names exists or not', async () => {
    const attempt = (promo_code: string) =>
      world.clients.memberB.from('promoters').insert({ organization_id: world.a.id, name: 'Probe', promo_code });
    const taken = await attempt(world.a.promoCode);
    const free = await attempt(`FREE${world.unique()}`);
    expect(taken.status).toBe(403);
    expect({ status: taken.status, error: taken.error }).toEqual({ status: free.status, error: free.error });
    expect(taken.error).toMatchObject({ code: '42501', message: 'not_authorized' });

    const event = (currency: string) =>
      world.clients.memberB.from('events').insert({
        organization_id: world.a.id,
        slug: `probe-${world.unique()}`,
        name: 'Probe',
        starts_at: new Date(Date.now() + 86_400_000).toISOString(),
        currency,
      });
    const wrong = await event('GBP');
    expect(wrong.status).toBe(403);
    expect(JSON.stringify(wrong.error)).not.toMatch(/USD|EUR|GBP/);
  });

  it('a member of B cannot attach organization A’s event or promoter to a row of organization B', async () => {
    const ticket = await world.clients.memberB.from('ticket_types').insert({
      organization_id: world.b.id,
      event_id: world.a.draftEventId,
      name: 'Smuggled',
      price_minor: 1,
      capacity: 1,
    });
    expect(ticket.error?.message).toBe('organization_mismatch');
    const link = await world.clients.memberB.from('event_promoters').insert({
      organization_id: world.b.id,
      event_id: world.b.publishedEventId,
      promoter_id: world.a.promoterId,
    });
    expect(link.error?.message).toBe('organization_mismatch');
    expect(await exists(world, `select 1 from public.ticket_types where name = 'Smuggled'`, [])).toBe(false);
    expect(await exists(world, 'select 1 from public.event_promoters where organization_id = $1 and promoter_id = $2', [world.b.id, world.a.promoterId])).toBe(false);
  });

  it('a member cannot move a row of organization A into organization B', async () => {
    const key = await TABLES.promoters.disposable(world);
    const { status } = await world.clients.memberA.from('promoters').update({ organization_id: world.b.id }).match(key);
    expect(status).toBeLessThan(500);
    expect(await rowExists('promoters', key, { column: 'organization_id', value: world.a.id })).toBe(true);
  });

  it('embedding from a visible published event reveals no orders, items or attributions of another organization', async () => {
    for (const persona of ['anonymous', 'noOrganization', 'memberB'] as const) {
      const client = world.clients[persona] as unknown as SupabaseClient;
      const probes: [string, string, string][] = [
        ['events', world.a.publishedEventId, 'orders(id,buyer_email)'],
        ['events', world.a.publishedEventId, 'attributions(id)'],
        ['events', world.a.publishedEventId, 'promoter_visits(id,token)'],
        ['events', world.a.publishedEventId, 'event_promoters(id)'],
        ['ticket_types', world.a.ticketTypeId, 'order_items(id,quantity)'],
      ];
      for (const [table, id, embedded] of probes) {
        const { data, error, status } = await client.from(table).select(`id,${embedded}`).eq('id', id);
        expect(status, `${persona} ${embedded}`).toBeLessThan(500);
        if (error) {
          // Refused outright (anonymous has no grant on these tables): nothing revealed.
          expect(persona, `${embedded}: ${error.message}`).toBe('anonymous');
          continue;
        }
        const rows = (data ?? []) as unknown as Record<string, unknown>[];
        // The event itself is public: the check below is about what hangs off it.
        expect(rows, `${persona} ${embedded}`).toHaveLength(1);
        const relation = embedded.slice(0, embedded.indexOf('('));
        for (const row of rows) expect(row[relation] ?? [], `${persona} ${embedded}`).toEqual([]);
      }
    }
  });

  it('schemas other than public cannot be selected through the API', async () => {
    for (const schema of ['auth', 'private', 'realtime', 'extensions', 'pg_catalog', 'supabase_migrations']) {
      for (const persona of ['anonymous', 'memberA'] as const) {
        const { data, error, status } = await (world.clients[persona] as unknown as SupabaseClient).schema(schema).from('users').select('*');
        expect(status, `${schema} as ${persona}`).toBeLessThan(500);
        expect(data, `${schema} as ${persona}`).toBeNull();
        expect(error, `${schema} as ${persona}`).not.toBeNull();
      }
    }
  });

  it('no persona can write ticket_types.sold', async () => {
    for (const persona of PERSONAS) {
      await world.clients[persona].from('ticket_types').update({ sold: 0 } as never).eq('id', world.a.ticketTypeId);
    }
    expect(await rowExists('ticket_types', { id: world.a.ticketTypeId }, { column: 'sold', value: 0 })).toBe(false);
  });
});

describe('realtime: organization A’s private topic', () => {
  // org:<id>:<key>, the key being what members read through organization_live_topic.
  let liveTopic = '';
  beforeAll(async () => {
    liveTopic = await one(world, `select 'org:' || organization_id || ':' || topic_key as id from private.organization_topics where organization_id = $1`, [
      world.a.id,
    ]);
  });
  const topic = () => `realtime:${liveTopic}`;
  let ref = 100;

  async function tokenOf(persona: Persona): Promise<string> {
    if (persona === 'anonymous') return world.emulator.anonKey;
    const { data } = await world.clients[persona].auth.getSession();
    return data.session!.access_token;
  }

  async function join(socket: RawSocket, persona: Persona): Promise<{ joinRef: string; status: string }> {
    const joinRef = String(ref++);
    socket.send([joinRef, joinRef, topic(), 'phx_join', { config: { private: true, broadcast: { self: false, ack: false } }, access_token: await tokenOf(persona) }]);
    const reply = await socket.next(isReplyTo(joinRef));
    return { joinRef, status: (reply[4] as { status: string }).status };
  }

  for (const persona of PERSONAS) {
    const allowed = MEMBERS_A.includes(persona);
    it(`${persona} ${allowed ? 'may' : 'may not'} join it`, async () => {
      const socket = await connectRaw(world.emulator.url, world.emulator.anonKey);
      try {
        expect((await join(socket, persona)).status).toBe(allowed ? 'ok' : 'error');
      } finally {
        await socket.close();
      }
    });
  }

  it('no one, not even a member, can push forged sale messages into it; real sales arrive', async () => {
    const listener = await connectRaw(world.emulator.url, world.emulator.anonKey);
    const forger = await connectRaw(world.emulator.url, world.emulator.anonKey);
    try {
      expect((await join(listener, 'ownerA')).status).toBe('ok');
      const forged = await join(forger, 'memberA');
      expect(forged.status).toBe('ok');
      forger.send([forged.joinRef, String(ref++), topic(), 'broadcast', {
        type: 'broadcast',
        event: 'attribution',
        payload: { kind: 'sale', promoter_id: world.a.promoterId, tickets: 1000, revenue_minor: 1, forged: true },
      }]);
      // A real attributed sale, after the forgery: the first attribution message the
      // owner sees must be this one.
      await world.buy(world.a, await world.freshToken(world.a));
      const isBroadcast = (message: Message) => message[2] === topic() && message[3] === 'broadcast';
      const first = await listener.next(isBroadcast, 10_000);
      expect((first[4] as { payload: Record<string, unknown> }).payload).not.toHaveProperty('forged');
      expect((first[4] as { payload: { kind: string } }).payload.kind).toBe('sale');
      expect(listener.received.filter(isBroadcast).some((message) => 'forged' in ((message[4] as { payload: object }).payload ?? {}))).toBe(false);
    } finally {
      await listener.close();
      await forger.close();
    }
  });
});

describe('realtime: row changes follow RLS', () => {
  it('once orders are published for realtime, only organization A’s members receive any data of A’s new orders', async () => {
    // Nothing is in the publication today; this guards the day someone adds a table.
    await world.db.query('alter publication supabase_realtime add table public.orders');
    try {
      const received = new Map<Persona, string[]>(PERSONAS.map((persona) => [persona, []]));
      const channels = await Promise.all(
        PERSONAS.map(
          (persona) =>
            new Promise<ReturnType<World['clients'][Persona]['channel']>>((resolve, reject) => {
              const channel = world.clients[persona]
                .channel(`orders-${persona}-${world.unique()}`)
                .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'orders' }, (change) => {
                  // Like hosted Realtime, a role that may not read the table is told only
                  // that a change happened ("Error 401: Unauthorized", no record).
                  const record = (change.new ?? {}) as Record<string, unknown>;
                  if (Object.keys(record).length > 0) received.get(persona)!.push(JSON.stringify(record));
                })
                .subscribe((status, error) => {
                  if (status === 'SUBSCRIBED') resolve(channel);
                  else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(error ?? new Error(status));
                });
            }),
        ),
      );
      try {
        const orderId = await world.buy(world.a);
        const deadline = Date.now() + 10_000;
        while (MEMBERS_A.some((persona) => !received.get(persona)!.some((record) => record.includes(orderId))) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        // Give any wrongly addressed delivery time to arrive as well.
        await new Promise((resolve) => setTimeout(resolve, 500));
        for (const persona of PERSONAS) {
          const ids = received.get(persona)!.map((record) => (JSON.parse(record) as { id: string }).id);
          expect(ids, persona).toEqual(MEMBERS_A.includes(persona) ? [orderId] : []);
        }
      } finally {
        await Promise.all(channels.map((channel) => channel.unsubscribe()));
      }
    } finally {
      await world.db.query('alter publication supabase_realtime drop table public.orders');
    }
  });
});
