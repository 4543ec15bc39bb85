import { Outlet } from 'react-router-dom';
import { SessionProvider } from '@/features/auth/components/session-provider';

export { DashboardLayout } from './dashboard-layout';
export { PromotersRoute } from './promoters';
export { RequireSession } from './require-session';

/**
 * Where organizers work: sign-in, onboarding and the dashboard, all inside the session of
 * the full Supabase client. One chunk with the dashboard's first view, so a first
 * dashboard load fetches it in one go, and one the attendee pages never fetch.
 */
export function OrganizerArea() {
  return (
    <SessionProvider>
      <Outlet />
    </SessionProvider>
  );
}
