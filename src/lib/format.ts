/**
 * Display helpers. Money is stored as integer minor units plus an ISO 4217 currency;
 * the number of minor digits comes from Intl itself (JPY has none, EUR two, BHD three).
 */
const moneyFormatters = new Map<string, Intl.NumberFormat>();

function moneyFormatter(currency: string, locale?: string): Intl.NumberFormat {
  const key = `${locale ?? ''}|${currency}`;
  let formatter = moneyFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency });
    moneyFormatters.set(key, formatter);
  }
  return formatter;
}

/** Formats integer minor units of `currency`, e.g. formatMoney(4900, 'EUR') → "€49.00". */
export function formatMoney(minor: number, currency: string, locale?: string): string {
  const formatter = moneyFormatter(currency.toUpperCase(), locale);
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  return formatter.format(minor / 10 ** digits);
}

/** The number of minor digits of a currency (2 for EUR, 0 for JPY). */
export function currencyDigits(currency: string): number {
  return moneyFormatter(currency.toUpperCase()).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Parses a price typed by a person ("12", "12.5", "12,50") into minor units, or null. */
export function parseMoneyInput(text: string, currency: string): number | null {
  const normalized = text.trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(normalized)) return null;
  const digits = currencyDigits(currency);
  const [whole, fraction = ''] = normalized.split('.');
  if (fraction.length > digits) return null;
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}

/** Minor units back to the text a price input shows ("49.00" → "49"). */
export function minorToInput(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  if (digits === 0) return String(minor);
  const value = (minor / 10 ** digits).toFixed(digits);
  return value.replace(/\.0+$/, '');
}

const integerFormatter = new Intl.NumberFormat();
export function formatNumber(value: number): string {
  return integerFormatter.format(value);
}

const percentFormatter = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
/** A 0..1 ratio as a percentage; an em dash when there is nothing to divide by. */
export function formatPercent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? '—' : percentFormatter.format(ratio);
}

const dateFormatter = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFormatter = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export function formatDate(value: string | Date): string {
  return dateFormatter.format(typeof value === 'string' ? new Date(value) : value);
}
export function formatDateTime(value: string | Date): string {
  return dateTimeFormatter.format(typeof value === 'string' ? new Date(value) : value);
}
