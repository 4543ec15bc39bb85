import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProjectConfig, parseProjectConfig } from '../../supabase/emulator/config.ts';
import { handleRest } from '../../supabase/emulator/rest/index.ts';
import { ALICE, BOB, SERVICE_TOKEN, clientFor, createRestFixture, type RestCall, type RestFixture } from './rest-fixtures.ts';

let f: RestFixture;

beforeAll(async () => {
  f = await createRestFixture();
  await f.db.exec(`
    create table public.slots (id int primary key, span int4range not null);
    grant select on public.slots to service_role;
    insert into public.slots values (1, '[1,5)'), (2, '[3,8)'), (3, '[6,10)');
    create table public.counters (id int primary key, n int not null default 0, label text);
    grant select, insert, update, delete on public.counters to service_role;
    insert into public.counters (id) values (1), (2), (3);
    create function public.pick(p int) returns text language sql immutable as $$ select 'integer' $$;
    create function public.pick(p text) returns text language sql immutable as $$ select 'text' $$;
    create function public.pick_default() returns text language sql immutable as $$ select 'none' $$;
    create function public.pick_default(p int default 1) returns text language sql immutable as $$ select 'one' $$;
    create function public.shout(p text) returns text language sql immutable as $$ select upper(p) $$;
    create function public.shout(p text, q text) returns text language sql immutable as $$ select upper(p || q) $$;
    create function public.slot_width(s public.slots) returns int language sql immutable as $$ select upper(s.span) - lower(s.span) $$;
    create function public.bump_all() returns setof public.counters language sql volatile as $$
      update public.counters set n = n + 1 returning * $$;
    create function public.bump_one() returns public.counters language sql volatile as $$
      update public.counters set n = n + 1 where id = 1 returning * $$;
    grant execute on function public.pick(int), public.pick(text), public.pick_default(), public.pick_default(int),
      public.shout(text), public.shout(text, text), public.slot_width(public.slots), public.bump_all(), public.bump_one()
      to service_role;
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

describe('overloaded functions, resolved as PostgREST resolves them', () => {
  it('answers 300 PGRST203 when two overloads take the same argument names', async () => {
    const { error, status, data } = await f.service.rpc('pick', { p: 1 });
    expect(data).toBeNull();
    expect(status).toBe(300);
    expect(error).toEqual({
      code: 'PGRST203',
      message: 'Could not choose the best candidate function between: public.pick(p => integer), public.pick(p => text)',
      details: null,
      hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    });
  });

  it('answers 300 PGRST203 when an overload with only defaulted parameters matches a call without arguments', async () => {
    const { error, status } = await f.service.rpc('pick_default');
    expect(status).toBe(300);
    expect(error?.code).toBe('PGRST203');
    expect(error?.message).toBe(
      'Could not choose the best candidate function between: public.pick_default(), public.pick_default(p => integer)',
    );
    // Naming the parameter leaves one candidate.
    const one = await f.service.rpc('pick_default', { p: 2 });
    expect(one.error).toBeNull();
    expect(one.data).toBe('one');
  });

  it('picks the overload whose parameters match the names exactly, on POST and GET', async () => {
    expect((await f.service.rpc('shout', { p: 'a' })).data).toBe('A');
    expect((await f.service.rpc('shout', { p: 'a', q: 'b' })).data).toBe('AB');
    expect((await f.service.rpc('shout', { p: 'a', q: 'b' }, { get: true })).data).toBe('AB');
    const unknown = await f.service.rpc('shout', { q: 'b' });
    expect(unknown.status).toBe(404);
    expect(unknown.error?.code).toBe('PGRST202');
  });

  it('calls a function with a row-type argument from a JSON object (POST) or a row literal (GET)', async () => {
    const post = await f.service.rpc('slot_width', { s: { id: 9, span: '[2,7)' } });
    expect(post.error).toBeNull();
    expect(post.data).toBe(5);
    const get = await f.service.rpc('slot_width', { s: '(9,"[2,9)")' }, { get: true });
    expect(get.error).toBeNull();
    expect(get.data).toBe(7);
  });
});

describe('Prefer: handling and max-affected', () => {
  // postgrest-js offers maxAffected() to clients typed for PostgREST 13 and later.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the fixture's clients are untyped
  type V13 = SupabaseClient<any, { PostgrestVersion: '13' }>;
  const v13 = (client: SupabaseClient): V13 => client as unknown as V13;
  const counts = async () => (await f.db.query<{ n: number }>('select n from public.counters order by id')).rows.map((r) => r.n);

  it('refuses an update over max-affected with 400 PGRST124 under strict handling and changes nothing', async () => {
    const before = await counts();
    const { error, status } = await v13(f.service).from('counters').update({ label: 'x' }).gt('id', 0).maxAffected(2);
    expect(status).toBe(400);
    expect(error).toEqual({
      code: 'PGRST124',
      message: 'Query result exceeds max-affected preference constraint',
      details: 'The query affects 3 rows',
      hint: null,
    });
    const labels = await f.db.query('select id from public.counters where label is not null');
    expect(labels.rows).toEqual([]);
    expect(await counts()).toEqual(before);
  });

  it('refuses a delete over max-affected, even with return=representation, and keeps the rows', async () => {
    const { error, status } = await v13(f.service).from('counters').delete().gt('id', 0).select().maxAffected(1);
    expect(status).toBe(400);
    expect(error?.code).toBe('PGRST124');
    expect((await f.db.query('select id from public.counters')).rows).toHaveLength(3);
  });

  it('lets a write within max-affected through, and echoes the preferences', async () => {
    const calls: RestCall[] = [];
    const client = clientFor(f.db, SERVICE_TOKEN, { calls });
    const { error, status } = await v13(client).from('counters').update({ label: 'y' }).eq('id', 1).maxAffected(1);
    expect(error).toBeNull();
    expect(status).toBe(204);
    expect(calls[0].response.headers['Preference-Applied']).toBe('handling=strict, max-affected=1');
    await f.db.exec(`update public.counters set label = null`);
  });

  it('ignores max-affected under lenient handling, as PostgREST does', async () => {
    const response = await rawRest('PATCH', '/counters?id=gt.0', { 'Prefer': 'handling=lenient, max-affected=1' }, { label: 'z' });
    expect(response.status).toBe(204);
    expect((await f.db.query('select id from public.counters where label = $1', ['z'])).rows).toHaveLength(3);
    await f.db.exec(`update public.counters set label = null`);
  });

  it('refuses unknown preferences under strict handling with 400 PGRST122, and ignores them otherwise', async () => {
    const strict = await rawRest('GET', '/counters', { Prefer: 'handling=strict, frobnicate' });
    expect(strict.status).toBe(400);
    expect(JSON.parse(strict.body!)).toEqual({
      code: 'PGRST122',
      message: 'Invalid preferences given with handling=strict',
      details: 'Invalid preferences: frobnicate',
      hint: null,
    });
    const lenient = await rawRest('GET', '/counters', { Prefer: 'frobnicate' });
    expect(lenient.status).toBe(200);
  });

  it('limits the rows a set-returning function call affects, and undoes the call beyond it', async () => {
    const before = await counts();
    const refused = await rawRest('POST', '/rpc/bump_all', { Prefer: 'handling=strict, max-affected=2' }, {});
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body!).code).toBe('PGRST124');
    expect(await counts()).toEqual(before);
    const single = await rawRest('POST', '/rpc/bump_one', { Prefer: 'handling=strict, max-affected=2' }, {});
    expect(single.status).toBe(400);
    expect(JSON.parse(single.body!)).toMatchObject({
      code: 'PGRST128',
      message: 'Function must return SETOF or TABLE when max-affected preference is used with handling=strict',
    });
    expect(await counts()).toEqual(before);
  });
});

describe('upsert status', () => {
  it('answers 201 when an upsert inserts and 200 when it only updates', async () => {
    const inserted = await f.service.from('counters').upsert({ id: 10, n: 1 });
    expect(inserted.error).toBeNull();
    expect(inserted.status).toBe(201);
    const updated = await f.service.from('counters').upsert({ id: 10, n: 2 });
    expect(updated.error).toBeNull();
    expect(updated.status).toBe(200);
    const updatedBody = await f.service.from('counters').upsert([{ id: 10, n: 3 }]).select('id, n');
    expect(updatedBody.status).toBe(200);
    expect(updatedBody.data).toEqual([{ id: 10, n: 3 }]);
    const mixed = await f.service.from('counters').upsert([{ id: 10, n: 4 }, { id: 11, n: 1 }]).select('id');
    expect(mixed.status).toBe(201);
    // ignore-duplicates stays 201, as in PostgREST.
    const ignored = await f.service.from('counters').upsert({ id: 10, n: 9 }, { ignoreDuplicates: true });
    expect(ignored.status).toBe(201);
    await f.db.exec('delete from public.counters where id >= 10');
  });
});

describe('RPC returning a scalar: count and HEAD', () => {
  it('counts the one row of a scalar result in Content-Range', async () => {
    const calls: RestCall[] = [];
    const client = clientFor(f.db, SERVICE_TOKEN, { calls });
    const { data, count, error } = await client.rpc('shout', { p: 'a' }, { count: 'exact' });
    expect(error).toBeNull();
    expect(data).toBe('A');
    expect(count).toBe(1);
    expect(calls[0].response.headers['Content-Range']).toBe('0-0/1');
  });

  it('answers HEAD on a scalar function with 200 and no body', async () => {
    const { error, status, count } = await f.service.rpc('shout', { p: 'a' }, { head: true, get: true, count: 'exact' });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(count).toBe(1);
  });
});

describe('embedding: empty embeds, duplicates, constraint names', () => {
  beforeAll(async () => {
    await f.db.query(`insert into public.todos (owner_id, title) values ($1, 'embed me')`, [ALICE]);
    await f.db.query(`insert into public.comments (todo_id, author_id, body) select id, $1, 'hi' from public.todos where title = 'embed me'`, [BOB]);
  });

  it('leaves an empty embed out of the result, while !inner still filters by it', async () => {
    const { data, error } = await f.service.from('todos').select('title, profiles()').eq('title', 'embed me');
    expect(error).toBeNull();
    expect(data).toEqual([{ title: 'embed me' }]);
    const inner = await f.service.from('todos').select('title, comments!inner()').eq('comments.body', 'nope');
    expect(inner.error).toBeNull();
    expect(inner.data).toEqual([]);
  });

  it('refuses the same table embedded twice without aliases with 42712', async () => {
    const { error, status } = await f.service.from('comments').select('id, profiles(username), profiles(id)');
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: '42712', message: 'table name "comments_profiles_1" specified more than once' });
    const aliased = await f.service.from('comments').select('body, a:profiles(username), b:profiles(id)').eq('body', 'hi');
    expect(aliased.error).toBeNull();
    expect(aliased.data).toEqual([{ body: 'hi', a: { username: 'bob' }, b: { id: BOB } }]);
  });

  it('embeds through a foreign key named by its constraint', async () => {
    const { data, error } = await f.service
      .from('comments')
      .select('body, author:profiles!comments_author_id_fkey(username), todo:todos!comments_todo_id_fkey(title)')
      .eq('body', 'hi');
    expect(error).toBeNull();
    expect(data).toEqual([{ body: 'hi', author: { username: 'bob' }, todo: { title: 'embed me' } }]);
  });
});

/** A request as a raw client would send it, for headers supabase-js cannot express. */
async function rawRest(method: string, pathAndQuery: string, headers: Record<string, string> = {}, body?: unknown) {
  const url = new URL(`http://127.0.0.1/rest/v1${pathAndQuery}`);
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return handleRest(
    {
      method,
      path: url.pathname.replace(/^\/rest\/v1/, ''),
      query: url.searchParams,
      headers: lower,
      body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
    },
    { db: f.db, claims: { role: 'service_role' }, maxRows: 1000 },
  );
}

describe('aggregate functions (db-aggregates-enabled)', () => {
  beforeAll(async () => {
    await f.db.exec(`
      create table public.sales (id int primary key, region text not null, amount numeric not null, seller uuid references public.profiles (id));
      grant select on public.sales to service_role;`);
    await f.db.query(
      `insert into public.sales values (1, 'north', 10, $1), (2, 'north', 30, $1), (3, 'south', 5, $2), (4, 'south', 7, $2), (5, 'south', 9, $1)`,
      [ALICE, BOB],
    );
  });

  it('refuses aggregates with 400 PGRST123 when they are off, as on hosted projects by default', async () => {
    const { error, status } = await f.service.from('sales').select('amount.sum()');
    expect(status).toBe(400);
    expect(error).toEqual({ code: 'PGRST123', message: 'Use of aggregate functions is not allowed', details: null, hint: null });
    const counted = await f.service.from('sales').select('count()');
    expect(counted.error?.code).toBe('PGRST123');
  });

  it('aggregates over all rows, named after the function or an alias, with casts', async () => {
    const client = clientFor(f.db, SERVICE_TOKEN, { settings: { aggregatesEnabled: true } });
    const { data, error } = await client.from('sales').select('count(), amount.sum(), amount.avg()::int, low:amount.min(), amount.max()');
    expect(error).toBeNull();
    expect(data).toEqual([{ count: 5, sum: 61, avg: 12, low: 5, max: 30 }]);
  });

  it('groups by the other selected columns, and combines with filters and order', async () => {
    const client = clientFor(f.db, SERVICE_TOKEN, { settings: { aggregatesEnabled: true } });
    const { data, error } = await client.from('sales').select('region, total:amount.sum(), id.count()').gt('amount', 6).order('region');
    expect(error).toBeNull();
    expect(data).toEqual([
      { region: 'north', total: 40, count: 2 },
      { region: 'south', total: 16, count: 2 },
    ]);
  });

  it('aggregates inside an embedded resource', async () => {
    const client = clientFor(f.db, SERVICE_TOKEN, { settings: { aggregatesEnabled: true } });
    const { data, error } = await client.from('profiles').select('username, sales(amount.sum())').order('username');
    expect(error).toBeNull();
    expect(data).toEqual([
      { username: 'alice', sales: [{ sum: 49 }] },
      { username: 'bob', sales: [{ sum: 12 }] },
    ]);
  });
});

describe('exposed schemas from config, chosen by Accept-Profile and Content-Profile', () => {
  beforeAll(async () => {
    await f.db.exec(`
      create schema api;
      grant usage on schema api to service_role;
      create table api.notes (id int primary key, body text not null);
      grant select, insert on api.notes to service_role;
      insert into api.notes values (1, 'from api');
      create function api.note_count() returns bigint language plpgsql stable as $$ begin return (select count(*) from notes); end $$;
      grant execute on function api.note_count() to service_role;`);
  });
  const settings = { schemas: ['public', 'api'] };

  it('reads, writes and calls in another exposed schema, and says which in Content-Profile', async () => {
    const calls: RestCall[] = [];
    const client = clientFor(f.db, SERVICE_TOKEN, { settings, calls });
    const read = await client.schema('api').from('notes').select('id, body');
    expect(read.error).toBeNull();
    expect(read.data).toEqual([{ id: 1, body: 'from api' }]);
    expect(calls[0].headers['accept-profile']).toBe('api');
    expect(calls[0].response.headers['Content-Profile']).toBe('api');
    const write = await client.schema('api').from('notes').insert({ id: 2, body: 'written' });
    expect(write.error).toBeNull();
    expect(calls[1].headers['content-profile']).toBe('api');
    // The function's unqualified `notes` resolves in the request's schema, first on the search path.
    const count = await client.schema('api').rpc('note_count', {}, { get: true });
    expect(count.error).toBeNull();
    expect(count.data).toBe(2);
    // Without a profile the first exposed schema (public) is meant.
    const missing = await client.from('notes').select('*');
    expect(missing.status).toBe(404);
    expect(missing.error?.message).toBe("Could not find the table 'public.notes' in the schema cache");
  });

  it('refuses a schema that is not exposed with 406 PGRST106, naming the exposed ones', async () => {
    const client = clientFor(f.db, SERVICE_TOKEN, { settings });
    const { error, status } = await client.schema('private').from('notes').select('*');
    expect(status).toBe(406);
    expect(error).toEqual({
      code: 'PGRST106',
      message: 'Invalid schema: private',
      details: null,
      hint: 'Only the following schemas are exposed: public, api',
    });
    // Not exposed by default: only public is.
    const defaults = await f.service.schema('api').from('notes').select('*');
    expect(defaults.status).toBe(406);
  });
});

describe('CSV output (Accept: text/csv)', () => {
  it('answers a read as CSV with a header line, as PostgREST formats rows', async () => {
    const calls: RestCall[] = [];
    const client = clientFor(f.db, SERVICE_TOKEN, { calls });
    await f.db.exec(`insert into public.counters (id, n, label) values (20, 1, 'a, "quoted"'), (21, 2, null)`);
    const { data, error } = await client.from('counters').select('id, n, label').gte('id', 20).order('id').csv();
    expect(error).toBeNull();
    expect(data).toBe('id,n,label\n20,1,"a, ""quoted"""\n21,2,');
    expect(calls[0].response.headers['Content-Type']).toBe('text/csv; charset=utf-8');
    const empty = await client.from('counters').select('id').eq('id', -1).csv();
    expect(empty.data).toBe('\n');
    await f.db.exec('delete from public.counters where id >= 20');
  });
});

describe('computed relationships (functions as embedded resources)', () => {
  beforeAll(async () => {
    await f.db.exec(`
      create function public.owner_profile(t public.todos) returns setof public.profiles rows 1
      language sql stable as $$ select * from public.profiles where id = t.owner_id $$;
      create function public.sibling_todos(t public.todos) returns setof public.todos
      language sql stable as $$ select * from public.todos where owner_id = t.owner_id and id <> t.id $$;
      grant execute on function public.owner_profile(public.todos), public.sibling_todos(public.todos) to anon, authenticated, service_role;`);
    await f.db.query(`insert into public.todos (owner_id, title, is_public) values ($1, 'computed one', true), ($1, 'computed two', true)`, [BOB]);
  });

  it('embeds a function of the row by its name: to-one for ROWS 1, to-many otherwise', async () => {
    for (const client of [f.service, f.alice]) {
      const { data, error } = await client
        .from('todos')
        .select('title, owner_profile(username), sibling_todos(title)')
        .like('title', 'computed%')
        .order('title');
      expect(error).toBeNull();
      expect(data).toEqual([
        { title: 'computed one', owner_profile: { username: 'bob' }, sibling_todos: [{ title: 'computed two' }] },
        { title: 'computed two', owner_profile: { username: 'bob' }, sibling_todos: [{ title: 'computed one' }] },
      ]);
    }
  });
});

describe('REST settings in supabase/config.toml', () => {
  it('reads the exposed schemas and the extra search path, with the Supabase CLI defaults', () => {
    const api = loadProjectConfig().api;
    expect(api.schemas).toEqual(['public', 'graphql_public']);
    expect(api.extra_search_path).toEqual(['public', 'extensions']);
    const defaults = parseProjectConfig('[api]\nmax_rows = 10\n').api;
    expect(defaults.schemas).toEqual(['public', 'graphql_public']);
    expect(() => parseProjectConfig('[api]\nschemas = []\n')).toThrow(/api\.schemas/);
  });
});
