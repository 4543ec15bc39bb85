import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, clientFor, createRestFixture, userToken, type RestCall, type RestFixture } from './rest-fixtures.ts';

let f: RestFixture;

beforeAll(async () => {
  f = await createRestFixture();
  await f.db.exec(`
    insert into public.todos (id, owner_id, title, done, is_public, priority, tags, meta, amount, created_at) values
      (1, '${ALICE}', 'Buy milk', false, true, 1, '{home,food}', '{"kind":"errand","level":{"n":2}}', 12345678901234567890.25, '2026-01-01T12:00:00Z'),
      (2, '${ALICE}', 'Write report, part 1', true, false, 3, '{work}', null, null, '2026-01-02T12:00:00Z'),
      (3, '${ALICE}', 'Call (mum)', false, false, null, '{}', '{"kind":"call"}', 1.5, '2026-01-03T12:00:00Z'),
      (4, '${BOB}', 'Bob public', false, true, 2, '{}', null, null, '2026-01-04T12:00:00Z'),
      (5, '${BOB}', 'Bob private', false, false, 5, '{}', null, null, '2026-01-05T12:00:00Z');
    insert into public.comments (todo_id, author_id, body) values
      (1, '${ALICE}', 'semi-skimmed'), (1, '${BOB}', 'oat'), (2, '${ALICE}', 'due friday');
    insert into public.labels (id, name) values (1, 'urgent'), (2, 'later');
    insert into public.todo_labels (todo_id, label_id) values (1, 1), (1, 2), (2, 2);
  `);
});

afterAll(async () => {
  await f.database.close();
});

describe('reads with select', () => {
  it('returns the rows the caller may see, as JSON produced by Postgres', async () => {
    const { data, error, status, count } = await f.alice.from('todos').select('id, title').order('id');
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(count).toBeNull();
    expect(data).toEqual([
      { id: 1, title: 'Buy milk' },
      { id: 2, title: 'Write report, part 1' },
      { id: 3, title: 'Call (mum)' },
      { id: 4, title: 'Bob public' },
    ]);
  });

  it('keeps numeric precision and PostgREST timestamp format', async () => {
    const calls: RestCall[] = [];
    const client = clientFor(f.db, userToken(ALICE), { calls });
    const { data } = await client.from('todos').select('amount, created_at, meta, tags').eq('id', 1).single();
    expect(data).toMatchObject({ meta: { kind: 'errand', level: { n: 2 } }, tags: ['home', 'food'] });
    expect(calls[0].response.body).toContain('12345678901234567890.25');
    expect((data as { created_at: string }).created_at).toMatch(/^2026-01-01T\d\d:00:00\+\d\d:\d\d$/);
  });

  it('renames with alias:column, casts with ::type and reads JSON paths', async () => {
    const { data, error } = await f.alice
      .from('todos')
      .select('name:title, priority::text, kind:meta->>kind, level:meta->level->n, meta->>kind')
      .eq('id', 1)
      .single();
    expect(error).toBeNull();
    expect(data).toEqual({ name: 'Buy milk', priority: '1', kind: 'errand', level: 2 });
  });

  it('lets anonymous callers see only what the policies allow', async () => {
    const { data } = await f.anon.from('todos').select('id').order('id');
    expect(data).toEqual([{ id: 1 }, { id: 4 }]);
  });

  it('never shows one user the private rows of another', async () => {
    const { data } = await f.bob.from('todos').select('id').order('id');
    expect(data).toEqual([{ id: 1 }, { id: 4 }, { id: 5 }]);
  });
});

