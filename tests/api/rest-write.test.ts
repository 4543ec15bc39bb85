import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, clientFor, createRestFixture, userToken, type RestCall, type RestFixture } from './rest-fixtures.ts';

let f: RestFixture;

beforeAll(async () => {
  f = await createRestFixture();
});

afterAll(async () => {
  await f.database.close();
});

beforeEach(async () => {
  await f.db.exec(`
    truncate public.todos restart identity cascade;
    insert into public.todos (owner_id, title, priority) values
      ('${ALICE}', 'Alice one', 1), ('${ALICE}', 'Alice two', 2), ('${BOB}', 'Bob one', 1);
  `);
});

const titles = async (owner: string) =>
  (await f.db.query<{ title: string }>('select title from public.todos where owner_id = $1 order by id', [owner])).rows.map((r) => r.title);

describe('insert', () => {
  it('inserts one object with minimal return: 201 and no body, defaults filled in', async () => {
    const calls: RestCall[] = [];
    const client = clientFor(f.db, userToken(ALICE), { calls });
    const { data, error, status } = await client.from('todos').insert({ title: 'New' });
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toBeNull();
    expect(calls[0].response.body).toBeUndefined();
    const row = await f.db.query<{ owner_id: string; done: boolean }>(`select owner_id, done from public.todos where title = 'New'`);
    expect(row.rows).toEqual([{ owner_id: ALICE, done: false }]);
  });

  it('returns the inserted rows with select(), shaped by the select list and embeddings', async () => {
    const { data, error, status } = await f.alice
      .from('todos')
      .insert({ title: 'Shown', priority: 7 })
      .select('title, priority, owner:profiles(username)')
      .single();
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toEqual({ title: 'Shown', priority: 7, owner: { username: 'alice' } });
  });

  it('inserts arrays with the union of keys, missing keys becoming NULL', async () => {
    const { data, error } = await f.alice
      .from('todos')
      .insert([{ title: 'A', priority: 5 }, { title: 'B' }])
      .select('title, priority');
    expect(error).toBeNull();
    expect(data).toEqual([{ title: 'A', priority: 5 }, { title: 'B', priority: null }]);
  });

  it('with defaultToNull false, missing keys take the column default', async () => {
    const { data, error } = await f.alice
      .from('todos')
      .insert([{ title: 'C', done: true }, { title: 'D' }], { defaultToNull: false })
      .select('title, done');
    expect(error).toBeNull();
    expect(data).toEqual([{ title: 'C', done: true }, { title: 'D', done: false }]);
  });

  it('refuses a NULL from a missing key when the column is not null', async () => {
    const { error, status } = await f.alice.from('todos').insert([{ title: 'E', done: true }, { title: 'F' }]);
    expect(status).toBe(400);
    expect(error?.code).toBe('23502');
    expect(await titles(ALICE)).toEqual(['Alice one', 'Alice two']);
  });

  it('refuses an unknown column with 400 PGRST204', async () => {
    const { error, status } = await f.alice.from('todos').insert({ title: 'x', colour: 'red' });
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: 'PGRST204', message: "Could not find the 'colour' column of 'todos' in the schema cache" });
  });

  it('refuses rows that break a row-level policy with 403 42501', async () => {
    const { error, status } = await f.alice.from('todos').insert({ title: 'Forged', owner_id: BOB });
    expect(status).toBe(403);
    expect(error).toMatchObject({ code: '42501', message: 'new row violates row-level security policy for table "todos"' });
  });

  it('refuses anonymous writes without a grant with 401, as PostgREST answers 42501 to the anonymous role', async () => {
    const { error, status } = await f.anon.from('todos').insert({ title: 'Anon' });
    expect(status).toBe(401);
    expect(error?.code).toBe('42501');
  });

  it('reports constraint violations with their SQLSTATE, details and status', async () => {
    const check = await f.alice.from('todos').insert({ title: '' });
    expect(check.status).toBe(400);
    expect(check.error?.code).toBe('23514');
    const duplicate = await f.service.from('profiles').insert({ id: ALICE, username: 'again' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.error).toMatchObject({ code: '23505', message: 'duplicate key value violates unique constraint "profiles_pkey"' });
    expect(duplicate.error?.details).toContain(`Key (id)=(${ALICE}) already exists.`);
    const foreign = await f.service.from('comments').insert({ todo_id: 999, body: 'orphan' });
    expect(foreign.status).toBe(409);
    expect(foreign.error?.code).toBe('23503');
  });

  it('refuses a body that is not JSON, or not objects, with 400 PGRST102', async () => {
    const calls: RestCall[] = [];
    const client = clientFor(f.db, userToken(ALICE), { calls });
    const notObjects = await client.from('todos').insert([1, 2] as never);
    expect(notObjects.status).toBe(400);
    expect(notObjects.error?.code).toBe('PGRST102');
    const { handleRest } = await import('../../supabase/emulator/rest/index.ts');
    const response = await handleRest(
      { method: 'POST', path: '/todos', query: new URLSearchParams(), headers: {}, body: Buffer.from('{"title":') },
      { db: f.db, claims: { role: 'authenticated', sub: ALICE }, maxRows: 1000 },
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body!)).toMatchObject({ code: 'PGRST102', message: 'Empty or invalid json' });
    const empty = await handleRest(
      { method: 'PATCH', path: '/todos', query: new URLSearchParams('id=eq.1'), headers: {}, body: undefined },
      { db: f.db, claims: { role: 'authenticated', sub: ALICE }, maxRows: 1000 },
    );
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.body!).code).toBe('PGRST102');
  });

  it('answers return=headers-only with 201 and a Location naming the new row', async () => {
    const { handleRest } = await import('../../supabase/emulator/rest/index.ts');
    const response = await handleRest(
      { method: 'POST', path: '/todos', query: new URLSearchParams(), headers: { prefer: 'return=headers-only' }, body: Buffer.from('{"id":77,"title":"located"}') },
      { db: f.db, claims: { role: 'authenticated', sub: ALICE }, maxRows: 1000 },
    );
    expect(response.status).toBe(201);
    expect(response.body).toBeUndefined();
    expect(response.headers['Location']).toBe('/todos?id=eq.77');
  });

  it('keeps big numbers exact on the way in', async () => {
    const { handleRest } = await import('../../supabase/emulator/rest/index.ts');
    const response = await handleRest(
      {
        method: 'POST',
        path: '/todos',
        query: new URLSearchParams('select=amount'),
        headers: { prefer: 'return=representation' },
        body: Buffer.from('{"title":"big","amount":12345678901234567890.000001}'),
      },
      { db: f.db, claims: { role: 'authenticated', sub: ALICE }, maxRows: 1000 },
    );
    expect(response.status).toBe(201);
    expect(response.body).toBe('[{"amount":12345678901234567890.000001}]');
  });
});

