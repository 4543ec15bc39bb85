import { csvPercent, toCsv } from '@/lib/csv';
import type { PromoterPerformance } from '../api/get-promoter-performance';
import type { PromoterSale } from '../api/get-promoter-history';

/** Amounts are exported as decimal major units so spreadsheets can sum them. */
function major(minor: number, digits: number): string {
  return (minor / 10 ** digits).toFixed(digits);
}

export function performanceCsv(rows: PromoterPerformance[], currency: string, digits: number): string {
  return toCsv(
    ['Name', 'Promo code', 'Email', 'Phone', 'Tickets', `Revenue (${currency})`, 'Orders', 'Visits', 'Conversion (orders ÷ visits)', 'Active events'],
    rows.map((row) => [
      row.name,
      row.promo_code,
      row.email,
      row.phone,
      row.tickets,
      major(row.revenue_minor, digits),
      row.orders,
      row.visits,
      csvPercent(row.conversion_rate),
      row.active_events,
    ]),
  );
}

export function historyCsv(rows: PromoterSale[], digits: (currency: string) => number): string {
  return toCsv(
    ['Order', 'Date', 'Event', 'Tickets', 'Total', 'Currency', 'Status'],
    rows.map((row) => [row.order_reference, row.ordered_at, row.event_name, row.tickets, major(row.total_minor, digits(row.currency)), row.currency, row.status]),
  );
}
