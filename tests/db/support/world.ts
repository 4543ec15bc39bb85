/**
 * A small, known world for the database tests: two organizations with their people,
 * events, ticket types, promoters, links and groups, plus a signed-in user who
 * belongs nowhere. Written once per test file (committed); each test then works in a
 * transaction that is rolled back.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../../supabase/emulator/database.ts';
import { PersonaTx, type Persona } from './personas.ts';

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

export async function buildWorld(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const s = new PersonaTx(tx);
    for (const person of Object.values(people)) {
      await s.rows(
        `insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, created_at, updated_at)
         values ($1, 'authenticated', 'authenticated', $2, '', now(), '{"provider":"email","providers":["email"]}', now(), now())`,
        [person.userId, person.email],
      );
    }
    await s.rows(`insert into public.organizations (id, name, currency) values ($1, 'Organization A', 'USD'), ($2, 'Organization B', 'EUR')`, [
      ids.orgA,
      ids.orgB,
    ]);
    await s.rows(
      `insert into public.organization_members (organization_id, user_id, role) values
         ($1, $3, 'owner'), ($1, $4, 'admin'), ($1, $5, 'member'), ($2, $6, 'owner')`,
      [ids.orgA, ids.orgB, people.ownerA.userId, people.adminA.userId, people.memberA.userId, people.ownerB.userId],
    );
    const e = ids.events;
    await s.rows(
      `insert into public.events (id, organization_id, slug, name, starts_at, ends_at, currency, status) values
         ($1, $7, $8, 'A Live Show', now() + interval '10 days', null, 'USD', 'published'),
         ($2, $7, $9, 'A Other Show', now() + interval '20 days', null, 'USD', 'published'),
         ($3, $7, $10, 'A Draft Show', now() + interval '30 days', null, 'USD', 'draft'),
         ($4, $7, $11, 'A Past Show', now() - interval '2 days', now() - interval '1 day', 'USD', 'published'),
         ($5, $7, $12, 'A Cancelled Show', now() + interval '15 days', null, 'USD', 'cancelled'),
         ($6, $13, $14, 'B Live Show', now() + interval '10 days', null, 'EUR', 'published')`,
      [e.aLive, e.aOther, e.aDraft, e.aPast, e.aCancelled, e.bLive, ids.orgA, slugs.aLive, slugs.aOther, slugs.aDraft, slugs.aPast, slugs.aCancelled, ids.orgB, slugs.bLive],
    );
    const t = ids.ticketTypes;
    await s.rows(
      `insert into public.ticket_types (id, organization_id, event_id, name, price_minor, capacity, sort_order) values
         ($1, $7, $8, 'General', 2500, 100, 1),
         ($2, $7, $8, 'VIP', 9000, 2, 2),
         ($3, $7, $9, 'Entry', 1000, 50, 1),
         ($4, $7, $10, 'Entry', 1000, 50, 1),
         ($5, $7, $11, 'Entry', 1000, 50, 1),
         ($6, $12, $13, 'Entry', 1500, 50, 1)`,
      [t.aGeneral, t.aVip, t.aOtherEntry, t.aDraftEntry, t.aPastEntry, t.bEntry, ids.orgA, e.aLive, e.aOther, e.aDraft, e.aPast, ids.orgB, e.bLive],
    );
    const p = ids.promoters;
    await s.rows(
      `insert into public.promoters (id, organization_id, name, promo_code, email) values
         ($1, $6, 'Maya Okafor', 'MAYA', 'maya@example.com'),
         ($2, $6, 'Jonas Weber', 'Jonas10', null),
         ($3, $6, 'Ina Berg', 'INA', null),
         ($4, $6, 'Lone Wolf', 'LONE', null),
         ($5, $7, 'Bert Brown', 'BERT', null)`,
      [p.maya, p.jonas, p.ina, p.lone, p.bert, ids.orgA, ids.orgB],
    );
    await s.rows(
      `insert into public.event_promoters (organization_id, event_id, promoter_id, active) values
         ($1, $3, $5, true), ($1, $4, $5, true), ($1, $3, $6, true), ($1, $3, $7, false), ($1, $9, $5, true),
         ($2, $8, $10, true)`,
      [ids.orgA, ids.orgB, e.aLive, e.aOther, p.maya, p.jonas, p.ina, e.bLive, e.aPast, p.bert],
    );
    await s.rows(
      `insert into public.promoter_groups (id, organization_id, name, color) values ($1, $3, 'Summer Team', '#f59e0b'), ($2, $4, 'B Crew', null)`,
      [ids.groups.aSummer, ids.groups.bCrew, ids.orgA, ids.orgB],
    );
    await s.rows(
      `insert into public.promoter_group_members (organization_id, group_id, promoter_id) values ($1, $2, $3), ($4, $5, $6)`,
      [ids.orgA, ids.groups.aSummer, p.maya, ids.orgB, ids.groups.bCrew, p.bert],
    );
  });
}

export interface CheckoutArgs {
  slug?: string;
  items?: unknown;
  name?: string;
  email?: string;
  key?: string;
  token?: string | null;
}

export interface CheckoutResult {
  order_id: string;
  reference: string;
  status: string;
  currency: string;
  total_minor: number;
  ticket_count: number;
  created_at: string;
  items: { ticket_type_id: string; name: string; quantity: number; unit_price_minor: number }[];
}

export const checkoutSql = 'select public.checkout($1, $2::jsonb, $3, $4, $5::uuid, $6) as result';

export function checkoutParams(args: CheckoutArgs = {}): unknown[] {
  return [
    args.slug ?? slugs.aLive,
    JSON.stringify(args.items ?? [{ ticket_type_id: ids.ticketTypes.aGeneral, quantity: 2 }]),
    args.name ?? 'Alex Buyer',
    args.email ?? 'alex@example.net',
    args.key ?? randomUUID(),
    args.token ?? null,
  ];
}

export async function checkout(s: PersonaTx, args: CheckoutArgs = {}): Promise<CheckoutResult> {
  return s.value<CheckoutResult>(checkoutSql, checkoutParams(args));
}

export async function track(s: PersonaTx, slug: string, code: string, sessionId: string): Promise<string | null> {
  return s.value<string | null>('select public.track_promoter_visit($1, $2, $3::uuid) as token', [slug, code, sessionId]);
}