describe('filters', () => {
  const ids = async (query: PromiseLike<{ data: unknown; error: unknown }>) => {
    const { data, error } = await query;
    expect(error).toBeNull();
    return (data as { id: number }[]).map((row) => row.id);
  };
  const todos = () => f.alice.from('todos').select('id');

  it('compares with eq, neq, gt, gte, lt and lte, coercing the text value to the column type', async () => {
    expect(await ids(todos().eq('done', true))).toEqual([2]);
    expect(await ids(todos().neq('id', 1).order('id'))).toEqual([2, 3, 4]);
    expect(await ids(todos().gt('priority', 1).order('id'))).toEqual([2, 4]);
    expect(await ids(todos().gte('priority', 2).order('id'))).toEqual([2, 4]);
    expect(await ids(todos().lt('created_at', '2026-01-02T00:00:00Z'))).toEqual([1]);
    expect(await ids(todos().lte('priority', 1))).toEqual([1]);
  });

  it('matches patterns with like and ilike, where * means %', async () => {
    expect(await ids(todos().like('title', '*milk'))).toEqual([1]);
    expect(await ids(todos().ilike('title', 'BOB*'))).toEqual([4]);
    expect(await ids(todos().like('title', '%report%'))).toEqual([2]);
  });

  it('accepts lists with in, including quoted values with commas and parentheses', async () => {
    expect(await ids(todos().in('id', [1, 3, 99]).order('id'))).toEqual([1, 3]);
    expect(await ids(todos().in('title', ['Write report, part 1', 'Call (mum)']).order('id'))).toEqual([2, 3]);
    expect(await ids(todos().in('id', []))).toEqual([]);
  });

  it('tests null and booleans with is, which differs from eq', async () => {
    expect(await ids(todos().is('priority', null))).toEqual([3]);
    expect(await ids(todos().not('priority', 'is', null).order('id'))).toEqual([1, 2, 4]);
    expect(await ids(todos().is('done', true))).toEqual([2]);
  });

  it('negates with not and combines with or, including nested and()', async () => {
    expect(await ids(todos().not('id', 'in', '(1,2)').order('id'))).toEqual([3, 4]);
    expect(await ids(todos().or('id.eq.1,priority.gte.3').order('id'))).toEqual([1, 2]);
    expect(await ids(todos().or('title.eq."Write report, part 1",and(done.is.false,priority.is.null)').order('id'))).toEqual([2, 3]);
    expect(await ids(todos().or('id.eq.4,done.not.is.false').order('id'))).toEqual([2, 4]);
  });

  it('filters arrays and JSON with contains, overlaps and JSON paths', async () => {
    expect(await ids(todos().contains('tags', ['food']))).toEqual([1]);
    expect(await ids(todos().overlaps('tags', ['work', 'food']).order('id'))).toEqual([1, 2]);
    expect(await ids(todos().eq('meta->>kind', 'call'))).toEqual([3]);
    expect(await ids(todos().contains('meta', { kind: 'errand' }))).toEqual([1]);
  });

  it('searches text with the full-text operators', async () => {
    expect(await ids(todos().textSearch('title', 'milk'))).toEqual([1]);
    expect(await ids(todos().textSearch('title', 'report part', { type: 'plain', config: 'english' }))).toEqual([2]);
    expect(await ids(todos().textSearch('title', '"write report"', { type: 'websearch' }))).toEqual([2]);
  });

  it('matches any of several patterns with like(any)', async () => {
    expect(await ids(todos().likeAnyOf('title', ['*milk', 'Call*']).order('id'))).toEqual([1, 3]);
  });

  it('keeps SQL in values as plain data', async () => {
    expect(await ids(todos().eq('title', "x'; drop table todos; --"))).toEqual([]);
    const { count } = await f.service.from('todos').select('*', { count: 'exact', head: true });
    expect(count).toBe(5);
  });
});

