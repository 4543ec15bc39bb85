/**
 * The query keys a feature of one organization's data starts from, general → specific:
 * the whole feature, one organization's part of it, its lists (one per filters) and its
 * details (one per id). Invalidating a key refreshes every key that extends it.
 */
export function organizationListKeys<Filters>(feature: string) {
  const all = [feature] as const;
  const organization = (organizationId: string) => [...all, organizationId] as const;
  const lists = (organizationId: string) => [...organization(organizationId), 'list'] as const;
  const details = (organizationId: string) => [...organization(organizationId), 'detail'] as const;
  return {
    all,
    organization,
    lists,
    list: (organizationId: string, filters: Filters) => [...lists(organizationId), filters] as const,
    details,
    detail: (organizationId: string, id: string) => [...details(organizationId), id] as const,
  };
}
