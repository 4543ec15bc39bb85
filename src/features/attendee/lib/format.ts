/**
 * Display formats of the attendee pages, in the visitor's own locale and time zone.
 * Money arrives in integer minor units; the currency says how many digits they have.
 */

export function formatMoney(amountMinor: number, currency: string, locale?: string): string {
  const formatter = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  return formatter.format(amountMinor / 10 ** digits);
}

const dateTimeFormat = (locale?: string) =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' });

/** "Saturday, July 18, 2026 at 8:00 PM", or a range when the event has an end. */
export function formatEventTime(startsAt: string, endsAt: string | null, locale?: string): string {
  const start = new Date(startsAt);
  const format = dateTimeFormat(locale);
  if (!endsAt) return format.format(start);
  return format.formatRange(start, new Date(endsAt));
}