describe('order, paging and counts', () => {
  it('orders by several columns with directions and null placement', async () => {
    const { data } = await f.alice.from('todos').select('id').order('priority', { ascending: false, nullsFirst: true }).order('id');
    expect(data).toEqual([{ id: 3 }, { id: 2 }, { id: 4 }, { id: 1 }]);
  });

  it('pages with limit and range', async () => {
    expect((await f.alice.from('todos').select('id').order('id').limit(2)).data).toEqual([{ id: 1 }, { id: 2 }]);
    expect((await f.alice.from('todos').select('id').order('id').range(1, 2)).data).toEqual([{ id: 2 }, { id: 3 }]);
  });

  it('counts exactly with Content-Range and 206 for a partial page', async () => {
    const calls: RestCall[] = [];
    const client = clientFor(f.db, userToken(ALICE), { calls });
    const { data, count, status } = await client.from('todos').select('id', { count: 'exact' }).order('id').range(1, 2);
    expect(data).toEqual([{ id: 2 }, { id: 3 }]);
    expect(count).toBe(4);
    expect(status).toBe(206);
    expect(calls[0].response.headers['Content-Range']).toBe('1-2/4');
  });

  it('sends Content-Range without a total when no count is asked, and */0 when empty', async () => {
    const calls: RestCall[] = [];
    const client = clientFor(f.db, userToken(ALICE), { calls });
    await client.from('todos').select('id').order('id').limit(2);
    expect(calls[0].response.headers['Content-Range']).toBe('0-1/*');
    const empty = await client.from('todos').select('id', { count: 'exact' }).eq('id', 999);
    expect(empty.status).toBe(200);
    expect(empty.data).toEqual([]);
    expect(empty.count).toBe(0);
    expect(calls[1].response.headers['Content-Range']).toBe('*/0');
  });

  it('answers HEAD with a count and no body', async () => {
    const { data, count, error } = await f.anon.from('todos').select('*', { count: 'exact', head: true });
    expect(error).toBeNull();
    expect(data).toBeNull();
    expect(count).toBe(2);
  });

  it('treats planned and estimated counts like exact ones', async () => {
    expect((await f.alice.from('todos').select('id', { count: 'planned' })).count).toBe(4);
    expect((await f.alice.from('todos').select('id', { count: 'estimated' })).count).toBe(4);
  });

  it('caps reads at the max-rows setting', async () => {
    const client = clientFor(f.db, userToken(ALICE), { maxRows: 2 });
    const { data, count } = await client.from('todos').select('id', { count: 'exact' }).order('id');
    expect(data).toEqual([{ id: 1 }, { id: 2 }]);
    expect(count).toBe(4);
  });

  it('refuses an offset past the end with 416 PGRST103', async () => {
    const { error, status } = await f.alice.from('todos').select('id', { count: 'exact' }).range(10, 12);
    expect(status).toBe(416);
    expect(error?.code).toBe('PGRST103');
  });
});

describe('single() and maybeSingle()', () => {
  it('single() returns a bare object for exactly one row', async () => {
    const { data, error, status } = await f.alice.from('todos').select('id, title').eq('id', 2).single();
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toEqual({ id: 2, title: 'Write report, part 1' });
  });

  it('single() fails with 406 PGRST116 for zero rows and for several rows', async () => {
    const none = await f.alice.from('todos').select('id').eq('id', 5).single();
    expect(none.status).toBe(406);
    expect(none.data).toBeNull();
    expect(none.error).toMatchObject({
      code: 'PGRST116',
      message: 'Cannot coerce the result to a single JSON object',
      details: 'The result contains 0 rows',
    });
    const many = await f.alice.from('todos').select('id').single();
    expect(many.status).toBe(406);
    expect(many.error?.details).toBe('The result contains 4 rows');
  });

  it('maybeSingle() gives null for no row and the object for one row', async () => {
    const calls: RestCall[] = [];
    const client = clientFor(f.db, userToken(ALICE), { calls });
    const none = await client.from('todos').select('id').eq('id', 5).maybeSingle();
    expect(none.error).toBeNull();
    expect(none.data).toBeNull();
    expect(calls[0].response.body).toBe('[]');
    const one = await client.from('todos').select('id').eq('id', 1).maybeSingle();
    expect(one.data).toEqual({ id: 1 });
  });
});

