import { describe, expect, it } from 'vitest';
import { coresLimit, cpuPerRequest, lighthouseLimit, memoryLimit, packagesLimit, requestTimeSplit, rollupRowsLimit } from './limits.ts';

const MiB = 1024 * 1024;

describe('coresLimit', () => {
  it('says the cores are the ceiling when nearly all of them were busy, busiest process first', () => {
    expect(coresLimit({ emulator: 0.52, postgres: 1.06, bench: 0.19 }, 2)).toBe(
      '1.77 of 2 cores busy (postgres 1.06, emulator 0.52, bench 0.19): the cores are the ceiling',
    );
  });

  it('names the busiest process and waiting when cores were left idle', () => {
    expect(coresLimit({ emulator: 0.24, postgres: 0.29 }, 2)).toMatch(/^0\.53 of 2 cores busy .*: postgres is the busiest process; .*waiting/);
  });

  it('counts what other processes of the machine used beside the named ones', () => {
    expect(coresLimit({ postgres: 0.36, emulator: 0.22, bench: 0.14, machine: 1.95 }, 2)).toBe(
      '1.95 of 2 cores busy (postgres 0.36, emulator 0.22, bench 0.14, other processes 1.23): the cores are the ceiling',
    );
  });

  it('leaves out groups that were not measured and says so when none was', () => {
    expect(coresLimit({ emulator: 1.02, postgres: undefined }, 2)).toBe('1.02 of 2 cores busy (emulator 1.02): emulator is the busiest process; the cores were not all busy, so waiting (locks, round trips, commits) limits it too');
    expect(coresLimit({ postgres: undefined }, 2)).toBe('CPU use was not measured');
  });
});

describe('cpuPerRequest', () => {
  it('turns busy cores into CPU milliseconds per request', () => {
    expect(cpuPerRequest({ postgres: 0.88, emulator: 0.52, idle: 0, machine: 1.9 }, 143, 'checkout')).toBe('CPU per checkout: postgres 6.15 ms, emulator 3.64 ms');
  });

  it('says nothing was measured without a rate', () => {
    expect(cpuPerRequest({ postgres: 0.88 }, 0)).toBe('CPU per request was not measured');
  });
});

describe('requestTimeSplit', () => {
  it('splits one request into the SQL call and the emulator around it', () => {
    expect(requestTimeSplit(13.7, 4.72)).toBe(
      "of 13.7 ms per request (1 client), 4.72 ms (34%) is the SQL call and 8.98 ms (66%) the emulator's HTTP, auth and round trips",
    );
  });

  it('refuses to split without a request time', () => {
    expect(requestTimeSplit(Number.NaN, 4)).toMatch(/not measured/);
  });
});

describe('rollupRowsLimit', () => {
  it('blames the rows read when they grow with the data set', () => {
    expect(rollupRowsLimit({ small: 281, large: 20_849 }, { small: { p50: 29.5, p95: 33.6 }, large: { p50: 46.1 } })).toBe(
      'rollup rows read per call 281 → 20,849 (74.2×): the busier data set has more rollup rows in the range, and the time follows them (1.56×)',
    );
  });

  it('blames the larger table when the rows read stay the same', () => {
    expect(rollupRowsLimit({ small: 881, large: 881 }, { small: { p50: 2.71, p95: 3.0 }, large: { p50: 3.45 } })).toBe(
      'rollup rows read per call 881 → 881 (1.00×): the rows read hardly grow, so the 1.27× is the cost of a larger table (deeper indexes, fewer cached pages), not more work',
    );
  });

  it('says when the growth is within the run’s own spread', () => {
    expect(rollupRowsLimit({ small: 881, large: 1_000 }, { small: { p50: 21.7, p95: 57.2 }, large: { p50: 30.5 } })).toMatch(
      /the 1\.41× is the cost of a larger table .*; the larger p50 \(30\.5 ms\) is within the smaller one's p95 \(57\.2 ms\), so part of it is the machine's noise$/,
    );
  });
});

describe('packagesLimit', () => {
  it('gives the excess and the heaviest packages, largest first', () => {
    const weights = [
      { name: 'app', gzip: 10 * 1024 },
      { name: 'react-dom', gzip: 62 * 1024 },
      { name: '@supabase/auth-js', gzip: 22 * 1024 },
    ];
    expect(packagesLimit(weights, 94 * 1024, 80 * 1024, 2)).toBe(
      '14.0 KiB over; gzipped by package (estimated from source maps): react-dom 62.0 KiB, @supabase/auth-js 22.0 KiB',
    );
  });

  it('says what is to spare under the budget', () => {
    expect(packagesLimit([], 70 * 1024, 80 * 1024)).toBe('10.0 KiB to spare; gzipped by package (estimated from source maps): no source maps');
  });
});

describe('memoryLimit', () => {
  it('splits resident memory into anonymous, mapped files and the rest', () => {
    expect(memoryLimit({ anonymous: 400 * MiB, files: 49 * MiB, other: 1 * MiB }, 250 * MiB)).toBe(
      '200.0 MiB over; resident 450.0 MiB: anonymous 400.0 MiB (89%: the JavaScript heap and buffers, WebAssembly memory, the in-memory database), mapped files 49.0 MiB, other 1.0 MiB',
    );
  });
});

describe('lighthouseLimit', () => {
  it('orders the metrics by the points of the score they cost', () => {
    const scores = {
      'first-contentful-paint': 0.9,
      'speed-index': 1,
      'largest-contentful-paint': 0.92,
      'total-blocking-time': 0.8,
      'cumulative-layout-shift': 1,
    };
    expect(lighthouseLimit(scores)).toBe('points lost by metric: total-blocking-time 6.0, largest-contentful-paint 2.0, first-contentful-paint 1.0');
  });

  it('says so when no metric costs a point', () => {
    expect(lighthouseLimit({ 'first-contentful-paint': 1, 'speed-index': 1, 'largest-contentful-paint': 1, 'total-blocking-time': 1, 'cumulative-layout-shift': 1 })).toBe(
      'no metric costs a whole point',
    );
  });
});
