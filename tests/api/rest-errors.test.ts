import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusForSqlState } from '../../supabase/emulator/rest/errors.ts';
import { handleRest } from '../../supabase/emulator/rest/index.ts';
import type { RestRequest } from '../../supabase/emulator/rest/types.ts';
import { ALICE, BOB, createRestFixture, type RestFixture } from './rest-fixtures.ts';

let f: RestFixture;

beforeAll(async () => {
  f = await createRestFixture();
  await f.db.exec(`
    insert into public.todos (owner_id, title) select '${ALICE}', 'alice ' || g from generate_series(1, 20) g;
    insert into public.todos (owner_id, title) select '${BOB}', 'bob ' || g from generate_series(1, 20) g;
    create function public.request_info() returns json language sql stable as $$
      select json_build_object(
        'role', current_user,
        'method', current_setting('request.method', true),
        'path', current_setting('request.path', true),
        'header', current_setting('request.headers', true)::json ->> 'x-trace',
        'cookie', current_setting('request.cookies', true)::json ->> 'theme',
        'sub', current_setting('request.jwt.claim.sub', true),
        'claims_role', current_setting('request.jwt.claims', true)::json ->> 'role',
        'timeout', current_setting('statement_timeout'),
        'search_path', current_setting('search_path'))
    $$;
    grant execute on function public.request_info() to anon, authenticated, service_role;
  `);
});

afterAll(async () => {
  await f.database.close();
});

const call = (request: Partial<RestRequest>, claims: Record<string, unknown> & { role: string } = { role: 'anon' }) =>
  handleRest(
    { method: 'GET', path: '/todos', query: new URLSearchParams(), headers: {}, body: undefined, ...request },
    { db: f.db, claims, maxRows: 1000 },
  );

describe('the request transaction', () => {
  it('switches to the caller\'s role and exposes method, path, headers, cookies and claims to SQL', async () => {
    const response = await call(
      {
        method: 'POST',
        path: '/rpc/request_info',
        headers: { 'x-trace': 'abc', cookie: 'theme=dark; lang=en' },
        body: Buffer.from('{}'),
      },
      { role: 'authenticated', sub: ALICE },
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({
      role: 'authenticated',
      method: 'POST',
      path: '/rpc/request_info',
      header: 'abc',
      cookie: 'dark',
      sub: ALICE,
      claims_role: 'authenticated',
      timeout: '8s',
      search_path: '"public", "public", "extensions"',
    });
  });

  it('gives anonymous requests the 3 s statement timeout', async () => {
    const response = await call({ path: '/rpc/request_info' });
    expect(JSON.parse(response.body!)).toMatchObject({ role: 'anon', timeout: '3s' });
  });

  it('keeps concurrent requests of different users apart', async () => {
    const owners = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const user = i % 2 === 0 ? ALICE : BOB;
        return call({ query: new URLSearchParams('select=owner_id') }, { role: 'authenticated', sub: user }).then((response) => ({
          user,
          owners: new Set((JSON.parse(response.body!) as { owner_id: string }[]).map((row) => row.owner_id)),
        }));
      }),
    );
    for (const { user, owners: seen } of owners) expect([...seen]).toEqual([user]);
  });
});

