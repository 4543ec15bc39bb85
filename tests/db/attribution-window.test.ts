/**
 * The organization's attribution window, referral codes at checkout, and the QR/link
 * source of visits and sales (20261202110000_attribution_window.sql).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { anonymous, inRollback, type Persona, type PersonaTx } from './support/personas.ts';
import { Racer, type Outcome } from './support/race.ts';
import { type CheckoutResult, databaseWithWorld, ids, people, raceTicketType, racingPromoter, slugs } from './support/world.ts';

const testDb = databaseWithWorld();

interface Buy {
  slug?: string;
  token?: string | null;
  code?: string | null;
}

const checkoutSql = 'select public.checkout($1, $2::jsonb, $3, $4, $5::uuid, $6, $7) as result';
const checkoutParams = ({ slug = slugs.aLive, token = null, code = null }: Buy = {}) => [
  slug,
  JSON.stringify([{ ticket_type_id: slug === slugs.aOther ? ids.ticketTypes.aOtherEntry : ids.ticketTypes.aGeneral, quantity: 1 }]),
  'Alex Buyer',
  'alex@example.net',
  randomUUID(),
  token,
  code,
];

async function buy(s: PersonaTx, args: Buy = {}): Promise<CheckoutResult> {
  await s.as(anonymous);
  return s.value<CheckoutResult>(checkoutSql, checkoutParams(args));
}

async function visit(s: PersonaTx, slug: string, code: string, source: 'link' | 'qr' = 'link', session = randomUUID()): Promise<string> {
  await s.as(anonymous);
  const token = await s.value<string | null>('select public.track_promoter_visit($1, $2, $3::uuid, $4) as token', [slug, code, session, source]);
  expect(token).toBeTruthy();
  return token!;
}

/** Moves a visit back in time, as if it had happened `days` days ago. */
async function ageVisit(s: PersonaTx, token: string, days: number): Promise<void> {
  await s.asOwner();
  await s.rows(`update public.promoter_visits set visited_at = now() - make_interval(secs => $2::float8 * 86400) where token = $1`, [token, days]);
}

async function settings(s: PersonaTx, days: number | null, referralCodes = false, persona: Persona = people.ownerA): Promise<void> {
  await s.as(persona);
  await s.rows('select public.set_attribution_settings($1, $2, $3)', [ids.orgA, days, referralCodes]);
}

async function outcomeOf(s: PersonaTx, orderId: string) {
  await s.asOwner();
  return s.one<{ outcome: string; promoter_id: string | null; source: string | null }>(
    `select o.attribution_outcome as outcome, a.promoter_id, a.source::text as source
     from public.orders o left join public.attributions a on a.order_id = o.id where o.id = $1`,
    [orderId],
  );
}

async function fromAddress(s: PersonaTx, address: string): Promise<void> {
  await s.rows("select set_config('request.headers', $1, true)", [JSON.stringify({ 'cf-connecting-ip': address, 'x-forwarded-for': address })]);
}

