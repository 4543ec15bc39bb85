/**
 * A small, known world for the database tests: two organizations with their people,
 * events, ticket types, promoters, links and groups, plus a signed-in user who
 * belongs nowhere, with fixed ids the tests name. Written once per test file (committed)
 * with the shared builders (tests/helpers/factory.ts); each test then works in a
 * transaction that is rolled back.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../../supabase/emulator/database.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-database.ts';
import { DEFAULT_BUYER, factory, sqlStore, type EventSpec, type Order, type Organization } from '../../helpers/factory.ts';
import type { Persona, PersonaTx } from './personas.ts';

const id = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

export const ids = {
  orgA: id(100),
  orgB: id(200),
  events: {
    aLive: id(110),
    aOther: id(111),
    aDraft: id(112),
    aPast: id(113),
    aCancelled: id(114),
    bLive: id(210),
  },
  ticketTypes: {
    aGeneral: id(120),
    aVip: id(121),
    aOtherEntry: id(122),
    aDraftEntry: id(123),
    aPastEntry: id(124),
    bEntry: id(220),
  },
  promoters: {
    maya: id(130),
    jonas: id(131),
    ina: id(132),
    lone: id(133),
    bert: id(230),
  },
  groups: {
    aSummer: id(140),
    bCrew: id(240),
  },
};

export const slugs = {
  aLive: 'a-live-show',
  aOther: 'a-other-show',
  aDraft: 'a-draft-show',
  aPast: 'a-past-show',
  aCancelled: 'a-cancelled-show',
  bLive: 'b-live-show',
};

export const people = {
  ownerA: { label: 'owner of organization A', role: 'authenticated', userId: id(1), email: 'owner-a@example.com' },
  adminA: { label: 'admin of organization A', role: 'authenticated', userId: id(2), email: 'admin-a@example.com' },
  memberA: { label: 'member of organization A', role: 'authenticated', userId: id(3), email: 'member-a@example.com' },
  ownerB: { label: 'owner of organization B', role: 'authenticated', userId: id(4), email: 'owner-b@example.com' },
  loner: { label: 'signed-in user without organization', role: 'authenticated', userId: id(5), email: 'loner@example.com' },
} satisfies Record<string, Persona>;

/** The database owner writes the world through the shared builders, in one transaction. */
export async function buildWorld(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const make = factory(sqlStore(tx));
    for (const person of Object.values(people)) await make.user({ id: person.userId, email: person.email });
    const orgA = await make.organization({
      id: ids.orgA,
      name: 'Organization A',
      currency: 'USD',
      owner: people.ownerA.userId,
      admins: [people.adminA.userId],
      members: [people.memberA.userId],
    });
    const orgB = await make.organization({ id: ids.orgB, name: 'Organization B', currency: 'EUR', owner: people.ownerB.userId });
    const e = ids.events;
    const t = ids.ticketTypes;
    const entry = (id: string) => [{ id, name: 'Entry', price_minor: 1000, capacity: 50, sort_order: 1 }];
    const inDays = (days: number) => `now() + interval '${days} days'`;
    const at = async (sql: string) => (await tx.query<{ at: string }>(`select (${sql})::text as at`)).rows[0].at;
    const events: [Organization, EventSpec][] = [
      [orgA, { id: e.aLive, slug: slugs.aLive, name: 'A Live Show', startsAt: await at(inDays(10)), endsAt: null, ticketTypes: [
        { id: t.aGeneral, name: 'General', price_minor: 2500, capacity: 100, sort_order: 1 },
        { id: t.aVip, name: 'VIP', price_minor: 9000, capacity: 2, sort_order: 2 },
      ] }],
      [orgA, { id: e.aOther, slug: slugs.aOther, name: 'A Other Show', startsAt: await at(inDays(20)), endsAt: null, ticketTypes: entry(t.aOtherEntry) }],
      [orgA, { id: e.aDraft, slug: slugs.aDraft, name: 'A Draft Show', startsAt: await at(inDays(30)), endsAt: null, status: 'draft', ticketTypes: entry(t.aDraftEntry) }],
      [orgA, { id: e.aPast, slug: slugs.aPast, name: 'A Past Show', startsAt: await at(inDays(-2)), endsAt: await at(inDays(-1)), ticketTypes: entry(t.aPastEntry) }],
      [orgA, { id: e.aCancelled, slug: slugs.aCancelled, name: 'A Cancelled Show', startsAt: await at(inDays(15)), endsAt: null, status: 'cancelled', ticketTypes: [] }],
      [orgB, { id: e.bLive, slug: slugs.bLive, name: 'B Live Show', startsAt: await at(inDays(10)), endsAt: null, ticketTypes: [
        { id: t.bEntry, name: 'Entry', price_minor: 1500, capacity: 50, sort_order: 1 },
      ] }],
    ];
    for (const [organization, spec] of events) await make.event(organization, { venue: '', description: '', ...spec });
    const p = ids.promoters;
    await make.promoter(orgA, { id: p.maya, name: 'Maya Okafor', code: 'MAYA', email: 'maya@example.com', events: [e.aLive, e.aOther, e.aPast] });
    await make.promoter(orgA, { id: p.jonas, name: 'Jonas Weber', code: 'Jonas10', events: [e.aLive] });
    await make.promoter(orgA, { id: p.ina, name: 'Ina Berg', code: 'INA' });
    await make.link(orgA, { eventId: e.aLive, promoterId: p.ina, active: false });
    await make.promoter(orgA, { id: p.lone, name: 'Lone Wolf', code: 'LONE' });
    await make.promoter(orgB, { id: p.bert, name: 'Bert Brown', code: 'BERT', events: [e.bLive] });
    await make.group(orgA, { id: ids.groups.aSummer, name: 'Summer Team', color: '#f59e0b', promoters: [p.maya] });
    await make.group(orgB, { id: ids.groups.bCrew, name: 'B Crew', color: null, promoters: [p.bert] });
  });
}