describe('embedding', () => {
  it('embeds a many-to-one relation as an object and a one-to-many relation as an array', async () => {
    const { data, error } = await f.alice
      .from('todos')
      .select('id, owner:profiles(username), comments(body)')
      .in('id', [1, 3])
      .order('id');
    expect(error).toBeNull();
    expect(data).toEqual([
      { id: 1, owner: { username: 'alice' }, comments: expect.arrayContaining([{ body: 'semi-skimmed' }, { body: 'oat' }]) },
      { id: 3, owner: { username: 'alice' }, comments: [] },
    ]);
  });

  it('disambiguates with !fk hints and filters, orders and limits embedded rows', async () => {
    const { data, error } = await f.alice
      .from('todos')
      .select('id, comments(body, author:profiles!author_id(username))')
      .eq('id', 1)
      .eq('comments.body', 'oat')
      .single();
    expect(error).toBeNull();
    expect(data).toEqual({ id: 1, comments: [{ body: 'oat', author: { username: 'bob' } }] });

    const ordered = await f.alice
      .from('todos')
      .select('id, comments(body)')
      .eq('id', 1)
      .order('body', { referencedTable: 'comments', ascending: false })
      .limit(1, { referencedTable: 'comments' })
      .single();
    expect(ordered.data).toEqual({ id: 1, comments: [{ body: 'semi-skimmed' }] });
  });

  it('drops parents without a matching child with !inner', async () => {
    const { data } = await f.alice.from('todos').select('id, comments!inner(body)').eq('comments.body', 'due friday');
    expect(data).toEqual([{ id: 2, comments: [{ body: 'due friday' }] }]);
  });

  it('embeds the parent seen from the child side', async () => {
    const { data } = await f.alice.from('comments').select('body, todos(title)').eq('body', 'oat').single();
    expect(data).toEqual({ body: 'oat', todos: { title: 'Buy milk' } });
  });

  it('embeds many-to-many relations through a junction table', async () => {
    const { data, error } = await f.alice
      .from('todos')
      .select('id, labels(name)')
      .in('id', [1, 2, 3])
      .order('id')
      .order('name', { referencedTable: 'labels' });
    expect(error).toBeNull();
    expect(data).toEqual([
      { id: 1, labels: [{ name: 'later' }, { name: 'urgent' }] },
      { id: 2, labels: [{ name: 'later' }] },
      { id: 3, labels: [] },
    ]);
    const hinted = await f.alice.from('labels').select('name, todos!todo_labels(id)').eq('id', 1).single();
    expect(hinted.data).toEqual({ name: 'urgent', todos: [{ id: 1 }] });
  });

  it('spreads the columns of a to-one embedding into the parent object', async () => {
    const { data, error } = await f.alice.from('todos').select('id, ...profiles(owner_name:username)').eq('id', 1).single();
    expect(error).toBeNull();
    expect(data).toEqual({ id: 1, owner_name: 'alice' });
    const toMany = await f.alice.from('todos').select('id, ...comments(body)');
    expect(toMany.status).toBe(400);
    expect(toMany.error?.code).toBe('PGRST119');
  });

  it('filters embedded rows with or', async () => {
    const { data } = await f.alice
      .from('todos')
      .select('id, comments(body)')
      .eq('id', 1)
      .or('body.eq.oat,body.eq.none', { referencedTable: 'comments' })
      .single();
    expect(data).toEqual({ id: 1, comments: [{ body: 'oat' }] });
  });

  it('filters embedded rows by a JSON path', async () => {
    const { data, error } = await f.alice.from('profiles').select('username, todos(id)').eq('username', 'alice').eq('todos.meta->>kind', 'call').single();
    expect(error).toBeNull();
    expect(data).toEqual({ username: 'alice', todos: [{ id: 3 }] });
  });

  it('nests embeddings more than one level deep', async () => {
    const { data, error } = await f.alice
      .from('profiles')
      .select('username, todos(id, comments(body))')
      .eq('username', 'alice')
      .eq('todos.id', 2)
      .single();
    expect(error).toBeNull();
    expect(data).toEqual({ username: 'alice', todos: [{ id: 2, comments: [{ body: 'due friday' }] }] });
  });

  it('applies RLS to embedded rows too', async () => {
    const { data } = await f.anon.from('comments').select('body, todos(id)').order('id');
    expect(data).toEqual([
      { body: 'semi-skimmed', todos: { id: 1 } },
      { body: 'oat', todos: { id: 1 } },
    ]);
  });
});

