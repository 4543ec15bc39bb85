/**
 * The one set of test-data builders for every suite: organizations with their people,
 * events with ticket types, promoters with their links and groups, visits and orders.
 *
 * The builders are written once over a tiny store with two ways in:
 *
 *   - `sqlStore(queryable)`: a database connection or a transaction (the db, security and
 *     stress suites), running as whatever role the connection currently has;
 *   - `apiStore(client)`: a supabase-js client (the api and ui suites), usually the
 *     service role, or an organizer's own client when the rows should pass through RLS.
 *
 * Rows are written the way the product writes them: visits through
 * `track_promoter_visit` and orders through `checkout`, so every order has its items,
 * sold counts, attribution and rollups exactly as a real sale does. The rest are plain
 * inserts, as the dashboard's saves are.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Queryable, Row } from '../../supabase/emulator/database.ts';

/** Where the builders write: a table insert and a function call, nothing more. */
export interface DataStore {
  /** Inserts one row into a table of `public` and returns the row as stored. */
  insert<R = Row>(table: string, row: Row): Promise<R>;
  /** Calls a function of `public` with named arguments, as PostgREST does. */
  rpc<R = unknown>(fn: string, args: Row): Promise<R>;
  /** Adds a confirmed user to auth.users; only a database connection can. */
  user(id: string, email: string): Promise<void>;
}

/** Objects and arrays go to Postgres as JSON text; the functions take them as jsonb. */
function sqlValue(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value;
}

/** Keys with an undefined value are left out, so the column's default applies. */
function defined(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined));
}

export function sqlStore(db: Queryable): DataStore {
  return {
    async insert<R = Row>(table: string, row: Row) {
      const entries = Object.entries(defined(row));
      const columns = entries.map(([column]) => column).join(', ');
      const placeholders = entries.map((_, index) => `$${index + 1}`).join(', ');
      const result = await db.query<R>(
        `insert into public.${table} (${columns}) values (${placeholders}) returning *`,
        entries.map(([, value]) => sqlValue(value)),
      );
      return result.rows[0];
    },
    async rpc<R = unknown>(fn: string, args: Row) {
      const entries = Object.entries(defined(args));
      const named = entries.map(([name], index) => `${name} => $${index + 1}`).join(', ');
      const result = await db.query<{ result: R }>(
        `select public.${fn}(${named}) as result`,
        entries.map(([, value]) => sqlValue(value)),
      );
      return result.rows[0].result;
    },
    async user(id: string, email: string) {
      await db.query(
        `insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, created_at, updated_at)
         values ($1, 'authenticated', 'authenticated', $2, '', now(), '{"provider":"email","providers":["email"]}', now(), now())`,
        [id, email],
      );
    },
  };
}

/** What every supabase-js call resolves to. */
interface ApiResult<T> {
  data: T | null;
  error: unknown;
}

function dataOf<T>({ data, error }: ApiResult<T>, what: string): T {
  if (error) throw error;
  if (data === null) throw new Error(`No data back from ${what}.`);
  return data;
}

// The builders name tables and functions at run time; the typed client is not needed here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function apiStore(client: SupabaseClient<any, any, any>): DataStore {
  return {
    async insert<R = Row>(table: string, row: Row) {
      return dataOf<R>(await client.from(table).insert(defined(row)).select().single(), `inserting into ${table}`);
    },
    async rpc<R = unknown>(fn: string, args: Row) {
      const { data, error } = await client.rpc(fn, defined(args));
      if (error) throw error;
      return data as R;
    },
    async user() {
      throw new Error('Users come from sign-ups through the API; the service role cannot write auth.users.');
    },
  };
}

/** A short random suffix, so names, slugs and codes never collide within a database. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export const DEFAULT_BUYER = { name: 'Alex Buyer', email: 'alex@example.net' } as const;

type Role = 'owner' | 'admin' | 'member';
type Timestamp = Date | string;

export interface OrganizationSpec {
  id?: string;
  name?: string;
  currency?: string;
  /** User ids; each becomes a member with that role. */
  owner?: string;
  admins?: string[];
  members?: string[];
}

/** What the builders need of an organization they add to: its id. */
export interface OrganizationRef {
  id: string;
}

export interface Organization extends OrganizationRef {
  name: string;
  currency: string;
}

export interface TicketTypeSpec {
  id?: string;
  name?: string;
  price_minor?: number;
  capacity?: number;
  sold?: number;
  /** Defaults to the ticket type's place in the event's list. */
  sort_order?: number;
}

