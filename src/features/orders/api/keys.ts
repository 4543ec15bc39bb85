import type { OrderFilters } from '../lib/filters';

/** Query keys of the orders feature, general → specific, all scoped by organization. */
export const orderKeys = {
  all: ['orders'] as const,
  organization: (organizationId: string) => [...orderKeys.all, organizationId] as const,
  lists: (organizationId: string) => [...orderKeys.organization(organizationId), 'list'] as const,
  list: (organizationId: string, filters: OrderFilters) => [...orderKeys.lists(organizationId), filters] as const,
  details: (organizationId: string) => [...orderKeys.organization(organizationId), 'detail'] as const,
  detail: (organizationId: string, orderId: string) => [...orderKeys.details(organizationId), orderId] as const,
  promoterOptions: (organizationId: string) => [...orderKeys.organization(organizationId), 'promoter-options'] as const,
  eventOptions: (organizationId: string) => [...orderKeys.organization(organizationId), 'event-options'] as const,
};
