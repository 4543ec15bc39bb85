import type { MutationHookOptions } from '@/lib/mutation-options';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';
import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';

export interface BulkActivation {
  activated: number;
  already_active: number;
  event_name: string;
}

/** Activates the promoters on one event in one database call: all of them or none. */
export async function bulkActivate(organizationId: string, eventId: string, promoterIds: string[]): Promise<BulkActivation> {
  const { data, error } = await supabase.rpc('bulk_activate_promoters', {
    p_organization_id: organizationId,
    p_event_id: eventId,
    p_promoter_ids: promoterIds,
  });
  if (error) throw error;
  return data as unknown as BulkActivation;
}

/** “Activated 12 promoters on Harbour Festival (3 already active)”. */
export function describeActivation({ activated, already_active: already, event_name: event }: BulkActivation): string {
  const promoters = activated === 1 ? '1 promoter' : `${activated} promoters`;
  return `Activated ${promoters} on ${event}${already > 0 ? ` (${already} already active)` : ''}.`;
}

export interface BulkActivateInput {
  eventId: string;
  promoterIds: string[];
}

export function useBulkActivate(organizationId: string, options: MutationHookOptions<BulkActivation, BulkActivateInput> = {}) {
  return useInvalidatingMutation(
    ({ eventId, promoterIds }: BulkActivateInput) => bulkActivate(organizationId, eventId, promoterIds),
    options,
    () => [promoterKeys.organization(organizationId)],
  );
}
