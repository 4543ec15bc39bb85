/** Query keys of the promoter portal: one view per portal link, not tied to an organization. */
export const portalKeys = {
  view: (secret: string) => ['portal', secret] as const,
};