describe('attribution settings', () => {
  it('start as "this browser session" without referral codes, on the organization and its events', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.asOwner();
      expect(await s.one('select attribution_window_days, referral_code_at_checkout from public.organizations where id = $1', [ids.orgA])).toEqual({
        attribution_window_days: null,
        referral_code_at_checkout: false,
      });
      await s.as(anonymous);
      expect(await s.one('select attribution_window_days, referral_code_at_checkout from public.events where slug = $1', [slugs.aLive])).toEqual({
        attribution_window_days: null,
        referral_code_at_checkout: false,
      });
    });
  });

  it.each([
    ['the owner', people.ownerA],
    ['an admin', people.adminA],
  ])('can be changed by %s, and reach every event of the organization, old and new, in the public read', async (_who, persona) => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, 7, true, persona);
      await s.as(anonymous);
      expect(await s.rows('select slug, attribution_window_days, referral_code_at_checkout from public.events where slug in ($1, $2) order by slug', [slugs.aLive, slugs.bLive])).toEqual([
        { slug: slugs.aLive, attribution_window_days: 7, referral_code_at_checkout: true },
        // Another organization's events keep their own.
        { slug: slugs.bLive, attribution_window_days: null, referral_code_at_checkout: false },
      ]);
      await s.as(people.ownerA);
      const created = await s.value<string>(
        `insert into public.events (organization_id, slug, name, starts_at, status) values ($1, 'a-new-show', 'New', now() + interval '3 days', 'published') returning id`,
        [ids.orgA],
      );
      await s.asOwner();
      // Even an insert that says otherwise gets the organization's settings.
      await s.rows(`insert into public.events (organization_id, slug, name, starts_at, status, attribution_window_days, referral_code_at_checkout)
                    values ($1, 'a-forged-show', 'Forged', now() + interval '3 days', 'published', 90, false)`, [ids.orgA]);
      expect(await s.rows(`select attribution_window_days, referral_code_at_checkout from public.events where id = $1 or slug = 'a-forged-show'`, [created])).toEqual([
        { attribution_window_days: 7, referral_code_at_checkout: true },
        { attribution_window_days: 7, referral_code_at_checkout: true },
      ]);
      await settings(s, null, false, persona);
      await s.as(anonymous);
      expect(await s.one('select attribution_window_days, referral_code_at_checkout from public.events where slug = $1', [slugs.aLive])).toEqual({
        attribution_window_days: null,
        referral_code_at_checkout: false,
      });
    });
  });

  it.each([
    ['a member', people.memberA],
    ['the owner of another organization', people.ownerB],
    ['a signed-in user without organization', people.loner],
    ['an anonymous visitor', anonymous],
  ])('cannot be changed by %s', async (_who, persona) => {
    await inRollback(testDb.db, async (s) => {
      await s.as(persona);
      const error = await s.refused('select public.set_attribution_settings($1, 7, true)', [ids.orgA]);
      expect(error.code).toBe('42501');
      if (persona !== anonymous) expect(error.message).toBe('not_authorized');
      // Nor by writing the columns directly.
      if (persona !== anonymous) {
        expect((await s.refused('update public.organizations set attribution_window_days = 7 where id = $1', [ids.orgA])).code).toBe('42501');
        expect((await s.refused('update public.events set attribution_window_days = 7 where organization_id = $1', [ids.orgA])).code).toBe('42501');
      }
      await s.asOwner();
      expect(await s.value('select attribution_window_days from public.organizations where id = $1', [ids.orgA])).toBeNull();
    });
  });

  it.each([0, 91, -1])('refuses a window of %s days with invalid_attribution_window', async (days) => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      const error = await s.refused('select public.set_attribution_settings($1, $2, false)', [ids.orgA, days]);
      expect(error).toMatchObject({ code: 'P0001', message: 'invalid_attribution_window' });
    });
  });

  it('refuses an unset referral-code choice', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(people.ownerA);
      expect(await s.refused('select public.set_attribution_settings($1, null, null)', [ids.orgA])).toMatchObject({ message: 'invalid_referral_code_setting' });
    });
  });
});

