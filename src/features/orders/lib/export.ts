import { toCsv } from '@/lib/csv';
import { currencyDigits } from '@/lib/format';
import type { OrderRow } from '../api/list-orders';

/** A UTF-8 byte order mark: spreadsheet apps then read names with accents correctly. */
export const BOM = '\uFEFF';

/** Amounts as decimal major units so spreadsheets can sum them. */
function major(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

export function ordersCsv(rows: OrderRow[]): string {
  return (
    BOM +
    toCsv(
      ['Reference', 'Date (UTC)', 'Status', 'Refunded at (UTC)', 'Buyer', 'Email', 'Event', 'Tickets', 'Total', 'Currency', 'Promoter', 'Promo code', 'Self-referral'],
      rows.map((row) => [
        row.reference,
        row.created_at,
        row.status,
        row.refunded_at,
        row.buyer_name,
        row.buyer_email,
        row.event_name,
        row.ticket_count,
        major(row.total_minor, row.currency),
        row.currency,
        row.promoter_name ?? '',
        row.promo_code ?? '',
        row.self_referral ? 'yes' : 'no',
      ]),
    )
  );
}
