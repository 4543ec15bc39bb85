/**
 * Netlify Edge Function: link previews for event pages (decision 019). A thin wrapper:
 * everything is in edge/event-preview.ts, the handler the local emulator runs too.
 *
 * Settings (site environment variables, scoped to functions as well as builds):
 * VITE_SUPABASE_URL and VITE_SUPABASE_ANON_KEY (the same the build uses), optionally
 * EVENT_TIME_ZONE (an IANA zone, default UTC). `URL` is Netlify's own: the site's
 * primary address, used for the canonical `og:url`.
 */
import { handleEventPreview } from '../../edge/event-preview.ts';

declare const Netlify: { env: { get(name: string): string | undefined } };

export default async function eventPreview(request: Request, context: { next(): Promise<Response> }): Promise<Response> {
  const supabaseUrl = Netlify.env.get('VITE_SUPABASE_URL');
  const anonKey = Netlify.env.get('VITE_SUPABASE_ANON_KEY');
  // Without the project's settings the page is served as it is.
  if (!supabaseUrl || !anonKey) return context.next();
  return handleEventPreview(request, {
    supabaseUrl,
    anonKey,
    next: () => context.next(),
    siteUrl: Netlify.env.get('URL'),
    timeZone: Netlify.env.get('EVENT_TIME_ZONE'),
  });
}

// Only the event pages; a failure of the function serves the page without it.
export const config = { path: '/events/*', method: ['GET', 'HEAD'], onError: 'bypass' };
