import { useMutation } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import type { MutationOptionsOf } from '@/lib/mutation-options';

export interface Credentials {
  email: string;
  password: string;
}

export async function signIn({ email, password }: Credentials) {
  const { data, error } = await supabase.auth.signInWithPassword({ email: email.trim(), password });
  if (error) throw error;
  return data.session;
}

export function useSignIn(options: MutationOptionsOf<typeof signIn> = {}) {
  return useMutation({ ...options, mutationFn: signIn });
}
