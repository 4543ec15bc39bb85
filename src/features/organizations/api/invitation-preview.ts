import { queryOptions } from '@tanstack/react-query';
import { supabase } from '@/lib/supabase';
import { invitationKeys } from './keys';

export interface InvitationPreview {
  organization_name: string;
  role: 'admin' | 'member';
  email: string;
  invited_by: string | null;
  expires_at: string;
}

/** What a live invitation link offers; null for any link that is not (or no longer) one. */
export async function getInvitationPreview(token: string): Promise<InvitationPreview | null> {
  const { data, error } = await supabase.rpc('invitation_preview', { p_token: token });
  if (error) throw error;
  return (data as unknown as InvitationPreview | null) ?? null;
}

export const invitationPreviewQueryOptions = (token: string) =>
  // Asked once per visit: every wrong link counts against the visitor's guesses.
  queryOptions({ queryKey: invitationKeys.preview(token), queryFn: () => getInvitationPreview(token), staleTime: Infinity, retry: false });