export interface TicketType {
  id: string;
  name: string;
  price_minor: number;
  capacity: number;
}

export interface EventSpec {
  id?: string;
  slug?: string;
  name?: string;
  status?: 'draft' | 'published' | 'cancelled';
  startsAt?: Timestamp;
  /** Five hours after the start unless given; null for an open end. */
  endsAt?: Timestamp | null;
  currency?: string;
  venue?: string;
  description?: string;
  /** One general admission type unless given; an empty list for none. */
  ticketTypes?: TicketTypeSpec[];
}

export interface Event {
  id: string;
  slug: string;
  name: string;
  ticketTypes: TicketType[];
}

export interface PromoterSpec {
  id?: string;
  name?: string;
  code?: string;
  email?: string | null;
  /** Events the promoter gets an active link on. */
  events?: string[];
  /** Groups the promoter joins. */
  groups?: string[];
}

export interface Promoter {
  id: string;
  name: string;
  promo_code: string;
  /** The link ids, in the order of `events`. */
  linkIds: string[];
}

export interface LinkSpec {
  eventId: string;
  promoterId: string;
  active?: boolean;
}

export interface GroupSpec {
  id?: string;
  name?: string;
  color?: string | null;
  /** Promoters that join the group. */
  promoters?: string[];
}

export interface VisitSpec {
  slug: string;
  code: string;
  sessionId?: string;
  source?: 'link' | 'qr';
}

export interface OrderItem {
  ticket_type_id: string;
  quantity: number;
}

export interface OrderSpec {
  slug: string;
  /** What to buy; may be anything, to test what checkout refuses. */
  items: OrderItem[] | unknown;
  name?: string;
  email?: string;
  key?: string;
  /** A visit's token: the order is credited to that visit's promoter. */
  token?: string | null;
  referralCode?: string;
}

/** What checkout returns. */
export interface Order {
  order_id: string;
  reference: string;
  status: string;
  currency: string;
  total_minor: number;
  ticket_count: number;
  created_at: string;
  items: { ticket_type_id: string; name: string; quantity: number; unit_price_minor: number }[];
}

function isoOf(value: Timestamp): string {
  return value instanceof Date ? value.toISOString() : value;
}

function endOf(startsAt: Timestamp, endsAt: Timestamp | null | undefined): string | null {
  if (endsAt === null) return null;
  if (endsAt !== undefined) return isoOf(endsAt);
  return new Date(new Date(startsAt).getTime() + 5 * HOUR_MS).toISOString();
}

export interface OnSale {
  organizationId: string;
  eventId: string;
  eventSlug: string;
  ticketTypeId: string;
  promoterId: string;
  promoCode: string;
}

export type Factory = ReturnType<typeof factory>;

