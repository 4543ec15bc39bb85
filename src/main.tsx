import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import type { ReactNode } from 'react';
import { App } from '@/app/app';
import { reportCaughtError } from '@/lib/report-caught-error';
import { startEarlyEventRequest } from '@/features/attendee/api/early-event-request';
import { removePrerenderedEvent } from '@/features/attendee/lib/prerendered-event';
import { createQueryClient } from '@/lib/query-client';
import '@/styles/global.css';
import '@/styles/event-hero.css';

// Before anything renders: the event page's data, in parallel with the page's code.
startEarlyEventRequest(window.location.pathname);
// The event page's static hero (written by the host) hides the app's root until the page
// replaces it; going back or forward before that leaves it behind.
window.addEventListener('popstate', () => removePrerenderedEvent(), { once: true });

/**
 * Address changes render at once, not as transitions: a filter's control follows the click
 * while the panels keep their figures on screen until the new ones are here (deferred
 * values under suspense queries; decision 025).
 */
function Router({ children }: { children: ReactNode }) {
  return <BrowserRouter useTransitions={false}>{children}</BrowserRouter>;
}

const container = document.getElementById('root');
if (!container) throw new Error('The page has no #root element.');

createRoot(container, { onCaughtError: reportCaughtError }).render(
  <StrictMode>
    <App router={Router} queryClient={createQueryClient()} />
  </StrictMode>,
);
