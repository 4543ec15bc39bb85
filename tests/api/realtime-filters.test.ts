/**
 * postgres_changes filters as the Realtime emulator reads them
 * (supabase/emulator/realtime/postgres-changes/filters.ts): conditions split at commas
 * outside lists and quotes, and the leniency kept where hosted Realtime's answer to a
 * malformed filter is not known to match the REST API's refusal.
 */
import { describe, expect, it } from 'vitest';
import { FilterSyntaxError, parseFilter } from '../../supabase/emulator/realtime/postgres-changes/filters.ts';

describe('parseFilter', () => {
  it('splits conditions at commas outside in-lists and quotes, and unquotes the values', () => {
    expect(parseFilter('category=in.(news,"sports,live"),id=gt.5,name=not.eq."a,b"')).toEqual([
      { column: 'category', operator: 'in', negate: false, value: ['news', 'sports,live'] },
      { column: 'id', operator: 'gt', negate: false, value: '5' },
      { column: 'name', operator: 'eq', negate: true, value: 'a,b' },
    ]);
  });

  it('has no conditions for an empty filter', () => {
    expect(parseFilter(undefined)).toEqual([]);
    expect(parseFilter('  ')).toEqual([]);
  });

  it('passes over a stray closing parenthesis and keeps an open quote of a value as text', () => {
    expect(parseFilter('a=eq.x),b=eq.2').map((condition) => condition.value)).toEqual(['x)', '2']);
    expect(parseFilter('name=eq."open')).toEqual([{ column: 'name', operator: 'eq', negate: false, value: '"open' }]);
  });

  it('refuses an in-list whose quote is left open', () => {
    expect(() => parseFilter('a=in.("x,y)')).toThrow(FilterSyntaxError);
    expect(() => parseFilter('a=in.("x,y)')).toThrow('unterminated quote');
  });
});
