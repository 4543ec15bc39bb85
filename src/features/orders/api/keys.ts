import { organizationListKeys } from '@/lib/query-keys';
import type { OrderFilters } from '../lib/filters';

const orders = organizationListKeys<OrderFilters>('orders');

/** Query keys of the orders feature, general → specific, all scoped by organization. */
export const orderKeys = {
  ...orders,
  filterOptions: (organizationId: string) => [...orderKeys.organization(organizationId), 'filter-options'] as const,
};
