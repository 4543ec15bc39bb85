import { supabase } from '@/lib/supabase';

export interface PromoterSale {
  order_reference: string;
  ordered_at: string;
  event_name: string;
  tickets: number;
  total_minor: number;
  currency: string;
  status: string;
}

/** Every attributed order of a promoter, for the export offered before deletion. */
export async function getPromoterHistory(promoterId: string): Promise<PromoterSale[]> {
  const { data, error } = await supabase
    .from('attributions')
    .select('created_at, events(name), orders(reference, created_at, ticket_count, total_minor, currency, status)')
    .eq('promoter_id', promoterId)
    .order('created_at');
  if (error) throw error;
  return data.flatMap((row) =>
    row.orders
      ? [
          {
            order_reference: row.orders.reference,
            ordered_at: row.orders.created_at,
            event_name: row.events?.name ?? '',
            tickets: row.orders.ticket_count,
            total_minor: row.orders.total_minor,
            currency: row.orders.currency,
            status: row.orders.status,
          },
        ]
      : [],
  );
}
