import { queryOptions, useQuery } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { eventKeys } from './keys';

export interface EventPerformance {
  tickets: number;
  revenue_minor: number;
  orders: number;
  attributed_tickets: number;
  attributed_revenue_minor: number;
}

/** Ticket and revenue totals per event id (paid orders only). */
export async function getEventPerformance(organizationId: string): Promise<Map<string, EventPerformance>> {
  const { data, error } = await supabase.rpc('event_performance', { p_organization_id: organizationId });
  if (error) throw error;
  return new Map(
    data.map((row) => [
      row.event_id,
      {
        tickets: Number(row.tickets),
        revenue_minor: Number(row.revenue_minor),
        orders: Number(row.orders),
        attributed_tickets: Number(row.attributed_tickets),
        attributed_revenue_minor: Number(row.attributed_revenue_minor),
      },
    ]),
  );
}

export const eventPerformanceQueryOptions = (organizationId: string) =>
  queryOptions({ queryKey: eventKeys.performance(organizationId), queryFn: () => getEventPerformance(organizationId) });

export function useEventPerformance(organizationId: string) {
  return useQuery(eventPerformanceQueryOptions(organizationId));
}