describe('attribution window', () => {
  it('session mode (the default) is exactly the old rule: a token credits whatever its age', async () => {
    await inRollback(testDb.db, async (s) => {
      const token = await visit(s, slugs.aLive, 'MAYA');
      await ageVisit(s, token, 365);
      const order = await buy(s, { token });
      expect(await outcomeOf(s, order.order_id)).toEqual({ outcome: 'attributed', promoter_id: ids.promoters.maya, source: 'link' });
    });
  });

  it('7 days: a visit 6 days and 23 hours old credits the order', async () => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, 7);
      const token = await visit(s, slugs.aLive, 'MAYA');
      await ageVisit(s, token, 7 - 1 / 24);
      const order = await buy(s, { token });
      expect(await outcomeOf(s, order.order_id)).toMatchObject({ outcome: 'attributed', promoter_id: ids.promoters.maya });
    });
  });

  it('7 days: a visit older than the window credits nobody, and the order still sells', async () => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, 7);
      const token = await visit(s, slugs.aLive, 'MAYA');
      await ageVisit(s, token, 7 + 1 / 24);
      const order = await buy(s, { token });
      expect(order.status).toBe('paid');
      expect(await outcomeOf(s, order.order_id)).toEqual({ outcome: 'expired', promoter_id: null, source: null });
      await s.as(people.ownerA);
      const detail = await s.value<{ unattributed_reason: string }>('select public.order_detail($1) as d', [order.order_id]);
      expect(detail.unattributed_reason).toBe('expired');
    });
  });

  it('a shorter window applies to visits already recorded', async () => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, 30);
      const token = await visit(s, slugs.aLive, 'MAYA');
      await ageVisit(s, token, 2);
      await settings(s, 1);
      expect(await outcomeOf(s, (await buy(s, { token })).order_id)).toMatchObject({ outcome: 'expired' });
    });
  });

  it('7 days: the last link clicked wins', async () => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, 7);
      const session = randomUUID();
      const first = await visit(s, slugs.aLive, 'MAYA', 'link', session);
      await ageVisit(s, first, 3);
      const last = await visit(s, slugs.aLive, 'JONAS10', 'link', session);
      // The page keeps the token of the last link opened and sends it.
      expect(await outcomeOf(s, (await buy(s, { token: last })).order_id)).toMatchObject({ promoter_id: ids.promoters.jonas });
    });
  });

  it('7 days: a link of another event never credits', async () => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, 7);
      const token = await visit(s, slugs.aOther, 'MAYA');
      expect(await outcomeOf(s, (await buy(s, { token })).order_id)).toEqual({ outcome: 'other_event', promoter_id: null, source: null });
    });
  });

  it('a visit recorded on the next page load (the first request was lost) credits like any other', async () => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, 7);
      const session = randomUUID();
      // The page kept the landed code and records it once the attendee is on another page.
      const token = await visit(s, slugs.aLive, 'MAYA', 'link', session);
      expect(await visit(s, slugs.aLive, 'MAYA', 'link', session)).toBe(token);
      expect(await outcomeOf(s, (await buy(s, { token })).order_id)).toMatchObject({ outcome: 'attributed', promoter_id: ids.promoters.maya });
    });
  });
});

