import { useMutation } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import type { Credentials } from './sign-in';
import type { MutationOptionsOf } from '@/lib/mutation-options';

export async function signUp({ email, password }: Credentials) {
  const { data, error } = await supabase.auth.signUp({ email: email.trim(), password });
  if (error) throw error;
  return data.session;
}

export function useSignUp(options: MutationOptionsOf<typeof signUp> = {}) {
  return useMutation({ ...options, mutationFn: signUp });
}