/**
 * This test file's own database with the world written into it (before the file's own
 * beforeAll hooks), closed after the file. Read `db` and `databaseUrl` inside tests and hooks.
 */
export function databaseWithWorld(): TestDatabase {
  let testDb: TestDatabase | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    await buildWorld(testDb.db);
  });
  afterAll(async () => {
    await testDb?.close();
  });
  const opened = (): TestDatabase => {
    if (!testDb) throw new Error('The test database opens in beforeAll.');
    return testDb;
  };
  return {
    get db() {
      return opened().db;
    },
    get databaseUrl() {
      return opened().databaseUrl;
    },
    close: () => opened().close(),
  };
}

/**
 * A promoter of organization A with a link on the live show, committed as the database
 * owner (the race tests arrange what their other connections must see).
 */
export async function racingPromoter(db: Database, code: string, spec: { name?: string; email?: string } = {}): Promise<string> {
  const promoter = await factory(sqlStore(db)).promoter({ id: ids.orgA }, { name: spec.name ?? code, code, email: spec.email, events: [ids.events.aLive] });
  return promoter.id;
}

/** A ticket type of the live show too big for any race to sell out; its id. */
export async function raceTicketType(db: Database): Promise<string> {
  const spec = { name: 'Race', price_minor: 1200, capacity: 1_000_000, sort_order: 7 };
  return (await factory(sqlStore(db)).ticketType({ id: ids.orgA }, ids.events.aLive, spec)).id;
}

export interface CheckoutArgs {
  slug?: string;
  items?: unknown;
  name?: string;
  email?: string;
  key?: string;
  token?: string | null;
}

export type CheckoutResult = Order;

/** The checkout statement as written by hand, for the tests that expect it refused or race it. */
export const checkoutSql = 'select public.checkout($1, $2::jsonb, $3, $4, $5::uuid, $6) as result';

const defaultItems = () => [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 2 }];

export function checkoutParams(args: CheckoutArgs = {}): unknown[] {
  return [
    args.slug ?? slugs.aLive,
    JSON.stringify(args.items ?? defaultItems()),
    args.name ?? DEFAULT_BUYER.name,
    args.email ?? DEFAULT_BUYER.email,
    args.key ?? randomUUID(),
    args.token ?? null,
  ];
}

/** Two General tickets of the live show, bought as the transaction's current persona. */
export async function checkout(s: PersonaTx, args: CheckoutArgs = {}): Promise<CheckoutResult> {
  return factory(sqlStore(s.tx)).order({ ...args, slug: args.slug ?? slugs.aLive, items: args.items ?? defaultItems() });
}

export async function track(s: PersonaTx, slug: string, code: string, sessionId: string): Promise<string | null> {
  return factory(sqlStore(s.tx)).visit({ slug, code, sessionId });
}
