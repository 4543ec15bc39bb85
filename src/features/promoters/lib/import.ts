/** Reading a promoters CSV file into the rows import_promoters() takes. */
import { parseCsv } from '@/lib/csv';
import { maxImportRows } from '@/lib/database.types';

/** The largest file the import dialog reads (about 200 bytes a row at the row cap). */
export const MAX_IMPORT_FILE_BYTES = 1_000_000;

export interface ImportRow {
  name: string;
  promo_code: string;
  email: string;
  phone: string;
  groups: string[];
}

type Column = 'name' | 'code' | 'email' | 'phone' | 'groups';

/** Header names accepted for each column, compared ignoring case and spaces. */
const ALIASES: Record<string, Column> = {
  name: 'name',
  code: 'code',
  promocode: 'code',
  promo_code: 'code',
  email: 'email',
  phone: 'phone',
  groups: 'groups',
  group: 'groups',
};

export type ReadResult = { rows: ImportRow[]; problem?: undefined } | { rows?: undefined; problem: string };

/**
 * The data rows of a CSV file with a header row naming its columns (name, code, email,
 * phone, groups; any case, any order; only name is required). Groups are separated by
 * semicolons or commas inside their field.
 */
export function readPromotersCsv(text: string): ReadResult {
  const [header, ...lines] = parseCsv(text);
  if (!header) return { problem: 'The file is empty. The first row names the columns: name, code, email, phone, groups.' };
  const columns = header.map((title) => ALIASES[title.trim().toLowerCase().replace(/\s+/g, '')]);
  if (!columns.includes('name')) {
    return { problem: 'The first row must name the columns, with at least a “name” column (and optionally code, email, phone, groups).' };
  }
  if (lines.length === 0) return { problem: 'The file has a header row but no promoters.' };
  if (lines.length > maxImportRows) {
    return { problem: `The file has ${lines.length.toLocaleString('en')} promoters; one import takes at most ${maxImportRows.toLocaleString('en')}. Split it into smaller files.` };
  }
  const rows = lines.map((fields) => {
    const value = (column: Column) => {
      const index = columns.indexOf(column);
      return index === -1 ? '' : (fields[index] ?? '').trim();
    };
    return {
      name: value('name'),
      promo_code: value('code'),
      email: value('email'),
      phone: value('phone'),
      groups: value('groups')
        .split(/[;,]/)
        .map((group) => group.trim())
        .filter(Boolean),
    };
  });
  return { rows };
}
