import { useMutation } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import type { MutationOptionsOf } from '@/lib/mutation-options';

export interface DeletionRequest {
  token: string;
  expires_at: string;
}

/** Step one of two: the database hands out a short-lived token that step two must present. */
export async function requestPromoterDeletion(promoterId: string): Promise<DeletionRequest> {
  const { data, error } = await supabase.rpc('request_promoter_deletion', { p_promoter_id: promoterId });
  if (error) throw error;
  const result = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (typeof result.token !== 'string' || typeof result.expires_at !== 'string') {
    throw new Error('The deletion request returned an unexpected answer.');
  }
  return { token: result.token, expires_at: result.expires_at };
}

export function useRequestPromoterDeletion(options: MutationOptionsOf<typeof requestPromoterDeletion> = {}) {
  return useMutation({ ...options, mutationFn: requestPromoterDeletion });
}
