import { formatDate } from '@/lib/format';
import type { SalesDay } from '../api/get-promoter-timeseries';

export type Granularity = 'day' | 'week';

/** One point of the sales chart: a day, or a week starting on a Monday. */
export interface SalesBucket {
  /** First day of the bucket, YYYY-MM-DD. */
  start: string;
  tickets: number;
  revenue_minor: number;
  orders: number;
  visits: number;
}

const DAY_MS = 86_400_000;

/** The Monday on or before a YYYY-MM-DD day (calendar arithmetic in UTC, so no DST shifts). */
export function weekStart(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a day: ${day}`);
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  return new Date(date.getTime() - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Groups daily sales into the chart's points. Days are summed into their week (weeks
 * start on Monday; the first and last week may be partial), in order of time.
 */
export function bucketSales(days: SalesDay[], granularity: Granularity): SalesBucket[] {
  const buckets = new Map<string, SalesBucket>();
  for (const day of [...days].sort((a, b) => a.day.localeCompare(b.day))) {
    const start = granularity === 'week' ? weekStart(day.day) : day.day;
    const bucket = buckets.get(start) ?? { start, tickets: 0, revenue_minor: 0, orders: 0, visits: 0 };
    bucket.tickets += day.tickets;
    bucket.revenue_minor += day.revenue_minor;
    bucket.orders += day.orders;
    bucket.visits += day.visits;
    buckets.set(start, bucket);
  }
  return [...buckets.values()];
}

/** Names a point for people: "Mar 3, 2026" or "Week of Mar 3, 2026". */
export function bucketLabel(bucket: SalesBucket, granularity: Granularity): string {
  const date = formatDate(`${bucket.start}T00:00:00`);
  return granularity === 'week' ? `Week of ${date}` : date;
}
