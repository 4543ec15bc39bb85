import { queryOptions } from '@tanstack/react-query';
import { supabase, type FunctionRow } from '@/lib/supabase';
import { eventKeys } from './keys';

export type EventPerformance = Omit<FunctionRow<'event_performance'>, 'event_id'>;

/** Ticket and revenue totals per event id (paid orders only). */
export async function getEventPerformance(organizationId: string): Promise<Map<string, EventPerformance>> {
  const { data, error } = await supabase.rpc('event_performance', { p_organization_id: organizationId });
  if (error) throw error;
  return new Map(data.map(({ event_id, ...totals }) => [event_id, totals]));
}

export const eventPerformanceQueryOptions = (organizationId: string) =>
  queryOptions({ queryKey: eventKeys.performance(organizationId), queryFn: () => getEventPerformance(organizationId) });
