import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { withCacheUpdate, type MutationHookOptions } from '@/lib/mutation-options';
import { supabase } from '@/lib/supabase';
import { promoterKeys } from './keys';

export interface PortalStatus {
  enabled: boolean;
  /** When the current secret was drawn; null when no portal link was ever made. */
  rotated_at: string | null;
}

export interface RotatedPortal extends PortalStatus {
  /** The raw secret: returned once, never readable again. */
  secret: string;
}

function record(data: unknown): Record<string, unknown> {
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
}

function toStatus(data: unknown): PortalStatus {
  const value = record(data);
  return { enabled: value.enabled === true, rotated_at: typeof value.rotated_at === 'string' ? value.rotated_at : null };
}

export async function getPortalStatus(promoterId: string): Promise<PortalStatus> {
  const { data, error } = await supabase.rpc('promoter_portal_status', { p_promoter_id: promoterId });
  if (error) throw error;
  return toStatus(data);
}

export const portalStatusQueryOptions = (organizationId: string, promoterId: string) =>
  queryOptions({ queryKey: promoterKeys.portal(organizationId, promoterId), queryFn: () => getPortalStatus(promoterId) });

/** Draws a new portal secret; the previous link stops working at once. */
export async function rotatePortal(promoterId: string): Promise<RotatedPortal> {
  const { data, error } = await supabase.rpc('rotate_promoter_portal', { p_promoter_id: promoterId });
  if (error) throw error;
  const secret = record(data).secret;
  if (typeof secret !== 'string') throw new Error('The portal link could not be created.');
  return { ...toStatus(data), secret };
}

export async function disablePortal(promoterId: string): Promise<PortalStatus> {
  const { data, error } = await supabase.rpc('disable_promoter_portal', { p_promoter_id: promoterId });
  if (error) throw error;
  return toStatus(data);
}

interface PortalInput {
  organizationId: string;
  promoterId: string;
}

export function useRotatePortal(options: MutationHookOptions<RotatedPortal, PortalInput> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    ...withCacheUpdate(options, (portal, input) =>
      queryClient.setQueryData<PortalStatus>(promoterKeys.portal(input.organizationId, input.promoterId), {
        enabled: portal.enabled,
        rotated_at: portal.rotated_at,
      }),
    ),
    mutationFn: (input: PortalInput) => rotatePortal(input.promoterId),
  });
}

export function useDisablePortal(options: MutationHookOptions<PortalStatus, PortalInput> = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    ...withCacheUpdate(options, (status, input) => queryClient.setQueryData<PortalStatus>(promoterKeys.portal(input.organizationId, input.promoterId), status)),
    mutationFn: (input: PortalInput) => disablePortal(input.promoterId),
  });
}
