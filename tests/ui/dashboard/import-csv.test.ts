import { describe, expect, it } from 'vitest';
import { parseCsv } from '@/lib/csv';
import { maxImportRows } from '@/lib/database.types';
import { readPromotersCsv } from '@/features/promoters/lib/import';

describe('reading a promoters CSV file', () => {
  it('parses quoted fields with commas, doubled quotes and line breaks, CRLF, a BOM and empty lines', () => {
    const text = '\uFEFFname,code\r\n"Okafor, Ana","A""NA"\r\n\r\n"Two\nLines",B2\n';
    expect(parseCsv(text)).toEqual([
      ['name', 'code'],
      ['Okafor, Ana', 'A"NA'],
      ['Two\nLines', 'B2'],
    ]);
    expect(parseCsv('a,b')).toEqual([['a', 'b']]);
    expect(parseCsv('a,\n')).toEqual([['a', '']]);
  });

  it('maps header names ignoring case, spaces and order, and splits groups', () => {
    const read = readPromotersCsv('Email,NAME,Promo Code,Groups\nana@example.com, Ana ,ANA,"Summer; Crew, VIP"\n,Ben,,\n');
    expect(read.rows).toEqual([
      { name: 'Ana', promo_code: 'ANA', email: 'ana@example.com', phone: '', groups: ['Summer', 'Crew', 'VIP'] },
      { name: 'Ben', promo_code: '', email: '', phone: '', groups: [] },
    ]);
  });

  it('says what is wrong with a file without a name column, without rows, or with too many rows', () => {
    expect(readPromotersCsv('').problem).toMatch(/empty/);
    expect(readPromotersCsv('code,email\nA,b').problem).toMatch(/“name” column/);
    expect(readPromotersCsv('name\n').problem).toMatch(/no promoters/);
    const big = 'name\n' + Array.from({ length: maxImportRows + 1 }, (_, i) => `P${i}`).join('\n');
    expect(readPromotersCsv(big).problem).toMatch(/at most 1,000/);
  });
});
