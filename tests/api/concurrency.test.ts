/**
 * Many users at once: every request runs under its own role and claims, never under
 * another request's, on the single-backend PGlite and on a Postgres pool alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestClient, type TestEmulator } from '../helpers/emulator.ts';

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator();
});

afterAll(async () => {
  await emulator?.stop();
});

describe('interleaved requests', () => {
  it('keeps each user to their own organizations while requests interleave', { timeout: 120_000 }, async () => {
    const users: { client: TestClient; id: string; orgName: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const client = await emulator.signUpUser();
      const { data } = await client.auth.getUser();
      const orgName = `Org of user ${i}`;
      const { error } = await client.rpc('create_organization', { p_name: orgName, p_currency: 'EUR' });
      expect(error).toBeNull();
      users.push({ client, id: data.user!.id, orgName });
    }
    const anonymous = emulator.client();

    // Reads by every user, writes by every user and anonymous reads, all in flight together.
    const rounds = 5;
    const work: Promise<void>[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const user of users) {
        work.push(
          (async () => {
            const { data, error } = await user.client.from('organizations').select('name');
            expect(error).toBeNull();
            expect(data!.map((row) => row.name)).toEqual([user.orgName]);
          })(),
        );
        work.push(
          (async () => {
            const { data, error } = await user.client.from('organization_members').select('user_id');
            expect(error).toBeNull();
            expect(data!.every((row) => row.user_id === user.id)).toBe(true);
          })(),
        );
        work.push(
          (async () => {
            const { data, error } = await user.client.auth.getUser();
            expect(error).toBeNull();
            expect(data.user?.id).toBe(user.id);
          })(),
        );
      }
      work.push(
        (async () => {
          const { data, error } = await anonymous.from('organizations').select('name');
          // Anonymous callers see no organization, whether refused or filtered.
          expect(error === null ? data : []).toEqual([]);
        })(),
      );
    }
    await Promise.all(work);
  });

  it('never lets a failed request leave its role behind for the next one', async () => {
    const user = await emulator.signUpUser();
    const failures = Array.from({ length: 10 }, () => user.rpc('create_organization', { p_name: '', p_currency: 'EUR' }));
    const results = await Promise.all(failures);
    expect(results.every((result) => result.error !== null)).toBe(true);
    // The connection owner would see everything; the anon role must still see nothing.
    const { data, error } = await emulator.client().from('organizations').select('name');
    expect(error === null ? data : []).toEqual([]);
    const current = await emulator.db.query<{ role: string }>('select current_user as role');
    expect(current.rows[0].role).not.toBe('anon');
  });
});
