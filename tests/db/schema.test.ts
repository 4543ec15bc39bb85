import { readFile, readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTypes, typesFile } from '../../supabase/emulator/generate-types.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb?.close();
});

const rows = async <R>(sql: string) => (await testDb.db.query<R>(sql)).rows;

describe('generated types', () => {
  it('src/lib/database.types.ts matches the migrations (run `npm run gen:types` after changing them)', async () => {
    const committed = await readFile(typesFile, 'utf8');
    expect(await generateTypes(testDb.db)).toBe(committed);
  });
});

describe('schema conventions', () => {
  it('names every migration YYYYMMDDHHmmss_name.sql and starts it with a header comment', async () => {
    const dir = new URL('../../supabase/migrations/', import.meta.url);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.sql'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(file).toMatch(/^\d{14}_[a-z0-9_]+\.sql$/);
      expect((await readFile(new URL(file, dir), 'utf8')).startsWith('-- ')).toBe(true);
    }
  });

  it('enables row-level security and has a comment on every table of the API', async () => {
    const tables = await rows<{ name: string; rls: boolean; comment: string | null }>(
      `select c.relname as name, c.relrowsecurity as rls, obj_description(c.oid, 'pg_class') as comment
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r' order by 1`,
    );
    expect(tables.map((t) => t.name)).toEqual([
      'attributions',
      'event_promoters',
      'event_slug_history',
      'events',
      'order_items',
      'orders',
      'organization_invitations',
      'organization_members',
      'organizations',
      'promoter_code_history',
      'promoter_group_members',
      'promoter_groups',
      'promoter_visits',
      'promoters',
      'ticket_types',
    ]);
    for (const table of tables) {
      expect(table.rls, table.name).toBe(true);
      expect(table.comment, table.name).toBeTruthy();
    }
  });

  it('has no catch-all policies and no policies for every role', async () => {
    const policies = await rows<{ name: string; cmd: string; roles: string }>(
      `select p.polname as name, p.polcmd::text as cmd, array_to_string(array(select coalesce(r.rolname, 'public') from unnest(p.polroles) x
              left join pg_roles r on r.oid = x), ',') as roles
       from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('public', 'realtime')`,
    );
    expect(policies.length).toBeGreaterThan(30);
    for (const policy of policies) {
      expect(policy.cmd, policy.name).not.toBe('*');
      expect(['anon', 'authenticated'], policy.name).toContain(policy.roles);
    }
  });

  it('indexes organization_id on every table that has it', async () => {
    const missing = await rows<{ table: string }>(
      `select c.relname as table
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attname = 'organization_id'
       where n.nspname = 'public' and c.relkind = 'r'
         and not exists (select 1 from pg_index i where i.indrelid = c.oid and i.indkey[0] = a.attnum)`,
    );
    expect(missing).toEqual([]);
  });

  it('pins the search path of every security definer function and comments every API function', async () => {
    const functions = await rows<{ name: string; schema: string; definer: boolean; config: string[] | string | null; comment: string | null }>(
      `select p.proname as name, n.nspname as schema, p.prosecdef as definer, p.proconfig as config,
              obj_description(p.oid, 'pg_proc') as comment
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private')`,
    );
    expect(functions.length).toBeGreaterThan(20);
    for (const fn of functions) {
      const config = Array.isArray(fn.config) ? fn.config.join(',') : String(fn.config ?? '');
      if (fn.definer) expect(config, `${fn.schema}.${fn.name}`).toMatch(/search_path=("")?$|search_path=""/);
      expect(fn.comment, `${fn.schema}.${fn.name}`).toBeTruthy();
    }
  });

  it('keeps every function body to 150 lines at most, so each reads at once (a longer one is split into private steps)', async () => {
    const long = await rows<{ name: string; lines: number }>(
      `select p.oid::regprocedure::text as name, array_length(string_to_array(p.prosrc, E'\\n'), 1) as lines
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private') and array_length(string_to_array(p.prosrc, E'\\n'), 1) > 150`,
    );
    expect(long).toEqual([]);
  });

  it('grants no function to PUBLIC in the API schemas', async () => {
    const open = await rows<{ name: string }>(
      `select n.nspname || '.' || p.proname as name
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private')
         and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE'))`,
    );
    expect(open).toEqual([]);
  });

  it('grants the API roles nothing on the private tables', async () => {
    const grants = await rows<{ grantee: string; table_name: string }>(
      `select grantee, table_name from information_schema.role_table_grants
       where table_schema = 'private' and grantee in ('anon', 'authenticated', 'service_role', 'PUBLIC')`,
    );
    expect(grants).toEqual([]);
  });
});
