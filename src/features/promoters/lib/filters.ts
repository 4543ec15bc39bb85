import { promoCodePattern } from '@/lib/database.types';
import { sentenceFor } from '@/lib/errors';
import { slugify, withoutAccents } from '@/lib/slug';

/** The performance view's filters, as the database functions take them. */
export type RangePreset = '7d' | '30d' | '90d' | 'all' | 'custom';

export interface DateRange {
  preset: RangePreset;
  /** yyyy-mm-dd, used by the custom preset. */
  customFrom?: string;
  customTo?: string;
}

export interface PerformanceFilters {
  /** Inclusive lower bound (ISO timestamp) or null for all time. */
  from: string | null;
  /** Exclusive upper bound (ISO timestamp) or null for now. */
  to: string | null;
  groupId: string | null;
  search: string;
}

const DAY = 86_400_000;

function startOfLocalDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

function parseLocalDate(text: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Turns a preset into timestamps. "Last 7 days" is today plus the six days before it. */
export function resolveRange(range: DateRange, now: Date = new Date()): { from: string | null; to: string | null } {
  const today = startOfLocalDay(now);
  switch (range.preset) {
    case '7d':
    case '30d':
    case '90d': {
      const days = Number(range.preset.slice(0, -1));
      return { from: new Date(today.getTime() - (days - 1) * DAY).toISOString(), to: null };
    }
    case 'all':
      return { from: null, to: null };
    case 'custom': {
      const from = range.customFrom ? parseLocalDate(range.customFrom) : null;
      const to = range.customTo ? parseLocalDate(range.customTo) : null;
      return {
        from: from ? from.toISOString() : null,
        // The end date is inclusive for people, so the bound is the next midnight.
        to: to ? new Date(to.getTime() + DAY).toISOString() : null,
      };
    }
  }
}

/**
 * Why a custom range cannot be shown, or undefined: a start after the end would
 * otherwise show zeros as if nothing had been sold.
 */
export function rangeProblem(range: DateRange): string | undefined {
  if (range.preset !== 'custom' || !range.customFrom || !range.customTo) return undefined;
  const from = parseLocalDate(range.customFrom);
  const to = parseLocalDate(range.customTo);
  return from && to && from > to ? sentenceFor('invalid_date_range') : undefined;
}

/** yyyy-mm-dd of a local date, for date inputs and the timeseries function. */
export function toDateInput(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

/** The days a chart covers for a range: all time falls back to the last 90 days. */
export function chartDays(range: { from: string | null; to: string | null }, now: Date = new Date()): { from: string; to: string } {
  const to = range.to ? new Date(new Date(range.to).getTime() - 1) : now;
  const from = range.from ? new Date(range.from) : new Date(startOfLocalDay(now).getTime() - 89 * DAY);
  return { from: toDateInput(from), to: toDateInput(to) };
}

/** A promo code suggested from a name: letters and digits, upper case, at most 12. */
export function suggestPromoCode(name: string): string {
  const base = withoutAccents(name)
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '')
    .slice(0, 12);
  return base.length >= 3 ? base : '';
}

export const PROMO_CODE_PATTERN = new RegExp(promoCodePattern);

/** The local calendar days a range covers (inclusive), or nulls for an open end. */
function rangeDays(range: { from: string | null; to: string | null }): { first: Date | null; last: Date | null } {
  return {
    first: range.from ? new Date(range.from) : null,
    last: range.to ? new Date(new Date(range.to).getTime() - 1) : null,
  };
}

/**
 * A file name that says what an export holds: the range as local dates and the group,
 * e.g. promoters_2026-11-01_to_2026-11-30_influencers.csv or promoters_all-time_to_2026-11-30.csv.
 */
export function performanceFileName(
  prefix: string,
  range: { from: string | null; to: string | null },
  groupName: string | null,
  now: Date = new Date(),
): string {
  const { first, last } = rangeDays(range);
  const end = toDateInput(last ?? now);
  const period = first ? `${toDateInput(first)}_to_${end}` : `all-time_to_${end}`;
  return `${prefix}_${period}${groupName ? `_${slugify(groupName, 40) || 'group'}` : ''}.csv`;
}
