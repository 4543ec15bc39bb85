/**
 * Two organizations, their people and a little of everything in each, for the security
 * suites: personas act through supabase-js against the emulator; the arrangement and
 * every verification go through the database owner, who is not subject to RLS.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../../supabase/emulator/database.ts';
import { startTestEmulator, userId, type TestClient, type TestEmulator } from '../../helpers/emulator.ts';

export const PERSONAS = ['anonymous', 'noOrganization', 'memberA', 'adminA', 'ownerA', 'memberB'] as const;
export type Persona = (typeof PERSONAS)[number];

export interface OrganizationFixture {
  id: string;
  name: string;
  publishedEventId: string;
  publishedEventSlug: string;
  draftEventId: string;
  ticketTypeId: string;
  promoterId: string;
  promoCode: string;
  linkId: string;
  groupId: string;
  visitId: string;
  visitToken: string;
  orderId: string;
}

export interface World {
  emulator: TestEmulator;
  db: Database;
  clients: Record<Persona, TestClient>;
  userIds: Record<Exclude<Persona, 'anonymous'>, string>;
  a: OrganizationFixture;
  b: OrganizationFixture;
  /** A unique short suffix for names, slugs and codes. */
  unique(): string;
  /** A user that exists in auth.users and belongs to no organization. */
  spareUser(): Promise<string>;
  /** Buys one ticket of the organization's published event as the database owner. */
  buy(org: OrganizationFixture, token?: string | null): Promise<string>;
  /** The token of a new visit of the organization's link (one token credits at most 3 orders). */
  freshToken(org: OrganizationFixture): Promise<string>;
  stop(): Promise<void>;
}


export interface WorldOptions {
  /** Let requests name their client address in cf-connecting-ip (tests that play many clients). */
  trustClientAddressHeader?: boolean;
}

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const emulator = await startTestEmulator({ emulator: { logErrors: false, ...options } });
  const db = emulator.db;
  let counter = 0;
  const run = randomUUID().slice(0, 6);
  const unique = () => `${run}${(counter++).toString(36)}`;

  const [noOrganization, memberA, adminA, ownerA, ownerB, memberB] = await Promise.all([
    emulator.signUpUser(),
    emulator.signUpUser(),
    emulator.signUpUser(),
    emulator.signUpUser(),
    emulator.signUpUser(),
    emulator.signUpUser(),
  ]);
  const clients: Record<Persona, TestClient> = {
    anonymous: emulator.client(),
    noOrganization,
    memberA,
    adminA,
    ownerA,
    memberB,
  };
  const userIds = {
    noOrganization: await userId(noOrganization),
    memberA: await userId(memberA),
    adminA: await userId(adminA),
    ownerA: await userId(ownerA),
    memberB: await userId(memberB),
  };

  const buy = async (org: OrganizationFixture, token: string | null = null): Promise<string> => {
    const result = await db.query<{ order: { order_id: string } }>(
      `select public.checkout($1, $2::jsonb, 'Buyer', 'buyer@example.com', $3::uuid, $4) as order`,
      [org.publishedEventSlug, JSON.stringify([{ ticket_type_id: org.ticketTypeId, quantity: 1 }]), randomUUID(), token],
    );
    return result.rows[0].order.order_id;
  };

  const freshToken = async (org: OrganizationFixture): Promise<string> => {
    const result = await db.query<{ token: string }>('select public.track_promoter_visit($1, $2, $3::uuid) as token', [
      org.publishedEventSlug,
      org.promoCode,
      randomUUID(),
    ]);
    return result.rows[0].token;
  };

  const organization = async (owner: TestClient, members: [string, 'admin' | 'member'][]): Promise<OrganizationFixture> => {
    const name = `Org ${unique()}`;
    // Through the API: the way every organization comes into being.
    const { data, error } = await owner.rpc('create_organization', { p_name: name, p_currency: 'EUR' });
    if (error) throw error;
    const id = (data as { id: string }).id;
    for (const [user, role] of members) {
      await db.query('insert into public.organization_members (organization_id, user_id, role) values ($1, $2, $3)', [id, user, role]);
    }
    const one = async (sql: string, params: unknown[]) => (await db.query<{ id: string }>(sql, params)).rows[0].id;
    const slug = `show-${unique()}`;
    const publishedEventId = await one(
      `insert into public.events (organization_id, slug, name, starts_at, status)
       values ($1, $2, 'Show', now() + interval '30 days', 'published') returning id`,
      [id, slug],
    );
    const draftEventId = await one(
      `insert into public.events (organization_id, slug, name, starts_at) values ($1, $2, 'Draft', now() + interval '60 days') returning id`,
      [id, `draft-${unique()}`],
    );
    const ticketTypeId = await one(
      `insert into public.ticket_types (organization_id, event_id, name, price_minor, capacity)
       values ($1, $2, 'Standard', 2500, 100000) returning id`,
      [id, publishedEventId],
    );
    await db.query(
      `insert into public.ticket_types (organization_id, event_id, name, price_minor, capacity) values ($1, $2, 'Early', 1000, 10)`,
      [id, draftEventId],
    );
    const promoCode = `CODE${unique()}`;
    const promoterId = await one(`insert into public.promoters (organization_id, name, promo_code) values ($1, 'Ada', $2) returning id`, [
      id,
      promoCode,
    ]);
    const linkId = await one(
      `insert into public.event_promoters (organization_id, event_id, promoter_id) values ($1, $2, $3) returning id`,
      [id, publishedEventId, promoterId],
    );
    const groupId = await one(`insert into public.promoter_groups (organization_id, name) values ($1, $2) returning id`, [
      id,
      `Team ${unique()}`,
    ]);
    await db.query('insert into public.promoter_group_members (organization_id, group_id, promoter_id) values ($1, $2, $3)', [
      id,
      groupId,
      promoterId,
    ]);
    const visit = await db.query<{ token: string }>('select public.track_promoter_visit($1, $2, $3) as token', [
      slug,
      promoCode,
      randomUUID(),
    ]);
    const visitToken = visit.rows[0].token;
    const visitId = await one('select id from public.promoter_visits where token = $1', [visitToken]);
    const fixture: OrganizationFixture = {
      id,
      name,
      publishedEventId,
      publishedEventSlug: slug,
      draftEventId,
      ticketTypeId,
      promoterId,
      promoCode,
      linkId,
      groupId,
      visitId,
      visitToken,
      orderId: '',
    };
    fixture.orderId = await buy(fixture, visitToken);
    return fixture;
  };

  try {
    const a = await organization(ownerA, [
      [userIds.adminA, 'admin'],
      [userIds.memberA, 'member'],
    ]);
    const b = await organization(ownerB, [[userIds.memberB, 'member']]);
    return {
      emulator,
      db,
      clients,
      userIds,
      a,
      b,
      unique,
      async spareUser() {
        const id = randomUUID();
        await db.query(`insert into auth.users (id, aud, role, email) values ($1, 'authenticated', 'authenticated', $2)`, [
          id,
          `spare-${unique()}@example.com`,
        ]);
        return id;
      },
      buy,
      freshToken,
      stop: () => emulator.stop(),
    };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}

/** Row count and content hash of every table in `public`, to prove that nothing changed. */
export async function publicChecksum(db: Database): Promise<Record<string, string>> {
  const tables = await db.query<{ relname: string }>(
    `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`,
  );
  const sums: Record<string, string> = {};
  for (const { relname } of tables.rows) {
    const result = await db.query<{ sum: string }>(
      `select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as sum from public.${relname} t`,
    );
    sums[relname] = result.rows[0].sum;
  }
  return sums;
}