describe('read errors', () => {
  it('answers an unknown table with 404 PGRST205', async () => {
    const { error, status } = await f.alice.from('nope').select('*');
    expect(status).toBe(404);
    expect(error).toMatchObject({ code: 'PGRST205', message: "Could not find the table 'public.nope' in the schema cache" });
  });

  it('answers an unknown column with 400 42703', async () => {
    const { error, status } = await f.alice.from('todos').select('id, nope');
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: '42703', message: 'column todos.nope does not exist' });
    const filtered = await f.alice.from('todos').select('id').eq('nope', 1);
    expect(filtered.status).toBe(400);
    expect(filtered.error?.code).toBe('42703');
  });

  it('answers bad syntax with 400 PGRST100', async () => {
    const badOp = await f.alice.from('todos').select('id').filter('id', 'equals', 1);
    expect(badOp.status).toBe(400);
    expect(badOp.error?.code).toBe('PGRST100');
    const badOr = await f.alice.from('todos').select('id').or('id.eq.1,(');
    expect(badOr.error?.code).toBe('PGRST100');
    const badSelect = await f.alice.from('todos').select('id, profiles(username');
    expect(badSelect.error?.code).toBe('PGRST100');
    const badLimit = await f.alice.from('todos').select('id').limit(-1);
    expect(badLimit.error?.code).toBe('PGRST100');
  });

  it('answers a value of the wrong type with 400 22P02', async () => {
    const { error, status } = await f.alice.from('todos').select('id').eq('id', 'abc');
    expect(status).toBe(400);
    expect(error?.code).toBe('22P02');
  });

  it('answers a missing relationship with 400 PGRST200', async () => {
    const { error, status } = await f.alice.from('profiles').select('id, secrets(*)');
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: 'PGRST200', message: "Could not find a relationship between 'profiles' and 'secrets' in the schema cache" });
  });

  it('answers an embedded filter on a resource that is not selected with 400 PGRST108', async () => {
    const { error, status } = await f.alice.from('todos').select('id').eq('comments.body', 'oat');
    expect(status).toBe(400);
    expect(error?.code).toBe('PGRST108');
  });

  it('answers a table without grants with 403 42501', async () => {
    const { error, status } = await f.alice.from('secrets').select('*');
    expect(status).toBe(403);
    expect(error).toMatchObject({ code: '42501', message: 'permission denied for table secrets' });
  });

  it('refuses a schema that is not exposed with 406 PGRST106', async () => {
    const { error, status } = await f.alice.schema('auth').from('users').select('*');
    expect(status).toBe(406);
    expect(error?.code).toBe('PGRST106');
  });

  it('finds tables created after the first request', async () => {
    expect((await f.service.from('late_table').select('*')).status).toBe(404);
    await f.db.exec(`create table public.late_table (id int primary key); grant select on public.late_table to service_role;
      insert into public.late_table values (7);`);
    const { data, error } = await f.service.from('late_table').select('*');
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 7 }]);
  });

  it('runs reads read-only', async () => {
    const { error, status } = await f.service.rpc('mark_done', { p_id: 1 }, { get: true });
    expect(status).toBe(405);
    expect(error?.code).toBe('25006');
  });

  it('refuses a role that is not an API role, even when the gateway is bypassed', async () => {
    const client = clientFor(f.db, userToken(BOB).replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ role: 'postgres' })).toString('base64url')}.`));
    const { error, status } = await client.from('todos').select('id');
    expect(status).toBe(403);
    expect(error?.code).toBe('42501');
  });
});