describe('referral code at checkout', () => {
  it('is ignored while the organization does not take referral codes', async () => {
    await inRollback(testDb.db, async (s) => {
      const order = await buy(s, { code: 'MAYA' });
      expect(await outcomeOf(s, order.order_id)).toEqual({ outcome: 'no_link', promoter_id: null, source: null });
      await s.as(anonymous);
      expect(await s.value('select public.check_referral_code($1, $2)', [slugs.aLive, 'MAYA'])).toBe(false);
    });
  });

  it('credits the promoter of a valid code (any case, spaces around) when no link came with the order', async () => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, null, true);
      await s.as(anonymous);
      expect(await s.value('select public.check_referral_code($1, $2)', [slugs.aLive, ' jonas10 '])).toBe(true);
      const order = await buy(s, { code: ' jonas10 ' });
      expect(await outcomeOf(s, order.order_id)).toEqual({ outcome: 'referral_code', promoter_id: ids.promoters.jonas, source: 'referral_code' });
      await s.as(people.memberA);
      const detail = await s.value<{ attribution: Record<string, unknown> }>('select public.order_detail($1) as d', [order.order_id]);
      expect(detail.attribution).toMatchObject({ promoter_id: ids.promoters.jonas, source: 'referral_code', visit_id: null, visited_at: null });
    });
  });

  it('loses to a link token that credits, and credits when the token does not (expired)', async () => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, 7, true);
      const token = await visit(s, slugs.aLive, 'MAYA');
      expect(await outcomeOf(s, (await buy(s, { token, code: 'JONAS10' })).order_id)).toMatchObject({ outcome: 'attributed', promoter_id: ids.promoters.maya });
      await ageVisit(s, token, 8);
      expect(await outcomeOf(s, (await buy(s, { token, code: 'JONAS10' })).order_id)).toMatchObject({ outcome: 'referral_code', promoter_id: ids.promoters.jonas });
    });
  });

  it.each([
    ['an unknown code', 'NOBODY'],
    ['an inactive link', 'INA'],
    ['a promoter without a link for the event', 'LONE'],
    ['a promoter of another organization', 'BERT'],
    ['a malformed code', "MAYA' or 1=1 --"],
  ])('does not credit %s: check_referral_code says no, and checkout sells unattributed', async (_name, code) => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, null, true);
      await s.as(anonymous);
      expect(await s.value('select public.check_referral_code($1, $2)', [slugs.aLive, code])).toBe(false);
      const order = await buy(s, { code });
      expect(order.status).toBe('paid');
      expect(await outcomeOf(s, order.order_id)).toEqual({ outcome: 'invalid_referral_code', promoter_id: null, source: null });
    });
  });

  it('bounds guessing per client address: misses count, then check_referral_code answers 429 and checkout ignores codes', async () => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, null, true);
      await s.asOwner();
      const limit = await s.value<number>('select private.visit_misses_per_client_minute()');
      await s.as(anonymous);
      await fromAddress(s, '203.0.113.77');
      for (let i = 0; i < limit - 1; i++) {
        expect(await s.value('select public.check_referral_code($1, $2)', [slugs.aLive, `GUESS${i}`])).toBe(false);
      }
      // A miss through checkout counts too (the order commits with it).
      const missed = await s.value<CheckoutResult>(checkoutSql, checkoutParams({ code: 'GUESSLAST' }));
      expect(await outcomeOf(s, missed.order_id)).toMatchObject({ outcome: 'invalid_referral_code' });
      await s.as(anonymous);
      const error = await s.refused('select public.check_referral_code($1, $2)', [slugs.aLive, 'MAYA']);
      expect(error).toMatchObject({ code: 'PT429', message: 'too_many_referral_code_attempts' });
      const order = await s.value<CheckoutResult>(checkoutSql, checkoutParams({ code: 'MAYA' }));
      expect(await outcomeOf(s, order.order_id)).toMatchObject({ outcome: 'invalid_referral_code', promoter_id: null });
      // Another address is not affected.
      await s.as(anonymous);
      await fromAddress(s, '203.0.113.78');
      expect(await s.value('select public.check_referral_code($1, $2)', [slugs.aLive, 'MAYA'])).toBe(true);
    });
  });
});

describe('QR versus link', () => {
  it('visits record their source, orders inherit it, and the promoter sees the split; rollups stay equal to a rebuild', async () => {
    await inRollback(testDb.db, async (s) => {
      await settings(s, null, true);
      const qr = await visit(s, slugs.aLive, 'MAYA', 'qr');
      const link = await visit(s, slugs.aLive, 'MAYA', 'link');
      await visit(s, slugs.aLive, 'MAYA', 'qr');
      await buy(s, { token: qr });
      await buy(s, { token: qr });
      await buy(s, { token: link });
      await buy(s, { code: 'maya' });
      await s.asOwner();
      expect(await s.value(`select count(*)::int from public.promoter_visits where token = $1 and source = 'qr'`, [qr])).toBe(1);
      await s.as(people.memberA);
      const split = await s.rows<{ source: string; visits: string; orders: string; tickets: string; revenue_minor: string }>(
        'select source::text, visits, orders, tickets, revenue_minor from public.promoter_source_split($1)',
        [ids.promoters.maya],
      );
      expect(split.map((row) => [row.source, Number(row.visits), Number(row.orders), Number(row.tickets), Number(row.revenue_minor)])).toEqual([
        ['link', 1, 1, 1, 2500],
        ['qr', 2, 2, 2, 5000],
        ['referral_code', 0, 1, 1, 2500],
      ]);
      await s.as(people.ownerB);
      expect((await s.refused('select * from public.promoter_source_split($1)', [ids.promoters.maya])).message).toBe('not_authorized');

      // The trigger-kept figures equal the ones rebuilt from the raw rows.
      await s.asOwner();
      const totals = 'select promoter_id, tickets, revenue_minor, orders, visits from private.promoter_totals order by promoter_id';
      const daily = 'select promoter_id, event_id, day, tickets, revenue_minor, orders, visits from private.promoter_daily_stats where tickets <> 0 or orders <> 0 or visits <> 0 order by 1, 2, 3';
      const live = [await s.rows(totals), await s.rows(daily)];
      await s.rows('select private.rebuild_rollups()');
      expect([await s.rows(totals), await s.rows(daily)]).toEqual(live);
      expect(live[0]).toContainEqual(expect.objectContaining({ promoter_id: ids.promoters.maya, orders: 4, visits: 3 }));
    });
  });

  it('an unknown source is refused by its type, not stored', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      expect((await s.refused('select public.track_promoter_visit($1, $2, $3::uuid, $4)', [slugs.aLive, 'MAYA', randomUUID(), 'email'])).code).toBe('22P02');
    });
  });
});

