import { describe, expect, it } from 'vitest';
import { toCsv } from '@/lib/csv';
import { errorMessage } from '@/lib/errors';
import { formatMoney, formatPercent, minorToInput, parseMoneyInput } from '@/lib/format';
import { parseAttributionMessage } from '@/features/realtime/hooks/use-organization-channel';
import { resolveRange, suggestPromoCode } from '@/features/promoters/lib/filters';
import { bucketSales, weekStart } from '@/features/promoters/lib/sales-buckets';

describe('shared helpers', () => {
  it('formats minor units with the currency’s own number of decimals', () => {
    expect(formatMoney(4900, 'EUR', 'en-US')).toBe('€49.00');
    expect(formatMoney(4900, 'JPY', 'en-US')).toBe('¥4,900');
    expect(formatMoney(1234, 'bhd', 'en-US')).toMatch(/^BHD\s1\.234$/);
    expect(formatPercent(null)).toBe('—');
  });

  it('parses typed prices into minor units and refuses what is not a price', () => {
    expect(parseMoneyInput('19.5', 'EUR')).toBe(1950);
    expect(parseMoneyInput('19,50', 'EUR')).toBe(1950);
    expect(parseMoneyInput('0', 'EUR')).toBe(0);
    expect(parseMoneyInput('1.001', 'EUR')).toBeNull();
    expect(parseMoneyInput('-3', 'EUR')).toBeNull();
    expect(parseMoneyInput('abc', 'EUR')).toBeNull();
    expect(parseMoneyInput('500', 'JPY')).toBe(500);
    expect(minorToInput(1950, 'EUR')).toBe('19.50');
    expect(minorToInput(2500, 'EUR')).toBe('25');
  });

  it('escapes CSV fields and neutralises spreadsheet formulas', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['line\nbreak', null], ['=SUM(A1)', -3]])).toBe(
      'a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",\r\n\'=SUM(A1),-3\r\n',
    );
  });

  it('maps database error codes to sentences, with a fallback for the unknown', () => {
    expect(errorMessage({ message: 'deletion_expired', code: 'P0001' })).toMatch(/expired after 10 minutes/);
    expect(errorMessage({ message: 'duplicate key value violates unique constraint "promoters_promo_code_key"', code: '23505' })).toMatch(/promo code is already used/);
    expect(errorMessage({ message: 'not_authorized', code: '42501' })).toBe('You do not have permission to do that.');
    expect(errorMessage(new Error('boom'))).toBe('Something went wrong. Please try again.');
  });

  it('suggests promo codes from names and resolves date ranges', () => {
    expect(suggestPromoCode('Chloé Dupont-Smith')).toBe('CHLOEDUPONTS');
    expect(suggestPromoCode('Al')).toBe('');
    const now = new Date(2026, 10, 24, 15, 0);
    expect(resolveRange({ preset: '7d' }, now).from).toBe(new Date(2026, 10, 18).toISOString());
    expect(resolveRange({ preset: 'all' }, now)).toEqual({ from: null, to: null });
    expect(resolveRange({ preset: 'custom', customFrom: '2026-01-01', customTo: '2026-01-31' }, now)).toEqual({
      from: new Date(2026, 0, 1).toISOString(),
      to: new Date(2026, 1, 1).toISOString(),
    });
  });

  it('reads realtime payloads defensively', () => {
    expect(parseAttributionMessage({ kind: 'sale', promoter_id: 'p1', promoter_name: 'Ana', tickets: 2 })).toMatchObject({ kind: 'sale', promoter_id: 'p1', promoter_name: 'Ana', tickets: 2 });
    expect(parseAttributionMessage('garbage')).toMatchObject({ kind: 'sale', promoter_id: '', promoter_name: null });
  });

  it('sums daily sales into Monday-based weeks, in order, and keeps days as they are', () => {
    const day = (date: string, tickets: number) => ({ day: date, tickets, revenue_minor: tickets * 2500, orders: tickets > 0 ? 1 : 0, visits: tickets + 1 });
    // 2026-03-01 is a Sunday, 03-02 a Monday, 03-08 the next Sunday, 03-09 the next Monday.
    const days = [day('2026-03-09', 4), day('2026-03-01', 1), day('2026-03-02', 50), day('2026-03-08', 0)];
    expect(weekStart('2026-03-01')).toBe('2026-02-23');
    expect(weekStart('2026-03-02')).toBe('2026-03-02');
    expect(weekStart('2026-03-08')).toBe('2026-03-02');
    expect(bucketSales(days, 'week')).toEqual([
      { start: '2026-02-23', tickets: 1, revenue_minor: 2500, orders: 1, visits: 2 },
      { start: '2026-03-02', tickets: 50, revenue_minor: 125000, orders: 1, visits: 52 },
      { start: '2026-03-09', tickets: 4, revenue_minor: 10000, orders: 1, visits: 5 },
    ]);
    expect(bucketSales(days, 'day').map((bucket) => [bucket.start, bucket.tickets])).toEqual([
      ['2026-03-01', 1],
      ['2026-03-02', 50],
      ['2026-03-08', 0],
      ['2026-03-09', 4],
    ]);
    expect(bucketSales([], 'week')).toEqual([]);
    expect(() => weekStart('not a day')).toThrow(RangeError);
  });
});
