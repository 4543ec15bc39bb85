import { describe, expect, it } from 'vitest';
import { servingProblems } from './static-serving.ts';

const YEAR = 'public, max-age=31536000, immutable';

describe('servingProblems', () => {
  it('accepts a compressed hashed asset cached for a year and revalidated HTML', () => {
    expect(servingProblems({ path: '/assets/index-abc.js', bytes: 80_000, encoding: 'br', cacheControl: YEAR })).toEqual([]);
    expect(servingProblems({ path: '/events/x', bytes: 2_000, encoding: 'gzip', cacheControl: 'no-cache' })).toEqual([]);
  });

  it('accepts a small file sent as it is', () => {
    expect(servingProblems({ path: '/assets/runtime-abc.js', bytes: 429, cacheControl: YEAR })).toEqual([]);
  });

  it('names an uncompressed text file and a hashed file cached briefly', () => {
    expect(servingProblems({ path: '/assets/index-abc.js', bytes: 80_000, cacheControl: 'public, max-age=3600' })).toEqual([
      { path: '/assets/index-abc.js', problem: '80000 B sent uncompressed' },
      { path: '/assets/index-abc.js', problem: 'hashed but cached "public, max-age=3600"' },
    ]);
  });

  it('names an unhashed page cached without revalidation', () => {
    expect(servingProblems({ path: '/', bytes: 2_000, encoding: 'br', cacheControl: YEAR })).toEqual([
      { path: '/', problem: `not hashed but cached "${YEAR}"` },
    ]);
  });
});