describe('upsert', () => {
  it('merges duplicates on the primary key', async () => {
    const { data, error, status } = await f.alice
      .from('todos')
      .upsert([{ id: 1, title: 'Alice one, renamed', priority: 1 }, { id: 50, title: 'Fresh', priority: 2 }])
      .select('id, title')
      .order('id');
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toEqual([{ id: 1, title: 'Alice one, renamed' }, { id: 50, title: 'Fresh' }]);
  });

  it('merges on the on_conflict columns', async () => {
    const { error } = await f.service.from('profiles').upsert({ id: BOB, username: 'bobby' }, { onConflict: 'id' });
    expect(error).toBeNull();
    const byName = await f.service.from('profiles').upsert({ id: BOB, username: 'bobby' }, { onConflict: 'username' }).select('username');
    expect(byName.data).toEqual([{ username: 'bobby' }]);
    await f.db.query(`update public.profiles set username = 'bob' where id = $1`, [BOB]);
  });

  it('ignores duplicates when asked', async () => {
    const { data, error } = await f.alice
      .from('todos')
      .upsert({ id: 1, title: 'Ignored' }, { ignoreDuplicates: true })
      .select('id');
    expect(error).toBeNull();
    expect(data).toEqual([]);
    expect(await titles(ALICE)).toEqual(['Alice one', 'Alice two']);
  });

  it('cannot take over another user\'s row', async () => {
    const { error, status } = await f.alice.from('todos').upsert({ id: 3, title: 'Mine now', owner_id: ALICE });
    expect(status).toBe(403);
    expect(error?.code).toBe('42501');
    expect(await titles(BOB)).toEqual(['Bob one']);
  });
});

