export const groupKeys = {
  all: ['groups'] as const,
  organization: (organizationId: string) => [...groupKeys.all, organizationId] as const,
  performance: (organizationId: string, from: string | null, to: string | null) =>
    [...groupKeys.organization(organizationId), 'performance', from, to] as const,
};
