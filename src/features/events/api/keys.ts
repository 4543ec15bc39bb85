export const eventKeys = {
  all: ['events'] as const,
  organization: (organizationId: string) => [...eventKeys.all, organizationId] as const,
  list: (organizationId: string) => [...eventKeys.organization(organizationId), 'list'] as const,
  performance: (organizationId: string) => [...eventKeys.organization(organizationId), 'performance'] as const,
  links: (organizationId: string) => [...eventKeys.organization(organizationId), 'links'] as const,
};