describe('request envelope errors', () => {
  it('refuses unsupported methods with 405', async () => {
    const response = await call({ method: 'PUT', body: Buffer.from('{}') });
    expect(response.status).toBe(405);
    expect(JSON.parse(response.body!).code).toBe('PGRST117');
  });

  it('answers a path that is neither a table nor a function with 404', async () => {
    const response = await call({ path: '/a/b/c' });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body!).code).toBe('PGRST125');
  });

  it('describes the API at / with what the caller may use', async () => {
    const { data, error } = await f.alice.getOpenApiSpec();
    expect(error).toBeNull();
    const spec = data as unknown as { swagger: string; paths: Record<string, object>; definitions: Record<string, { properties: object }> };
    expect(spec.swagger).toBe('2.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/todos', '/rpc/add_numbers', '/rpc/request_info']));
    expect(spec.paths).not.toHaveProperty('/secrets');
    expect(spec.paths).not.toHaveProperty('/rpc/admin_only');
    expect(Object.keys(spec.definitions.todos.properties)).toEqual(expect.arrayContaining(['id', 'title', 'owner_id']));
  });

  it('refuses media types it cannot produce with 406 PGRST107', async () => {
    const response = await call({ headers: { accept: 'application/xml' } });
    expect(response.status).toBe(406);
    expect(JSON.parse(response.body!).code).toBe('PGRST107');
  });

  it('strips nulls when the Accept header asks for it', async () => {
    const { data } = await f.alice.from('todos').select('title, priority').eq('title', 'alice 1').stripNulls();
    expect(data).toEqual([{ title: 'alice 1' }]);
  });

  it('reads Prefer tokens separated by commas with or without spaces', async () => {
    const response = await call(
      {
        method: 'POST',
        headers: { prefer: 'count=exact,return=representation' },
        query: new URLSearchParams('select=title'),
        body: Buffer.from('{"title":"prefer"}'),
      },
      { role: 'authenticated', sub: ALICE },
    );
    expect(response.status).toBe(201);
    expect(response.body).toBe('[{"title":"prefer"}]');
    expect(response.headers['Content-Range']).toBe('0-0/1');
    expect(response.headers['Preference-Applied']).toBe('count=exact, return=representation');
  });

  it('sends JSON with the charset on every answer that has a body', async () => {
    const ok = await call({});
    expect(ok.headers['Content-Type']).toBe('application/json; charset=utf-8');
    const error = await call({ path: '/missing' });
    expect(error.headers['Content-Type']).toBe('application/json; charset=utf-8');
  });
});

describe('SQLSTATE to HTTP status', () => {
  it('follows the PostgREST table', () => {
    const cases: [string, number][] = [
      ['23505', 409], ['23503', 409], ['42501', 403], ['P0001', 400], ['PT418', 418], ['42P01', 404],
      ['42883', 404], ['25006', 405], ['53300', 500], ['08006', 500], ['40001', 500], ['XX000', 500],
      ['57014', 500], ['42P17', 500], ['28000', 403], ['0L000', 403], ['23502', 400], ['23514', 400],
      ['22P02', 400], ['42703', 400], ['21000', 400],
    ];
    for (const [code, status] of cases) expect([code, statusForSqlState(code, 'GET')]).toEqual([code, status]);
  });

  it('uses 503 for unavailability only where supabase-js does not retry silently', () => {
    expect(statusForSqlState('53300', 'POST')).toBe(503);
    expect(statusForSqlState('53300', 'HEAD')).toBe(500);
  });
});

describe('hostile input', () => {
  it('never answers arbitrary select, filter and order text with a server error', async () => {
    const text = fc.string({ maxLength: 24 });
    const fragment = fc.oneof(
      text,
      fc.constantFrom('id', 'title', '*', 'profiles(*)', 'x:title', 'title::int', 'meta->>a', '"', '(', ')', ',', '.', 'eq.', 'in.(', 'or=(', '!inner'),
    );
    const value = fc.array(fragment, { maxLength: 5 }).map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(value, value, value, value, async (select, column, filter, order) => {
        const query = new URLSearchParams();
        query.set('select', select);
        if (column) query.set(column, filter);
        query.set('order', order);
        const response = await call({ query }, { role: 'authenticated', sub: ALICE });
        expect(response.status).toBeLessThan(500);
        expect(() => JSON.parse(response.body ?? '[]')).not.toThrow();
      }),
      { numRuns: 150 },
    );
  });

  it('never answers arbitrary JSON bodies with a server error or a half-written row', async () => {
    const before = (await f.db.query<{ n: number }>('select count(*)::int as n from public.todos')).rows[0].n;
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 2 }), async (body) => {
        const response = await call(
          { method: 'POST', body: Buffer.from(JSON.stringify(body)), headers: { prefer: 'tx=rollback' } },
          { role: 'authenticated', sub: ALICE },
        );
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
    const after = (await f.db.query<{ n: number }>('select count(*)::int as n from public.todos')).rows[0].n;
    expect(after).toBe(before);
  });
});
