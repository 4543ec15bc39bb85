import { useMutation } from '@tanstack/react-query';
import { z } from 'zod';
import { supabase } from '@/lib/supabase';

const deletionRequest = z.object({ token: z.string(), expires_at: z.string() });
export type DeletionRequest = z.infer<typeof deletionRequest>;

/** Step one of two: the database hands out a short-lived token that step two must present. */
export async function requestPromoterDeletion(promoterId: string): Promise<DeletionRequest> {
  const { data, error } = await supabase.rpc('request_promoter_deletion', { p_promoter_id: promoterId });
  if (error) throw error;
  return deletionRequest.parse(data);
}

export function useRequestPromoterDeletion() {
  return useMutation({ mutationFn: requestPromoterDeletion });
}
