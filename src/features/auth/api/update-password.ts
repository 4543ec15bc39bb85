import { useMutation } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import type { MutationOptionsOf } from '@/lib/mutation-options';

/** Sets a new password for the signed-in user (also after a recovery link signed them in). */
export async function updatePassword({ password }: { password: string }) {
  const { data, error } = await supabase.auth.updateUser({ password });
  if (error) throw error;
  return data.user;
}

export function useUpdatePassword(options: MutationOptionsOf<typeof updatePassword> = {}) {
  return useMutation({ ...options, mutationFn: updatePassword });
}
