/**
 * The lock order that lets checkout() take the ticket types last
 * (checkout() in supabase/migrations/20261202110000_attribution_window.sql, docs/decisions/008 and 020):
 * a new order key-shares its event and, through its items, its ticket types, writes its
 * rollups, and only then updates the ticket types. Everything else that locks the same
 * rows must come in the same order: save_event() the event before its ticket types,
 * refund_order() its rollups before its ticket types, `for no key update`. Real parallel
 * connections exist only on Postgres; the embedded engine runs one transaction at a time
 * and cannot deadlock.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymous } from './support/personas.ts';
import { Racer, type Outcome } from './support/race.ts';
import { checkoutSql, databaseWithWorld, ids, people, racingPromoter, slugs } from './support/world.ts';

const testDb = databaseWithWorld();

const saveEventSql = 'select public.save_event($1, $2, $3, $4, $5, $6, $7, $8::jsonb) as id';

describe.skipIf(!process.env.DATABASE_URL)('one hot ticket type on parallel connections', () => {
  it(
    'attributed checkouts racing refunds and renames of the event slug: no deadlock, no oversell, the books balance',
    { timeout: 240_000 },
    async () => {
      const racer = new Racer(testDb.databaseUrl!, 24);
      const owner = async <R = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await testDb.db.query<R>(sql, params)).rows;
      const capacity = 150;
      try {
        const ticketTypeId = randomUUID();
        await owner(
          `insert into public.ticket_types (id, organization_id, event_id, name, price_minor, capacity, sort_order)
           values ($1, $2, $3, 'Hot', 1200, $4, 9)`,
          [ticketTypeId, ids.orgA, ids.events.aLive, capacity],
        );
        const event = (await owner<{ starts_at: Date }>('select starts_at from public.events where id = $1', [ids.events.aLive]))[0];
        // The full list of the event's ticket types as they are, so a save changes only the slug.
        const ticketTypes = await owner<{ id: string; name: string; price_minor: number; capacity: number }>(
          'select id, name, price_minor::int as price_minor, capacity from public.ticket_types where event_id = $1 order by sort_order, id',
          [ids.events.aLive],
        );
        const rename = (slug: string) =>
          racer.call(people.ownerA, saveEventSql, [
            ids.orgA, ids.events.aLive, 'Live show', slug, '', '', event.starts_at.toISOString(), JSON.stringify(ticketTypes),
          ]);
        const buy = (token: string) =>
          racer.call(anonymous, checkoutSql, [
            slugs.aLive, JSON.stringify([{ ticket_type_id: ticketTypeId, quantity: 1 }]), 'Hot Buyer', 'hot@example.net', randomUUID(), token,
          ]);

        // Refusals a buyer may meet here: the event renamed away from the slug asked
        // for, and the ticket type sold out. Nothing else (40P01 is a deadlock).
        const allowed = new Set(['event_not_found', 'sold_out']);
        const failures: Outcome[] = [];
        let soldOut = 0;
        const rounds = 6;
        for (let round = 0; round < rounds; round++) {
          const code = `HOT${round}X`;
          await racingPromoter(testDb.db, code, { name: `Hot ${round}` });
          const tokens: string[] = [];
          for (let i = 0; i < 10; i++) {
            const visit = await racer.call(anonymous, 'select public.track_promoter_visit($1, $2, $3::uuid)', [slugs.aLive, code, randomUUID()]);
            tokens.push(visit.value as string);
          }
          const toRefund: string[] = [];
          for (let i = 0; i < 5; i++) {
            const sale = await buy(tokens[i]);
            if (sale.ok) toRefund.push((sale.value as { order_id: string }).order_id);
            else if (sale.message === 'sold_out') soldOut++;
            else failures.push(sale);
          }

          const outcomes = await Promise.all([
            ...Array.from({ length: 30 }, (_, i) => buy(tokens[i % tokens.length])),
            ...toRefund.map((orderId) => racer.call(people.ownerA, 'select public.refund_order($1)', [orderId])),
            // Renamed away and back: each locks the event row for update (a unique column).
            rename(`${slugs.aLive}-moved`),
            rename(slugs.aLive),
            rename(`${slugs.aLive}-moved`),
            rename(slugs.aLive),
          ]);
          soldOut += outcomes.filter((o) => o.message === 'sold_out').length;
          failures.push(...outcomes.filter((o) => !o.ok && !allowed.has(o.message ?? '')));
          // The renames finish in any order: put the slug back for the next round.
          await owner('update public.events set slug = $1 where id = $2', [slugs.aLive, ids.events.aLive]);
        }
        expect(failures, 'failed calls (40P01 is a deadlock)').toEqual([]);
        // 6 rounds of 35 buyers for 150 tickets, at most 30 of them refunded: the last rounds sell out.
        expect(soldOut).toBeGreaterThan(0);

        const [books] = await owner<{ sold: number; in_orders: number; capacity: number }>(
          `select t.sold, t.capacity,
                  (select coalesce(sum(i.quantity), 0)::int from public.order_items i join public.orders o on o.id = i.order_id
                   where i.ticket_type_id = t.id and o.status = 'paid') as in_orders
           from public.ticket_types t where t.id = $1`,
          [ticketTypeId],
        );
        expect(books.sold).toBe(books.in_orders);
        expect(books.sold).toBeLessThanOrEqual(capacity);
        // No figure kept by the rollups drifted from the raw rows.
        const eventDrift = await owner(
          `select s.event_id from private.event_stats s
           group by s.event_id
           having sum(s.attributed_tickets) <> (select coalesce(sum(o.ticket_count), 0) from public.orders o
                                                join public.attributions a on a.order_id = o.id
                                                where o.event_id = s.event_id and o.status = 'paid')
               or sum(s.tickets) <> (select coalesce(sum(o.ticket_count), 0) from public.orders o where o.event_id = s.event_id and o.status = 'paid')`,
        );
        expect(eventDrift).toEqual([]);
        const promoterDrift = await owner(
          `select t.promoter_id from private.promoter_totals t
           where t.tickets <> (select coalesce(sum(o.ticket_count), 0) from public.attributions a
                               join public.orders o on o.id = a.order_id and o.status = 'paid'
                               where a.promoter_id = t.promoter_id)`,
        );
        expect(promoterDrift).toEqual([]);
      } finally {
        await racer.end();
      }
    },
  );
});

/**
 * Every checkout calls these helpers. As SQL-language functions with a SET clause they
 * were never inlined and (before Postgres 18) parsed and planned on every call, about a
 * tenth of a checkout's database time; plpgsql keeps their plans per connection.
 */
describe('the helpers of every checkout', () => {
  it('are plpgsql, so their plans are kept per connection', async () => {
    const { rows } = await testDb.db.query<{ name: string; language: string }>(
      `select p.proname as name, l.lanname as language from pg_proc p
       join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
       where n.nspname = 'private' and p.proname = any ($1::text[]) order by 1`,
      [['count_client_call', 'order_json', 'prune_client_counters', 'random_order_reference']],
    );
    expect(rows).toEqual([
      { name: 'count_client_call', language: 'plpgsql' },
      { name: 'order_json', language: 'plpgsql' },
      { name: 'prune_client_counters', language: 'plpgsql' },
      { name: 'random_order_reference', language: 'plpgsql' },
    ]);
  });
});
