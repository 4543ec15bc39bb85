import { useMutation } from '@tanstack/react-query';
import { paths } from '@/config/paths';
import { supabase } from '@/lib/supabase';
import type { MutationOptionsOf } from '@/lib/mutation-options';

/**
 * Emails a password-reset link that lands on the "Set a new password" page of this
 * origin (the project's allowed redirect URLs decide whether it may).
 */
export async function requestPasswordReset({ email }: { email: string }) {
  const { error } = await supabase.auth.resetPasswordForEmail(email.trim(), {
    redirectTo: new URL(paths.resetPassword, window.location.origin).toString(),
  });
  if (error) throw error;
}

export function useRequestPasswordReset(options: MutationOptionsOf<typeof requestPasswordReset> = {}) {
  return useMutation({ ...options, mutationFn: requestPasswordReset });
}
