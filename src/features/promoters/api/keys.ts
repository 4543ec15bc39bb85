import { organizationListKeys } from '@/lib/query-keys';
import type { PerformanceFilters } from '../lib/filters';

const promoters = organizationListKeys<PerformanceFilters>('promoters');

/** Query keys of the promoters feature, general → specific, all scoped by organization. */
export const promoterKeys = {
  ...promoters,
  summaries: (organizationId: string) => [...promoterKeys.organization(organizationId), 'summary'] as const,
  summary: (organizationId: string, filters: PerformanceFilters) => [...promoterKeys.summaries(organizationId), filters] as const,
  timeseries: (organizationId: string, promoterId: string, from: string, to: string) =>
    [...promoterKeys.detail(organizationId, promoterId), 'timeseries', from, to] as const,
  sources: (organizationId: string, promoterId: string) => [...promoterKeys.detail(organizationId, promoterId), 'sources'] as const,
  links: (organizationId: string, promoterId: string) => [...promoterKeys.detail(organizationId, promoterId), 'links'] as const,
  portal: (organizationId: string, promoterId: string) => [...promoterKeys.detail(organizationId, promoterId), 'portal'] as const,
  /** Availability of a code for one promoter (its own former codes are free to it), or for a new one (null). */
  codeAvailability: (organizationId: string, code: string, promoterId: string | null) =>
    [...promoterKeys.organization(organizationId), 'code', code.toLowerCase(), promoterId] as const,
};
