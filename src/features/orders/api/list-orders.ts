import { infiniteQueryOptions } from '@tanstack/react-query';
import { supabase, type FunctionRow } from '@/lib/supabase';
import { listOrdersArgs, type OrderFilters } from '../lib/filters';
import { orderKeys } from './keys';

export type OrderRow = FunctionRow<'list_orders'>;

export const ORDERS_PAGE_SIZE = 50;
/** The export reads the filtered view in pages of the API's row limit. */
const EXPORT_PAGE_SIZE = 1000;

/** One page of orders, newest first, after the order `afterId` (the previous page's last). */
export async function listOrders(organizationId: string, filters: OrderFilters, afterId: string | null, limit: number): Promise<OrderRow[]> {
  const { data, error } = await supabase.rpc('list_orders', {
    ...listOrdersArgs(organizationId, filters),
    ...(afterId ? { p_after_id: afterId } : {}),
    p_limit: limit,
  });
  if (error) throw error;
  return data;
}

/** Every order of the filtered view, for the CSV export. */
export async function listAllOrders(organizationId: string, filters: OrderFilters): Promise<OrderRow[]> {
  const rows: OrderRow[] = [];
  let afterId: string | null = null;
  for (;;) {
    const page = await listOrders(organizationId, filters, afterId, EXPORT_PAGE_SIZE);
    rows.push(...page);
    if (page.length < EXPORT_PAGE_SIZE) return rows;
    afterId = page[page.length - 1].id;
  }
}

/** The orders page: pages of 50 loaded on demand ("Show more"). */
export const ordersQueryOptions = (organizationId: string, filters: OrderFilters) =>
  infiniteQueryOptions({
    queryKey: orderKeys.list(organizationId, filters),
    queryFn: ({ pageParam }) => listOrders(organizationId, filters, pageParam, ORDERS_PAGE_SIZE),
    initialPageParam: null as string | null,
    getNextPageParam: (lastPage) => (lastPage.length < ORDERS_PAGE_SIZE ? undefined : lastPage[lastPage.length - 1].id),
  });
