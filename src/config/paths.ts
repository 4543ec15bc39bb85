/** Every route of the SPA, in one place; components build links with these helpers. */
export const paths = {
  home: '/',
  signIn: '/sign-in',
  signUp: '/sign-up',
  forgotPassword: '/forgot-password',
  resetPassword: '/reset-password',
  onboarding: '/onboarding',
  dashboard: '/dashboard',
  promoters: '/dashboard/promoters',
  promoter: (promoterId: string) => `/dashboard/promoters/${promoterId}`,
  groups: '/dashboard/groups',
  events: '/dashboard/events',
  account: '/dashboard/account',
  members: '/dashboard/members',
  invitation: (token: string) => `/invitations/${token}`,
  publicEvent: (slug: string) => `/events/${slug}`,
  checkout: (slug: string) => `/events/${slug}/checkout`,
  orderConfirmation: (slug: string, reference: string) => `/events/${slug}/orders/${reference}`,
} as const;

/** The tracking link a promoter shares for one event: the code as stored, on the public page. */
export function trackingLink(origin: string, eventSlug: string, promoCode: string): string {
  const url = new URL(paths.publicEvent(eventSlug), origin);
  url.searchParams.set('promoter', promoCode);
  return url.toString();
}
