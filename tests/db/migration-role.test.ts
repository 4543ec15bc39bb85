/**
 * Migrations run as hosted Supabase runs them: as postgres, which on the platform is not
 * a superuser, owns what the migrations create, cannot create objects in auth or
 * realtime, and may create policies on the platform's tables only through the
 * platform's policy grants (realtime.messages among them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execAsMigrationRole, migrate, migrationRole } from '../../supabase/emulator/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let testDb: TestDatabase;
let role: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  role = await migrationRole(testDb.db);
});

afterAll(async () => {
  await testDb?.close();
});

/** Runs sql as the migrating role in a transaction that is rolled back. */
const asMigration = (sql: string, after = 'select 1') =>
  testDb.db.transaction(
    async (tx) => {
      await execAsMigrationRole(tx, role, sql);
      return (await tx.query(after)).rows;
    },
    { rollback: true },
  );

describe('the role migrations run as', () => {
  it('has the attributes of hosted postgres: no superuser, but createrole, createdb and bypassrls', async () => {
    const { rows } = await testDb.db.query('select rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolcanlogin from pg_roles where rolname = $1', [role]);
    expect(rows).toEqual([{ rolsuper: false, rolcreaterole: true, rolcreatedb: true, rolbypassrls: true, rolcanlogin: true }]);
  });

  it('owns every table, function, type and schema the migrations create', async () => {
    const { rows } = await testDb.db.query<{ kind: string; name: string; owner: string }>(
      `select 'table' as kind, c.oid::regclass::text as name, pg_get_userbyid(c.relowner) as owner
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('public', 'private') and c.relkind in ('r', 'v', 'S', 'p')
       union all
       select 'function', p.oid::regprocedure::text, pg_get_userbyid(p.proowner)
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private')
       union all
       select 'type', t.oid::regtype::text, pg_get_userbyid(t.typowner)
       from pg_type t join pg_namespace n on n.oid = t.typnamespace
       where n.nspname in ('public', 'private') and t.typtype = 'e'
       union all
       select 'schema', nspname, pg_get_userbyid(nspowner) from pg_namespace where nspname = 'private'`,
    );
    expect(rows.filter((r) => r.kind === 'table').length).toBeGreaterThan(10);
    expect(rows.filter((r) => r.kind === 'function').length).toBeGreaterThan(10);
    expect(rows.filter((r) => r.owner !== role)).toEqual([]);
  });

  it('cannot create objects in auth or realtime, as on hosted', async () => {
    for (const sql of [
      'create table auth.extra (id int)',
      'create table realtime.extra (id int)',
      'create function auth.extra() returns int language sql as $$ select 1 $$',
      'alter table auth.users add column extra int',
    ]) {
      await expect(asMigration(sql), sql).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('creates, alters and drops a policy on realtime.messages through the policy grant, and is lent nothing after', async () => {
    const rows = await asMigration(
      `create policy probe on realtime.messages for select to authenticated using (true);
       alter policy probe on realtime.messages using (false);
       drop policy probe on realtime.messages;
       create policy probe_kept on realtime.messages for insert to authenticated with check (false);`,
      `select (select count(*)::int from pg_policies where schemaname = 'realtime' and policyname = 'probe_kept') as kept,
              pg_has_role('${role}', 'supabase_realtime_admin', 'member') as lent_realtime,
              pg_has_role('${role}', 'supabase_auth_admin', 'member') as lent_auth`,
    );
    expect(rows).toEqual([{ kept: 1, lent_realtime: false, lent_auth: false }]);
  });

  it('refuses a policy on a platform table outside the policy grants', async () => {
    const refused = testDb.db.transaction(
      async (tx) => {
        await tx.exec('create table realtime.not_granted (id int); alter table realtime.not_granted owner to supabase_realtime_admin');
        await execAsMigrationRole(tx, role, 'create policy probe on realtime.not_granted for select using (true)');
      },
      { rollback: true },
    );
    await expect(refused).rejects.toMatchObject({ code: '42501', message: 'must be owner of table not_granted' });
  });

  it('takes over the objects of a database the superuser migrated before, so later migrations can alter them', async () => {
    const owners = () =>
      testDb.db.query<{ owner: string; n: number }>(
        `select pg_get_userbyid(c.relowner) as owner, count(*)::int as n
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('public', 'private') and c.relkind = 'r' group by 1`,
      );
    await testDb.db.exec(
      `do $$
       declare statement text;
       begin
         for statement in
           select format('alter table %s owner to current_user', c.oid::regclass)
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname in ('public', 'private') and c.relkind = 'r'
           union all
           select format('alter routine %s owner to current_user', p.oid::regprocedure)
           from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('public', 'private')
         loop execute statement; end loop;
       end $$`,
    );
    expect((await owners()).rows).toEqual([{ owner: 'postgres', n: expect.any(Number) }]);
    await migrate(testDb.db);
    expect((await owners()).rows.map((r) => r.owner)).toEqual([role]);
    await testDb.db.transaction(
      (tx) => execAsMigrationRole(tx, role, 'alter table public.events add column probe int; alter function public.refund_order(uuid) stable'),
      { rollback: true },
    );
  });
});

