/**
 * Acting as an API role (supabase/emulator/act-as.ts): the role's own settings come
 * from the database as on a hosted project, REST picks up a changed setting with its
 * schema cache, and realtime authorization tells a failing database from a refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actAs, loadRoleSettings, roleSettings } from '../../supabase/emulator/act-as.ts';
import type { Database } from '../../supabase/emulator/database.ts';
import { AuthorizationUnavailable, DATABASE_UNAVAILABLE, canRead, canWrite } from '../../supabase/emulator/realtime/authorization.ts';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.ts';
import { connectRaw, isReplyTo } from './phoenix.ts';
import { ALICE, createRestFixture, type RestFixture } from './rest-fixtures.ts';

let fixture: RestFixture;

beforeAll(async () => {
  fixture = await createRestFixture();
  await fixture.db.exec(`
    create function public.act_statement_timeout() returns text
    language sql stable as $$ select current_setting('statement_timeout') $$;
    grant execute on function public.act_statement_timeout() to anon, authenticated;
  `);
});

afterAll(async () => {
  await fixture?.database.close();
});

/** Sets a role's setting for the test's own database only (roles are shared by the cluster). */
async function setForThisDatabase(role: string, name: string, value: string): Promise<void> {
  const database = (await fixture.db.query<{ name: string }>('select current_database() as name')).rows[0].name;
  await fixture.db.exec(`alter role ${role} in database "${database}" set ${name} = '${value}'`);
}

/** Makes the REST layer reload its schema cache (and with it the role settings), as a new function does. */
async function reloadThroughRest(name: string): Promise<void> {
  await fixture.db.exec(`
    create function public.${name}() returns int language sql as $$ select 1 $$;
    grant execute on function public.${name}() to anon;
  `);
  const { data, error } = await fixture.anon.rpc(name);
  expect(error).toBeNull();
  expect(data).toBe(1);
}

describe('role settings', () => {
  it('reads the platform role settings from the database', async () => {
    const settings = await loadRoleSettings(fixture.db);
    expect(settings.get('anon')).toContainEqual(['statement_timeout', '3s']);
    expect(settings.get('authenticated')).toContainEqual(['statement_timeout', '8s']);
  });

  it('acts as the role with its settings, role and claims, for the transaction only', async () => {
    const seen = await fixture.db.transaction(
      async (tx) => {
        await actAs(tx, { role: 'authenticated', claims: { role: 'authenticated', sub: ALICE, aal: 'aal1' } });
        return (
          await tx.query<Record<string, string>>(
            `select current_user as role, current_setting('statement_timeout') as timeout,
                    auth.uid()::text as uid, current_setting('request.jwt.claim.sub') as sub,
                    current_setting('request.jwt.claim.aal') as aal, current_setting('request.jwt.claim.email') as email`,
          )
        ).rows[0];
      },
      { rollback: true },
    );
    expect(seen).toEqual({ role: 'authenticated', timeout: '8s', uid: ALICE, sub: ALICE, aal: 'aal1', email: '' });
    const after = await fixture.db.query<{ role: string }>('select current_user as role');
    expect(after.rows[0].role).not.toBe('authenticated');
  });

  it('applies the role setting to REST requests, and a changed setting after the schema cache reloads', async () => {
    const before = await fixture.anon.rpc('act_statement_timeout');
    expect(before).toMatchObject({ data: '3s', error: null });
    const asUser = await fixture.alice.rpc('act_statement_timeout');
    expect(asUser).toMatchObject({ data: '8s', error: null });

    await setForThisDatabase('anon', 'statement_timeout', '1234ms');
    // Still the cached settings until the schema cache reloads, as on PostgREST.
    expect((await roleSettings(fixture.db)).get('anon')).toContainEqual(['statement_timeout', '3s']);
    await reloadThroughRest('act_reload_one');
    const after = await fixture.anon.rpc('act_statement_timeout');
    expect(after).toMatchObject({ data: '1234ms', error: null });
    // Other roles keep theirs.
    expect(await fixture.alice.rpc('act_statement_timeout')).toMatchObject({ data: '8s', error: null });
  });

  it.runIf(process.env.DATABASE_URL)('cancels a statement after the role setting, not a hard-coded timeout', async () => {
    await fixture.db.exec(`
      create function public.act_nap() returns int language sql as $$ select 1 from pg_sleep(2.5) $$;
      grant execute on function public.act_nap() to anon;
    `);
    // 2.5 s is within the platform's 3 s for anon; a setting of 200 ms must cancel it.
    await setForThisDatabase('anon', 'statement_timeout', '200ms');
    await reloadThroughRest('act_reload_two');
    const { error } = await fixture.anon.rpc('act_nap');
    expect(error).toMatchObject({ code: '57014' });
  });
});

describe('realtime authorization when the database fails', () => {
  /** The fixture's database, with every transaction failing as a lost connection does. */
  function failing(error: unknown): Database {
    return new Proxy(fixture.db, {
      get(target, property, receiver) {
        if (property === 'transaction' || property === 'query') return () => Promise.reject(error);
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
  }

  const claims = { role: 'authenticated', sub: ALICE };

  it('reports a lost connection as unavailable, not as a refusal', async () => {
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), {});
    await expect(canRead(failing(lost), claims, 'org:x:y', false)).rejects.toBeInstanceOf(AuthorizationUnavailable);
    await expect(canWrite(failing(lost), claims, 'org:x:y', 'broadcast')).rejects.toThrow(DATABASE_UNAVAILABLE);
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    await expect(canRead(failing(shutdown), claims, 'org:x:y', true)).rejects.toBeInstanceOf(AuthorizationUnavailable);
  });

  it('still refuses when a policy raises', async () => {
    const raised = Object.assign(new Error('not a member'), { code: 'P0001' });
    await expect(canRead(failing(raised), claims, 'org:x:y', false)).resolves.toEqual({ broadcast: false, presence: false });
    const denied = Object.assign(new Error('permission denied for table messages'), { code: '42501' });
    await expect(canWrite(failing(denied), claims, 'org:x:y', 'broadcast')).resolves.toBe(false);
  });

  it('refuses a topic the policies do not let the subscriber read, on a working database', async () => {
    await expect(canRead(fixture.db, claims, `org:${ALICE}:nope`, false)).resolves.toEqual({ broadcast: false, presence: false });
  });
});

describe('realtime join when the database fails', () => {
  let emulator: TestEmulator;

  beforeAll(async () => {
    emulator = await startTestEmulator();
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('answers a private join with Realtime’s database error, then joins once the database answers again', async () => {
    const db = emulator.db as { transaction: Database['transaction'] };
    const working = db.transaction;
    const socket = await connectRaw(emulator.url, emulator.anonKey);
    try {
      const join = (ref: string) =>
        socket.send([ref, ref, 'realtime:org:outage', 'phx_join', { config: { private: true }, access_token: emulator.serviceRoleKey }]);
      db.transaction = () => Promise.reject(new Error('Connection terminated unexpectedly'));
      join('1');
      const failed = await socket.next(isReplyTo('1'));
      db.transaction = working;
      expect(failed[4]).toEqual({ status: 'error', response: { reason: DATABASE_UNAVAILABLE } });

      join('2');
      const joined = await socket.next(isReplyTo('2'));
      expect(joined[4]).toMatchObject({ status: 'ok' });
    } finally {
      db.transaction = working;
      await socket.close();
    }
  });
});
