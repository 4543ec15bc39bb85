/**
 * The REST API through the whole emulator: real HTTP, real keys and signed-up users.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SupabaseClient } from '@supabase/supabase-js';
import { startTestEmulator, userId, type TestEmulator } from '../helpers/emulator.ts';
import { TODO_SCHEMA } from './rest-fixtures.ts';

let emulator: TestEmulator;
// The app's generated types do not describe the test schema.
let alice: SupabaseClient;
let bob: SupabaseClient;
let anon: SupabaseClient;
let aliceId: string;
let bobId: string;


beforeAll(async () => {
  emulator = await startTestEmulator();
  await emulator.db.exec(TODO_SCHEMA);
  alice = (await emulator.signUpUser()) as unknown as SupabaseClient;
  bob = (await emulator.signUpUser()) as unknown as SupabaseClient;
  anon = emulator.client() as unknown as SupabaseClient;
  aliceId = await userId(alice);
  bobId = await userId(bob);
  await emulator.db.query(`insert into public.profiles (id, username) values ($1, 'alice'), ($2, 'bob')`, [aliceId, bobId]);
});

afterAll(async () => {
  await emulator?.stop();
});

describe('REST through the emulator server', () => {
  it('inserts as the signed-in user and returns the row', async () => {
    const { data, error, status } = await alice.from('todos').insert({ title: 'Alice private' }).select('title, owner_id').single();
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toEqual({ title: 'Alice private', owner_id: aliceId });
    const shared = await alice.from('todos').insert({ title: 'Alice shared', is_public: true });
    expect(shared.status).toBe(201);
  });

  it('keeps a second user away from the first user\'s private rows', async () => {
    const seen = await bob.from('todos').select('title').order('id');
    expect(seen.data).toEqual([{ title: 'Alice shared' }]);
    const update = await bob.from('todos').update({ title: 'Bob was here' }).eq('title', 'Alice private').select();
    expect(update.error).toBeNull();
    expect(update.data).toEqual([]);
    const removal = await bob.from('todos').delete().eq('title', 'Alice shared').select();
    expect(removal.data).toEqual([]);
    const still = await alice.from('todos').select('title').order('id');
    expect(still.data).toEqual([{ title: 'Alice private' }, { title: 'Alice shared' }]);
  });

  it('shows anonymous visitors only what the policies allow, with the count', async () => {
    const { data, count } = await anon.from('todos').select('title, owner:profiles(username)', { count: 'exact' });
    expect(data).toEqual([{ title: 'Alice shared', owner: { username: 'alice' } }]);
    expect(count).toBe(1);
    const refused = await anon.from('todos').insert({ title: 'anon' });
    expect(refused.status).toBe(401); // PostgREST: 42501 is 401 for the anonymous role
    expect(refused.error?.code).toBe('42501');
  });

  it('answers single() with 406 PGRST116 and maybeSingle() with null', async () => {
    const single = await bob.from('todos').select('id').eq('title', 'Alice private').single();
    expect(single.status).toBe(406);
    expect(single.error?.code).toBe('PGRST116');
    const maybe = await bob.from('todos').select('id').eq('title', 'Alice private').maybeSingle();
    expect(maybe.error).toBeNull();
    expect(maybe.data).toBeNull();
  });

  it('calls functions with the caller\'s identity', async () => {
    const { data, error } = await alice.rpc('whoami');
    expect(error).toBeNull();
    expect(data).toBe(`${aliceId} as authenticated`);
    expect((await anon.rpc('add_numbers', { a: 1, b: 2 }, { get: true })).data).toBe(3);
    const completed = await alice.rpc('complete_all');
    expect(completed.status).toBe(204);
  });

  it('refuses unfiltered updates and deletes as hosted safe-update does', async () => {
    const update = await alice.from('todos').update({ done: false });
    expect(update.status).toBe(400);
    expect(update.error?.code).toBe('21000');
    const removal = await alice.from('todos').delete();
    expect(removal.error?.message).toBe('DELETE requires a WHERE clause');
  });

  it('answers unknown tables, columns and functions with PostgREST errors', async () => {
    expect((await anon.from('nope').select()).error?.code).toBe('PGRST205');
    expect((await anon.from('todos').select('nope')).error?.code).toBe('42703');
    expect((await anon.rpc('nope')).error?.code).toBe('PGRST202');
  });
});
