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
