export const organizationKeys = {
  all: ['organizations'] as const,
  mine: (userId: string) => [...organizationKeys.all, 'mine', userId] as const,
  organization: (organizationId: string) => [...organizationKeys.all, organizationId] as const,
  members: (organizationId: string) => [...organizationKeys.organization(organizationId), 'members'] as const,
  invitations: (organizationId: string) => [...organizationKeys.organization(organizationId), 'invitations'] as const,
  /** The organization's row as the settings page reads it, once for all its sections. */
  settings: (organizationId: string) => [...organizationKeys.organization(organizationId), 'settings'] as const,
};

/** The landing page's preview of an invitation link; not tied to any organization the user has. */
export const invitationKeys = {
  preview: (token: string) => ['invitation', token] as const,
};
