/**
 * Two organizations, their people and a little of everything in each, for the security
 * suites: personas act through supabase-js against the emulator; the arrangement and
 * every verification go through the database owner, who is not subject to RLS.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../../supabase/emulator/database.ts';
import { factory, sqlStore, type Factory } from '../../helpers/factory.ts';
import { startTestEmulator, userId, type TestClient, type TestEmulator } from '../../helpers/emulator.ts';

export const PERSONAS = ['anonymous', 'noOrganization', 'memberA', 'adminA', 'ownerA', 'memberB'] as const;
export type Persona = (typeof PERSONAS)[number];

export interface OrganizationFixture {
  id: string;
  name: string;
  currency: string;
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
  /** The shared builders, writing as the database owner. */
  make: Factory;
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

  const make = factory(sqlStore(db));

  const buy = async (org: OrganizationFixture, token: string | null = null): Promise<string> => {
    const items = [{ ticket_type_id: org.ticketTypeId, quantity: 1 }];
    const order = await make.order({ slug: org.publishedEventSlug, items, name: 'Buyer', email: 'buyer@example.com', token });
    return order.order_id;
  };

  const freshToken = async (org: OrganizationFixture): Promise<string> =>
    (await make.visit({ slug: org.publishedEventSlug, code: org.promoCode }))!;

  const organization = async (owner: TestClient, members: [string, 'admin' | 'member'][]): Promise<OrganizationFixture> => {
    // Through the API: the way every organization comes into being.
    const { data, error } = await owner.rpc('create_organization', { p_name: `Org ${unique()}`, p_currency: 'EUR' });
    if (error) throw error;
    const org = { id: data.id, name: data.name, currency: data.currency };
    for (const [user, role] of members) await make.member(org.id, user, role);
    const bare = { venue: '', description: '', endsAt: null };
    const published = await make.event(org, { ...bare, slug: `show-${unique()}`, name: 'Show', ticketTypes: [{ name: 'Standard', capacity: 100000 }] });
    const draft = await make.event(org, {
      ...bare,
      slug: `draft-${unique()}`,
      name: 'Draft',
      status: 'draft',
      startsAt: new Date(Date.now() + 60 * 86_400_000),
      ticketTypes: [{ name: 'Early', price_minor: 1000, capacity: 10 }],
    });
    const promoter = await make.promoter(org, { name: 'Ada', code: `CODE${unique()}`, events: [published.id] });
    const group = await make.group(org, { color: null, promoters: [promoter.id] });
    const visitToken = (await make.visit({ slug: published.slug, code: promoter.promo_code }))!;
    const visit = await db.query<{ id: string }>('select id from public.promoter_visits where token = $1', [visitToken]);
    const fixture: OrganizationFixture = {
      ...org,
      publishedEventId: published.id,
      publishedEventSlug: published.slug,
      draftEventId: draft.id,
      ticketTypeId: published.ticketTypes[0].id,
      promoterId: promoter.id,
      promoCode: promoter.promo_code,
      linkId: promoter.linkIds[0],
      groupId: group.id,
      visitId: visit.rows[0].id,
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
      make,
      unique,
      spareUser: () => make.user({ email: `spare-${unique()}@example.com` }),
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
