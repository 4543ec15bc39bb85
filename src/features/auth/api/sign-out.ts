import { useMutation } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import type { MutationOptionsOf } from '@/lib/mutation-options';

export async function signOut() {
  const { error } = await supabase.auth.signOut();
  if (error) throw error;
}

export function useSignOut(options: MutationOptionsOf<typeof signOut> = {}) {
  return useMutation({ ...options, mutationFn: signOut });
}
