/** Query keys of the attendee pages, general → specific. */
export const attendeeKeys = {
  all: ['attendee'] as const,
  events: () => [...attendeeKeys.all, 'event'] as const,
  event: (slug: string) => [...attendeeKeys.events(), slug] as const,
  formerSlug: (slug: string) => [...attendeeKeys.all, 'former-slug', slug] as const,
};
