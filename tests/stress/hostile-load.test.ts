/**
 * The long run of the hostile-load measurement: 4 hostile clients looping on the most
 * expensive REST requests they can build while an ordinary user makes 400 reads.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { measureUnderHostileLoad, startLoadTarget } from '../security/support/hostile-load.ts';

let target: Awaited<ReturnType<typeof startLoadTarget>>;

beforeAll(async () => {
  target = await startLoadTarget();
}, 120_000);

afterAll(async () => {
  await target?.emulator.stop();
});

it('4 hostile clients add less than 1 s to the p95 of 400 ordinary reads; no hostile request takes 5 s or gets a 5xx', async () => {
  const figures = await measureUnderHostileLoad(target, { hostileClients: 4, ordinaryRequests: 400 });
  console.info('hostile load (long):', JSON.stringify(figures));
  expect(figures.hostileMax).toBeLessThan(5_000);
  expect(figures.loaded.p95 - figures.idle.p95).toBeLessThan(1_000);
}, 600_000);
