/** RFC 4180 CSV: fields with commas, quotes or line breaks are quoted, quotes doubled. */
export type CsvValue = string | number | boolean | null | undefined;

function escapeField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // Spreadsheet apps execute cells starting with these as formulas; a leading quote
  // keeps a promoter named "=HYPERLINK(...)" a plain name.
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((row) => row.map(escapeField).join(',')).join('\r\n') + '\r\n';
}

/** A UTF-8 byte order mark: spreadsheet apps then read accented names correctly. */
export const BOM = '\uFEFF';

/** A 0..1 ratio as a percentage a spreadsheet reads as one, e.g. 0.125 → "12.5%"; empty when unknown. */
export function csvPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '';
  return `${Number((ratio * 100).toFixed(2))}%`;
}

/**
 * Offers `content` as a file download through a temporary object URL, starting with a
 * UTF-8 byte order mark (added unless the content has one) so spreadsheets detect UTF-8.
 */
export function downloadCsv(filename: string, content: string): void {
  const blob = new Blob([content.startsWith(BOM) ? content : BOM + content], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked on the next tick: some browsers start the download asynchronously.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * Parses RFC 4180 CSV into rows of fields: quoted fields may hold commas, doubled quotes
 * and line breaks; lines end in LF or CRLF; a leading byte order mark is dropped, and so
 * are empty lines.
 */
export function parseCsv(text: string): string[][] {
  const input = text.startsWith(BOM) ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  while (i < input.length) {
    const char = input[i];
    if (quoted) {
      if (char === '"' && input[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (char === '"') quoted = false;
      else field += char;
      i += 1;
      continue;
    }
    if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && input[i + 1] === '\n') {
      endRow();
      i += 1;
    } else if (char === '\n' || char === '\r') endRow();
    else field += char;
    i += 1;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}