describe('update', () => {
  it('sets only the given keys on the filtered rows: 204 minimal, 200 with representation', async () => {
    const minimal = await f.alice.from('todos').update({ done: true }).eq('id', 1);
    expect(minimal.status).toBe(204);
    expect(minimal.error).toBeNull();
    const { data, status } = await f.alice.from('todos').update({ priority: 9 }).eq('id', 1).select('id, done, priority, title');
    expect(status).toBe(200);
    expect(data).toEqual([{ id: 1, done: true, priority: 9, title: 'Alice one' }]);
  });

  it('leaves rows hidden by RLS untouched, without an error', async () => {
    const { data, error } = await f.alice.from('todos').update({ title: 'Hacked' }).eq('id', 3).select('id');
    expect(error).toBeNull();
    expect(data).toEqual([]);
    expect(await titles(BOB)).toEqual(['Bob one']);
  });

  it('refuses an update without any filter with 400 21000', async () => {
    const { error, status } = await f.alice.from('todos').update({ done: true });
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: '21000', message: 'UPDATE requires a WHERE clause' });
  });

  it('rolls back a single() update that touches more than one row', async () => {
    const { error, status } = await f.alice.from('todos').update({ title: 'Same' }).eq('owner_id', ALICE).select('id').single();
    expect(status).toBe(406);
    expect(error).toMatchObject({ code: 'PGRST116', details: 'The result contains 2 rows' });
    expect(await titles(ALICE)).toEqual(['Alice one', 'Alice two']);
  });

  it('rolls back with Prefer tx=rollback and still answers', async () => {
    const { handleRest } = await import('../../supabase/emulator/rest/index.ts');
    const response = await handleRest(
      {
        method: 'PATCH',
        path: '/todos',
        query: new URLSearchParams('id=eq.1&select=title'),
        headers: { prefer: 'return=representation, tx=rollback' },
        body: Buffer.from('{"title":"Dry run"}'),
      },
      { db: f.db, claims: { role: 'authenticated', sub: ALICE }, maxRows: 1000 },
    );
    expect(response.status).toBe(200);
    expect(response.body).toBe('[{"title":"Dry run"}]');
    expect(response.headers['Preference-Applied']).toBe('return=representation, tx=rollback');
    expect(await titles(ALICE)).toEqual(['Alice one', 'Alice two']);
  });
});

describe('delete', () => {
  it('deletes the filtered rows: 204 minimal, 200 with representation and counts', async () => {
    const minimal = await f.alice.from('todos').delete().eq('id', 1);
    expect(minimal.status).toBe(204);
    const { data, status, count } = await f.alice.from('todos').delete({ count: 'exact' }).eq('id', 2).select('title');
    expect(status).toBe(200);
    expect(data).toEqual([{ title: 'Alice two' }]);
    expect(count).toBe(1);
    expect(await titles(ALICE)).toEqual([]);
  });

  it('cannot delete another user\'s rows', async () => {
    const { error, data } = await f.alice.from('todos').delete().eq('id', 3).select();
    expect(error).toBeNull();
    expect(data).toEqual([]);
    expect(await titles(BOB)).toEqual(['Bob one']);
  });

  it('refuses a delete without any filter with 400 21000', async () => {
    const { error, status } = await f.alice.from('todos').delete();
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: '21000', message: 'DELETE requires a WHERE clause' });
    expect(await titles(ALICE)).toEqual(['Alice one', 'Alice two']);
  });

  it('deletes only the first rows in order when a limit is given', async () => {
    const { data, error } = await f.alice.from('todos').delete().eq('owner_id', ALICE).order('id', { ascending: false }).limit(1).select('title');
    expect(error).toBeNull();
    expect(data).toEqual([{ title: 'Alice two' }]);
    expect(await titles(ALICE)).toEqual(['Alice one']);
  });

  it('rolls back a single() delete that matches no row or several rows', async () => {
    const several = await f.alice.from('todos').delete().eq('owner_id', ALICE).select().single();
    expect(several.status).toBe(406);
    expect(await titles(ALICE)).toEqual(['Alice one', 'Alice two']);
  });
});
