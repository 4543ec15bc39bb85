import type { Enums } from '@/lib/database.types';

/** "none" lists the orders credited to no promoter. */
export type PromoterFilter = string | 'none' | null;

/** "only": self-referrals alone; "hide": every order but them; null: all orders. */
export type SelfReferralFilter = 'only' | 'hide' | null;

export interface OrderFilters {
  search: string;
  eventId: string | null;
  promoter: PromoterFilter;
  status: Enums<'order_status'> | null;
  /** Whole UTC days, yyyy-mm-dd, both inclusive. */
  from: string | null;
  to: string | null;
  selfReferral: SelfReferralFilter;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The sentence for a date range the database would refuse, or null when it is fine. */
export function dateRangeError(from: string | null, to: string | null): string | null {
  if (from && !DAY.test(from)) return 'Enter the start date as a date.';
  if (to && !DAY.test(to)) return 'Enter the end date as a date.';
  if (from && to && from > to) return 'The start date must be on or before the end date.';
  return null;
}

/** The arguments of list_orders() for these filters; optional ones are left out so defaults apply. */
export function listOrdersArgs(organizationId: string, filters: OrderFilters) {
  const search = filters.search.trim();
  return {
    p_organization_id: organizationId,
    ...(search ? { p_search: search } : {}),
    ...(filters.eventId ? { p_event_id: filters.eventId } : {}),
    ...(filters.promoter === 'none' ? { p_unattributed: true } : filters.promoter ? { p_promoter_id: filters.promoter } : {}),
    ...(filters.status ? { p_status: filters.status } : {}),
    ...(filters.from ? { p_from: filters.from } : {}),
    ...(filters.to ? { p_to: filters.to } : {}),
    ...(filters.selfReferral ? { p_self_referral: filters.selfReferral === 'only' } : {}),
  };
}

/** A file name that says what the export holds, e.g. orders_2026-03-01_to_2026-03-31.csv. */
export function exportFileName(filters: OrderFilters, today: string): string {
  const range = filters.from || filters.to ? `${filters.from ?? 'start'}_to_${filters.to ?? today}` : `all-time_${today}`;
  const status = filters.status ? `_${filters.status}` : '';
  const selfReferral = filters.selfReferral === 'only' ? '_self-referrals' : filters.selfReferral === 'hide' ? '_without-self-referrals' : '';
  return `orders_${range}${status}${selfReferral}.csv`;
}