/**
 * Referral-code checkouts key-share the code's promoter at level 2 of the lock order,
 * like a token's; racing a deletion of that promoter and token checkouts must never
 * deadlock. Real parallel connections exist only on Postgres.
 */
describe.skipIf(!process.env.DATABASE_URL)('referral codes racing deletions on Postgres', () => {
  it('checkouts with codes and tokens racing each deletion: no deadlock, nothing fails', { timeout: 240_000 }, async () => {
    const racer = new Racer(testDb.databaseUrl!, 40);
    const owner = async (sql: string, params: unknown[] = []) => (await testDb.db.query(sql, params)).rows;
    try {
      await owner('update public.organizations set attribution_window_days = 7, referral_code_at_checkout = true where id = $1', [ids.orgA]);
      await owner('update public.events set attribution_window_days = 7 where organization_id = $1', [ids.orgA]);
      const ticketTypeId = await raceTicketType(testDb.db);
      const items = JSON.stringify([{ ticket_type_id: ticketTypeId, quantity: 1 }]);
      const purchase = (token: string | null, code: string | null) =>
        racer.call(anonymous, checkoutSql, [slugs.aLive, items, 'Racing Buyer', 'race@example.net', randomUUID(), token, code]);
      const failures: Outcome[] = [];
      for (let round = 0; round < 6; round++) {
        const codes = [`REFA${round}X`, `REFB${round}X`];
        const promoterIds: string[] = [];
        for (const code of codes) {
          promoterIds.push(await racingPromoter(testDb.db, code));
        }
        const tokens: string[] = [];
        for (let i = 0; i < 6; i++) {
          const visited = await racer.call(anonymous, 'select public.track_promoter_visit($1, $2, $3::uuid)', [slugs.aLive, codes[i % 2], randomUUID()]);
          tokens.push(visited.value as string);
        }
        const request = await racer.call(people.adminA, 'select public.request_promoter_deletion($1)', [promoterIds[0]]);
        const { token: deletionToken } = request.value as { token: string };
        const outcomes = await Promise.all([
          // Token of one promoter with the code of the other, both ways, and codes alone.
          ...Array.from({ length: 30 }, (_, i) => purchase(i % 3 === 0 ? null : tokens[i % tokens.length], codes[(i + 1) % 2])),
          racer.call(people.adminA, 'select public.confirm_promoter_deletion($1, $2, $3)', [promoterIds[0], deletionToken, codes[0]]),
        ]);
        failures.push(...outcomes.filter((outcome) => !outcome.ok));
      }
      expect(failures, 'failed calls (40P01 is a deadlock)').toEqual([]);
      const drift = await owner(
        `select s.promoter_id from private.promoter_totals s
         where s.orders <> (select count(*) from public.attributions a join public.orders o on o.id = a.order_id
                            where a.promoter_id = s.promoter_id and o.status = 'paid')`,
      );
      expect(drift).toEqual([]);
    } finally {
      await racer.end();
    }
  });
});
