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
  settings: '/dashboard/settings',
  invitation: (token: string) => `/invitations/${token}`,
  orders: '/dashboard/orders',
  order: (orderId: string) => `/dashboard/orders/${orderId}`,
  publicEvent: (slug: string) => `/events/${slug}`,
  checkout: (slug: string) => `/events/${slug}/checkout`,
  orderConfirmation: (slug: string, reference: string) => `/events/${slug}/orders/${reference}`,
  portal: (secret: string) => `/p/${secret}`,
} as const;

/** The tracking link a promoter shares for one event: the code as stored, on the public page. */
export function trackingLink(origin: string, eventSlug: string, promoCode: string): string {
  const url = new URL(paths.publicEvent(eventSlug), origin);
  url.searchParams.set('promoter', promoCode);
  return url.toString();
}

/** The query parameter marking a tracking link opened from its QR code (`src=qr`). */
export const QR_SOURCE_PARAM = 'src';

/** What a promoter's QR code encodes: the tracking link, marked as scanned. */
export function qrTrackingLink(link: string): string {
  const url = new URL(link);
  url.searchParams.set(QR_SOURCE_PARAM, 'qr');
  return url.toString();
}

/**
 * The mark the dashboard's "Open" puts on a tracking link (a URL fragment, never sent to
 * the server and never part of a copied link): the event page then records no visit, so
 * organizers trying their own links never count as visitors, signed in or not.
 */
export const ORGANIZER_PREVIEW_HASH = '#organizer-preview';

/** A tracking link as the dashboard opens it for the organizer: marked as a preview. */
export function organizerPreviewLink(link: string): string {
  return link + ORGANIZER_PREVIEW_HASH;
}

/** A promoter's private portal link (the secret is shown once, right after rotation). */
export function portalLink(origin: string, secret: string): string {
  return new URL(paths.portal(secret), origin).toString();
}
