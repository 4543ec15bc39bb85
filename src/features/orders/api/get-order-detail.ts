import { queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { supabase } from '@/lib/supabase';
import { orderKeys } from './keys';

const visitSchema = z.object({
  visit_id: z.string(),
  visited_at: z.string(),
  event_id: z.string(),
  event_name: z.string(),
  promoter_id: z.string(),
  promoter_name: z.string(),
  promo_code: z.string(),
  source: z.enum(['link', 'qr']),
  credited: z.boolean(),
  sent_with_order: z.boolean(),
});

export const orderDetailSchema = z.object({
  id: z.string(),
  organization_id: z.string(),
  reference: z.string(),
  status: z.enum(['paid', 'refunded']),
  created_at: z.string(),
  refunded_at: z.string().nullable(),
  buyer_name: z.string(),
  buyer_email: z.string(),
  currency: z.string(),
  total_minor: z.number(),
  ticket_count: z.number(),
  event: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
  items: z.array(z.object({ name: z.string(), quantity: z.number(), unit_price_minor: z.number() })),
  attribution: z
    .object({
      promoter_id: z.string(),
      promoter_name: z.string(),
      promo_code: z.string(),
      /** link or qr: a tracking link visit; referral_code: typed at checkout (no visit). */
      source: z.enum(['link', 'qr', 'referral_code']),
      visit_id: z.string().nullable(),
      visited_at: z.string().nullable(),
      event_id: z.string(),
      /** The buyer's email was the promoter's own. Defaults: a database without the field yet shows the order as before. */
      self_referral: z.boolean().default(false),
      /** Whether the credit counts toward the promoter's figures now: not once refunded, nor for a self-referral the organization leaves out. */
      counted: z.boolean().default(true),
    })
    .nullable(),
  unattributed_reason: z
    .enum(['no_link', 'unknown_link', 'other_event', 'promoter_inactive', 'visit_limit', 'expired', 'invalid_referral_code', 'promoter_deleted'])
    .nullable(),
  session_visits: z.array(visitSchema),
  can_refund: z.boolean(),
});

export type OrderDetail = z.infer<typeof orderDetailSchema>;

export async function getOrderDetail(orderId: string): Promise<OrderDetail> {
  const { data, error } = await supabase.rpc('order_detail', { p_order_id: orderId });
  if (error) throw error;
  return orderDetailSchema.parse(data);
}

export const orderDetailQueryOptions = (organizationId: string, orderId: string) =>
  queryOptions({ queryKey: orderKeys.detail(organizationId, orderId), queryFn: () => getOrderDetail(orderId) });
