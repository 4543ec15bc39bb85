import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { anonymous, inRollback, type Persona } from './support/personas.ts';
import { expectRollupsMatchRawData } from './support/rollups.ts';
import { checkoutParams, checkoutSql } from './support/world.ts';

let testDb: TestDatabase;

const demoUserId = 'd0000000-0000-4000-8000-000000000001';
const northside = 'd1000000-0000-4000-8000-000000000001';
const demo: Persona = { label: 'demo organizer', role: 'authenticated', userId: demoUserId, email: 'demo@example.com' };

beforeAll(async () => {
  testDb = await createTestDatabase({ seed: true });
});

afterAll(async () => {
  await testDb?.close();
});

describe('demo data', () => {
  it('has a confirmed demo organizer who signs in with demo-password', async () => {
    const user = await testDb.db.query<{ ok: boolean; confirmed: boolean; identities: number }>(
      `select u.encrypted_password = extensions.crypt('demo-password', u.encrypted_password) as ok,
              u.email_confirmed_at is not null as confirmed,
              (select count(*)::int from auth.identities i where i.user_id = u.id and i.provider = 'email') as identities
       from auth.users u where u.email = 'demo@example.com'`,
    );
    expect(user.rows).toEqual([{ ok: true, confirmed: true, identities: 1 }]);
  });

  it('gives the organizer an organization with events, promoters and groups', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(demo);
      expect(await s.rows('select name, currency from public.organizations')).toEqual([{ name: 'Northside Events', currency: 'EUR' }]);
      const events = await s.rows<{ status: string }>('select status::text from public.events');
      expect(events.filter((e) => e.status === 'published')).toHaveLength(3);
      expect(events.filter((e) => e.status === 'draft')).toHaveLength(1);
      expect(await s.value('select count(*)::int from public.promoters')).toBe(20);
      expect((await s.rows<{ name: string }>('select name from public.promoter_groups order by name')).map((g) => g.name)).toEqual([
        'Influencers',
        'Summer Team',
        'Venue Staff',
      ]);
    });
  });

  it('gives the dashboard ninety days of sales with a shape', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(demo);
      const summary = await s.one<{ tickets: number; visits: number; currency: string }>('select * from public.promoter_summary($1)', [northside]);
      expect(summary.currency).toBe('EUR');
      expect(summary.tickets).toBeGreaterThan(300);
      expect(summary.visits).toBeGreaterThan(summary.tickets);
      const top = await s.one<{ promoter_id: string }>('select promoter_id from public.promoter_performance($1) limit 1', [northside]);
      const from = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10);
      const to = new Date().toISOString().slice(0, 10);
      const days = await s.rows<{ visits: number; tickets: number }>('select visits, tickets from public.promoter_sales_timeseries($1, $2, $3)', [
        top.promoter_id,
        from,
        to,
      ]);
      expect(days).toHaveLength(90);
      const firstMonth = days.slice(0, 30).reduce((n, d) => n + d.visits, 0);
      const lastMonth = days.slice(60).reduce((n, d) => n + d.visits, 0);
      expect(lastMonth).toBeGreaterThan(firstMonth);
      const refunded = await s.value<number>(`select count(*)::int from public.orders where status = 'refunded'`);
      expect(refunded).toBeGreaterThan(0);
      const unattributed = await s.value<number>(
        'select count(*)::int from public.orders o where not exists (select 1 from public.attributions a where a.order_id = o.id)',
      );
      expect(unattributed).toBeGreaterThan(0);
    });
  });

  it('keeps its rollups equal to the raw data', async () => {
    await inRollback(testDb.db, async (s) => {
      await expectRollupsMatchRawData(s);
    });
  });

  it('has a sold-out ticket type at the warehouse party', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const error = await s.refused(
        checkoutSql,
        checkoutParams({
          slug: 'warehouse-closing-party',
          items: [{ ticket_type_id: 'd3000000-0000-4000-8000-000000000031', quantity: 1 }],
          key: randomUUID(),
        }),
      );
      expect(error.message).toBe('sold_out');
    });
  });

  it('sells tickets for the festival through a promoter link', async () => {
    await inRollback(testDb.db, async (s) => {
      await s.as(anonymous);
      const token = await s.value<string>(`select public.track_promoter_visit('harbour-lights-festival', 'MAYA', $1)`, [randomUUID()]);
      expect(token).toBeTruthy();
      const order = await s.value<{ status: string }>(
        checkoutSql,
        checkoutParams({
          slug: 'harbour-lights-festival',
          items: [{ ticket_type_id: 'd3000000-0000-4000-8000-000000000012', quantity: 2 }],
          token,
        }),
      );
      expect(order.status).toBe('paid');
    });
  });
});

// Hosted projects and the Supabase CLI run seed.sql through psql, one statement at a time
// in autocommit, not in the emulator's single transaction; both must give the same data.
describe.skipIf(!process.env.DATABASE_URL)('seed.sql through psql -f (Postgres)', () => {
  it('applies completely with psql in autocommit and gives the same rows as the emulator', async () => {
    const plain = await createTestDatabase({ seed: false });
    try {
      const seedFile = fileURLToPath(new URL('../../supabase/seed.sql', import.meta.url));
      await promisify(execFile)('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', plain.databaseUrl!, '-f', seedFile]);
      const counts = `select (select count(*)::int from auth.users) as users, (select count(*)::int from public.events) as events,
                             (select count(*)::int from public.promoters) as promoters, (select count(*)::int from public.orders) as orders,
                             (select count(*)::int from public.promoter_visits) as visits, (select count(*)::int from public.attributions) as attributions`;
      const [viaPsql] = (await plain.db.query(counts)).rows;
      const [viaEmulator] = (await testDb.db.query(counts)).rows;
      expect(viaPsql).toEqual(viaEmulator);
      expect(viaPsql).toMatchObject({ users: 1, events: 4, promoters: 20 });
    } finally {
      await plain.close();
    }
  }, 120_000);
});
