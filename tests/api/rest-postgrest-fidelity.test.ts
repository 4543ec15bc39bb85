import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestFixture, type RestFixture } from './rest-fixtures.ts';

let f: RestFixture;

beforeAll(async () => {
  f = await createRestFixture();
  await f.db.exec(`
    create table public.slots (id int primary key, span int4range not null);
    grant select on public.slots to service_role;
    insert into public.slots values (1, '[1,5)'), (2, '[3,8)'), (3, '[6,10)');
  `);
});

afterAll(async () => {
  await f.database.close();
});

describe('range operators as PostgREST maps them', () => {
  it('rangeGte (nxl) keeps rows that do not extend to the left of the range (&>)', async () => {
    const { data, error } = await f.service.from('slots').select('id').rangeGte('span', '[3,4)').order('id');
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 2 }, { id: 3 }]);
  });

  it('rangeLte (nxr) keeps rows that do not extend to the right of the range (&<)', async () => {
    const { data, error } = await f.service.from('slots').select('id').rangeLte('span', '[7,8)').order('id');
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

describe('permission denied (42501) by role, as PostgREST answers it', () => {
  it('answers the anonymous role 401 and a signed-in role 403', async () => {
    const anon = await f.anon.rpc('admin_only');
    expect(anon.status).toBe(401);
    expect(anon.error).toMatchObject({ code: '42501', message: 'permission denied for function admin_only' });
    const alice = await f.alice.rpc('admin_only');
    expect(alice.status).toBe(403);
    expect(alice.error).toMatchObject({ code: '42501' });
    const table = await f.anon.from('secrets').select('*');
    expect(table.status).toBe(401);
    expect(table.error?.code).toBe('42501');
  });
});

describe('ambiguous embeds (PGRST201)', () => {
  it('lists the candidate relationships as an array in details', async () => {
    await f.db.exec(`
      create table public.handovers (id int primary key,
        giver uuid references public.profiles (id), taker uuid references public.profiles (id));
      grant select on public.handovers to service_role;`);
    const { error, status } = await f.service.from('handovers').select('id, profiles(username)');
    expect(status).toBe(300);
    expect(error?.code).toBe('PGRST201');
    expect(Array.isArray(error?.details)).toBe(true);
    expect(error?.details).toEqual(
      expect.arrayContaining([
        { cardinality: 'many-to-one', embedding: 'handovers with profiles', relationship: 'handovers_giver_fkey using handovers(giver) and profiles(id)' },
        { cardinality: 'many-to-one', embedding: 'handovers with profiles', relationship: 'handovers_taker_fkey using handovers(taker) and profiles(id)' },
      ]),
    );
  });
});

describe('RPC with head and count', () => {
  it('answers HEAD on a function without a 500', async () => {
    const { error, status } = await f.service.rpc('series', { p_count: 3 }, { head: true, get: true });
    expect(error).toBeNull();
    expect(status).toBe(200);
  });

  it('counts the rows of a set-returning function with count=exact', async () => {
    const { count, error } = await f.service.rpc('series', { p_count: 3 }, { head: true, get: true, count: 'exact' });
    expect(error).toBeNull();
    expect(count).toBe(3);
    const body = await f.service.rpc('series', { p_count: 4 }, { count: 'exact' });
    expect(body.data).toEqual([1, 2, 3, 4]);
    expect(body.count).toBe(4);
  });
});
