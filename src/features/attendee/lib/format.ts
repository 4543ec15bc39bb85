/** How the attendee pages show an event's time: in full, in the visitor's locale and zone. */
const dateTimeFormat = (locale?: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' });

/** "Saturday, July 18, 2026 at 8:00 PM", or a range when the event has an end. */
export function formatEventTime(startsAt: string, endsAt: string | null, locale?: string): string {
  const start = new Date(startsAt);
  const format = dateTimeFormat(locale);
  if (!endsAt) return format.format(start);
  return format.formatRange(start, new Date(endsAt));
}
