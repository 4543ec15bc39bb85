export const organizationKeys = {
  all: ['organizations'] as const,
  mine: (userId: string) => [...organizationKeys.all, 'mine', userId] as const,
};