/** The builders over one store; every `spec` field is optional and overrides a default. */
export function factory(store: DataStore) {
  async function user(spec: { id?: string; email?: string } = {}): Promise<string> {
    const id = spec.id ?? randomUUID();
    await store.user(id, spec.email ?? `user-${uniqueSuffix()}@example.com`);
    return id;
  }

  async function member(organizationId: string, userId: string, role: Role): Promise<void> {
    await store.insert('organization_members', { organization_id: organizationId, user_id: userId, role });
  }

  async function organization(spec: OrganizationSpec = {}): Promise<Organization> {
    const row = await store.insert<Organization>('organizations', {
      id: spec.id,
      name: spec.name ?? `Organizer ${uniqueSuffix()}`,
      currency: spec.currency ?? 'USD',
    });
    if (spec.owner) await member(row.id, spec.owner, 'owner');
    for (const admin of spec.admins ?? []) await member(row.id, admin, 'admin');
    for (const user of spec.members ?? []) await member(row.id, user, 'member');
    return { id: row.id, name: row.name, currency: row.currency };
  }

  async function ticketType(organization: OrganizationRef, eventId: string, spec: TicketTypeSpec = {}): Promise<TicketType> {
    const row = await store.insert<TicketType>('ticket_types', {
      id: spec.id,
      organization_id: organization.id,
      event_id: eventId,
      name: spec.name ?? 'General Admission',
      price_minor: spec.price_minor ?? 2500,
      capacity: spec.capacity ?? 100,
      sold: spec.sold,
      sort_order: spec.sort_order,
    });
    return { id: row.id, name: row.name, price_minor: row.price_minor, capacity: row.capacity };
  }

  async function event(organization: Organization, spec: EventSpec = {}): Promise<Event> {
    const startsAt = spec.startsAt ?? new Date(Date.now() + 30 * DAY_MS);
    const row = await store.insert<Omit<Event, 'ticketTypes'>>('events', {
      id: spec.id,
      organization_id: organization.id,
      slug: spec.slug ?? `event-${uniqueSuffix()}`,
      name: spec.name ?? 'Summer Night Festival',
      description: spec.description ?? 'Live music under the stars.',
      venue: spec.venue ?? 'Riverside Park',
      starts_at: isoOf(startsAt),
      ends_at: endOf(startsAt, spec.endsAt),
      currency: spec.currency ?? organization.currency,
      status: spec.status ?? 'published',
    });
    const ticketTypes: TicketType[] = [];
    for (const [index, type] of (spec.ticketTypes ?? [{}]).entries()) {
      ticketTypes.push(await ticketType(organization, row.id, { sort_order: index, ...type }));
    }
    return { id: row.id, slug: row.slug, name: row.name, ticketTypes };
  }

  async function link(organization: OrganizationRef, spec: LinkSpec): Promise<{ id: string }> {
    const row = await store.insert<{ id: string }>('event_promoters', {
      organization_id: organization.id,
      event_id: spec.eventId,
      promoter_id: spec.promoterId,
      active: spec.active ?? true,
    });
    return { id: row.id };
  }

  async function groupMember(organization: OrganizationRef, groupId: string, promoterId: string): Promise<void> {
    await store.insert('promoter_group_members', { organization_id: organization.id, group_id: groupId, promoter_id: promoterId });
  }

  async function promoter(organization: OrganizationRef, spec: PromoterSpec = {}): Promise<Promoter> {
    const row = await store.insert<{ id: string; name: string; promo_code: string }>('promoters', {
      id: spec.id,
      organization_id: organization.id,
      name: spec.name ?? 'Pat Promoter',
      promo_code: spec.code ?? `PAT${uniqueSuffix().toUpperCase()}`,
      email: spec.email ?? undefined,
    });
    const linkIds: string[] = [];
    for (const eventId of spec.events ?? []) linkIds.push((await link(organization, { eventId, promoterId: row.id })).id);
    for (const groupId of spec.groups ?? []) await groupMember(organization, groupId, row.id);
    return { id: row.id, name: row.name, promo_code: row.promo_code, linkIds };
  }

  async function group(organization: OrganizationRef, spec: GroupSpec = {}): Promise<{ id: string; name: string }> {
    const row = await store.insert<{ id: string; name: string }>('promoter_groups', {
      id: spec.id,
      organization_id: organization.id,
      name: spec.name ?? `Team ${uniqueSuffix()}`,
      color: spec.color === undefined ? '#4f46e5' : spec.color,
    });
    for (const promoterId of spec.promoters ?? []) await groupMember(organization, row.id, promoterId);
    return { id: row.id, name: row.name };
  }

  /** An attendee opens a promoter's link; the token (null when nothing is credited). */
  async function visit(spec: VisitSpec): Promise<string | null> {
    return store.rpc<string | null>('track_promoter_visit', {
      p_event_slug: spec.slug,
      p_promo_code: spec.code,
      p_session_id: spec.sessionId ?? randomUUID(),
      p_source: spec.source,
    });
  }

  /** An attendee checks out, with the token of their visit when they came through a link. */
  async function order(spec: OrderSpec): Promise<Order> {
    return store.rpc<Order>('checkout', {
      p_event_slug: spec.slug,
      p_items: spec.items,
      p_buyer_name: spec.name ?? DEFAULT_BUYER.name,
      p_buyer_email: spec.email ?? DEFAULT_BUYER.email,
      p_idempotency_key: spec.key ?? randomUUID(),
      p_attribution_token: spec.token ?? undefined,
      p_referral_code: spec.referralCode,
    });
  }

  /** The smallest world a sale needs: an organization, one event on sale, one promoter linked to it. */
  async function onSale(spec: { owner?: string; currency?: string } = {}): Promise<OnSale> {
    const org = await organization({ owner: spec.owner, currency: spec.currency ?? 'EUR' });
    const onSaleEvent = await event(org, { name: 'Party', ticketTypes: [{ name: 'Standard' }] });
    const seller = await promoter(org, { name: 'Ada', events: [onSaleEvent.id] });
    return {
      organizationId: org.id,
      eventId: onSaleEvent.id,
      eventSlug: onSaleEvent.slug,
      ticketTypeId: onSaleEvent.ticketTypes[0].id,
      promoterId: seller.id,
      promoCode: seller.promo_code,
    };
  }

  return { user, member, organization, event, ticketType, promoter, link, group, groupMember, visit, order, onSale };
}
