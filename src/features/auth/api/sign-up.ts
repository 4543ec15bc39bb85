import { useMutation } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import type { Credentials } from './sign-in';

export async function signUp({ email, password }: Credentials) {
  const { data, error } = await supabase.auth.signUp({ email: email.trim(), password });
  if (error) throw error;
  return data.session;
}

export function useSignUp() {
  return useMutation({ mutationFn: signUp });
}
