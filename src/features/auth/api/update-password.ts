import { useMutation } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';

/** Sets a new password for the signed-in user (also after a recovery link signed them in). */
export async function updatePassword({ password }: { password: string }) {
  const { data, error } = await supabase.auth.updateUser({ password });
  if (error) throw error;
  return data.user;
}

export function useUpdatePassword() {
  return useMutation({ mutationFn: updatePassword });
}
