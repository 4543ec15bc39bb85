import { createContext, useContext, type ReactNode } from 'react';
import type { Organization } from '../api/get-my-organizations';

const OrganizationContext = createContext<Organization | null>(null);

export function OrganizationProvider({ organization, children }: { organization: Organization; children: ReactNode }) {
  return <OrganizationContext.Provider value={organization}>{children}</OrganizationContext.Provider>;
}

/** The organization the dashboard shows; only valid below the dashboard layout. */
export function useCurrentOrganization(): Organization {
  const organization = useContext(OrganizationContext);
  if (!organization) throw new Error('useCurrentOrganization must be used inside the dashboard.');
  return organization;
}
