import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, clientFor, createRestFixture, userToken, type RestCall, type RestFixture } from './rest-fixtures.ts';

let f: RestFixture;

beforeAll(async () => {
  f = await createRestFixture();
  await f.db.exec(`
    insert into public.todos (id, owner_id, title, is_public) values
      (1, '${ALICE}', 'Alpha', false), (2, '${ALICE}', 'Beta', false), (3, '${BOB}', 'Alpha bob', false);
    insert into public.comments (todo_id, author_id, body) values (1, '${ALICE}', 'first');
  `);
});

afterAll(async () => {
  await f.database.close();
});

describe('rpc', () => {
  it('calls a function with named arguments and returns a JSON scalar', async () => {
    const { data, error, status } = await f.anon.rpc('add_numbers', { a: 2, b: 3 });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toBe(5);
  });

  it('lets arguments with defaults be omitted', async () => {
    expect((await f.anon.rpc('add_numbers', { a: 2 })).data).toBe(12);
  });

  it('calls stable functions with GET and HEAD', async () => {
    const calls: RestCall[] = [];
    const client = clientFor(f.db, userToken(ALICE), { calls });
    const { data, error } = await client.rpc('add_numbers', { a: 1, b: 1 }, { get: true });
    expect(error).toBeNull();
    expect(data).toBe(2);
    expect(calls[0].method).toBe('GET');
    const head = await client.rpc('todos_with_title', { p_search: 'a' }, { head: true, count: 'exact' });
    expect(head.error).toBeNull();
    expect(head.count).toBe(2);
  });

  it('runs as the caller, with the caller\'s claims', async () => {
    expect((await f.alice.rpc('whoami')).data).toBe(`${ALICE} as authenticated`);
    expect((await f.anon.rpc('whoami')).data).toBe('nobody as anon');
  });

  it('returns sets as arrays on which filters, order, limit and single() apply', async () => {
    const all = await f.alice.rpc('todos_with_title', { p_search: 'a' }).select('id, title').order('id', { ascending: false });
    expect(all.data).toEqual([{ id: 2, title: 'Beta' }, { id: 1, title: 'Alpha' }]);
    const filtered = await f.alice.rpc('todos_with_title', { p_search: 'a' }).select('title').eq('id', 1).single();
    expect(filtered.data).toEqual({ title: 'Alpha' });
    const limited = await f.alice.rpc('todos_with_title', { p_search: '' }, { count: 'exact' }).select('id').order('id').limit(1);
    expect(limited.data).toEqual([{ id: 1 }]);
    expect(limited.count).toBe(2);
    const none = await f.alice.rpc('todos_with_title', { p_search: 'zzz' }).single();
    expect(none.status).toBe(406);
    expect(none.error?.code).toBe('PGRST116');
  });

  it('embeds through the foreign keys of the returned table', async () => {
    const { data, error } = await f.alice.rpc('todos_with_title', { p_search: 'alpha' }).select('id, comments(body)');
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 1, comments: [{ body: 'first' }] }]);
  });

  it('filters a GET call\'s result with the query parameters that are not arguments', async () => {
    const { data, error } = await f.alice.rpc('todos_with_title', { p_search: 'a' }, { get: true }).eq('id', 2).select('title');
    expect(error).toBeNull();
    expect(data).toEqual([{ title: 'Beta' }]);
  });

  it('returns table results and composite rows', async () => {
    const stats = await f.service.rpc('todo_stats').order('total', { ascending: false });
    expect(stats.data).toEqual([{ owner_id: ALICE, total: 2 }, { owner_id: BOB, total: 1 }]);
    const first = await f.alice.rpc('first_todo').select('id, title');
    expect(first.data).toEqual({ id: 1, title: 'Alpha' });
  });

  it('returns sets of scalars as arrays', async () => {
    expect((await f.anon.rpc('series', { p_count: 3 })).data).toEqual([1, 2, 3]);
  });

  it('passes arrays and JSON arguments', async () => {
    expect((await f.anon.rpc('sum_array', { p_values: [1, 2, 3] })).data).toBe(6);
    expect((await f.anon.rpc('sum_array', { p_values: [4, 5] }, { get: true })).data).toBe(9);
  });

  it('gives the whole body to a single unnamed json parameter', async () => {
    const { data, error } = await f.anon.rpc('echo', { any: ['thing', 1], nested: { deep: true } });
    expect(error).toBeNull();
    expect(data).toEqual({ any: ['thing', 1], nested: { deep: true } });
  });

  it('answers a void function with 204 and commits its work', async () => {
    const { data, error, status } = await f.alice.rpc('complete_all');
    expect(error).toBeNull();
    expect(status).toBe(204);
    expect(data).toBeNull();
    const done = await f.db.query<{ id: number }>('select id from public.todos where done order by id');
    expect(done.rows.map((r) => r.id)).toEqual([1, 2]);
  });

  it('runs a function once even when its result is counted', async () => {
    await f.db.exec(`
      create table public.calls (n int);
      grant insert, select on public.calls to authenticated;
      create function public.counted() returns setof int language sql volatile as $$
        insert into public.calls values (1) returning n $$;
      grant execute on function public.counted() to authenticated;`);
    const { data, count } = await f.alice.rpc('counted', {}, { count: 'exact' });
    expect(data).toEqual([1]);
    expect(count).toBe(1);
    const calls = await f.db.query<{ n: number }>('select count(*)::int as n from public.calls');
    expect(calls.rows[0].n).toBe(1);
  });

  it('refuses a volatile function through GET with 405 25006', async () => {
    const { error, status } = await f.alice.rpc('mark_done', { p_id: 3 }, { get: true });
    expect(status).toBe(405);
    expect(error?.code).toBe('25006');
  });

  it('answers an unknown function or argument set with 404 PGRST202', async () => {
    const unknown = await f.anon.rpc('nope', { a: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({ code: 'PGRST202', message: 'Could not find the function public.nope(a) in the schema cache' });
    const wrongArgs = await f.anon.rpc('add_numbers', { b: 1, c: 2 });
    expect(wrongArgs.status).toBe(404);
    expect(wrongArgs.error?.message).toBe('Could not find the function public.add_numbers(b, c) in the schema cache');
    const missing = await f.anon.rpc('add_numbers');
    expect(missing.error?.message).toBe('Could not find the function public.add_numbers without parameters in the schema cache');
  });

  it('needs EXECUTE: 403 42501 otherwise', async () => {
    const { error, status } = await f.alice.rpc('admin_only');
    expect(status).toBe(403);
    expect(error).toMatchObject({ code: '42501', message: 'permission denied for function admin_only' });
  });

  it('passes raise exception through as 400 P0001 with detail and hint', async () => {
    const { error, status } = await f.alice.rpc('refuse', { p_reason: 'no' });
    expect(status).toBe(400);
    expect(error).toEqual({ code: 'P0001', message: 'Refused: no', details: 'It was refused on purpose', hint: 'Ask nicely' });
  });

  it('maps PTxyz SQLSTATEs to HTTP status xyz', async () => {
    const { error, status } = await f.alice.rpc('pay');
    expect(status).toBe(402);
    expect(error).toMatchObject({ code: 'PT402', message: 'Payment required' });
  });

  it('answers a bad argument value with 400', async () => {
    const { error, status } = await f.anon.rpc('add_numbers', { a: 'two' });
    expect(status).toBe(400);
    expect(error?.code).toBe('22P02');
  });

  it('finds functions created after start-up', async () => {
    await f.db.exec(`create function public.late_fn() returns int language sql as $$ select 42 $$;
      grant execute on function public.late_fn() to anon;`);
    expect((await f.anon.rpc('late_fn')).data).toBe(42);
  });
});
