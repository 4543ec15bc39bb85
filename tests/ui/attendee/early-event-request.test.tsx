/**
 * The entry script asks for the event of `/events/<slug>` before the page's code has
 * loaded; the page then uses that answer instead of asking again, and falls back to its
 * own request when the early one failed.
 */
import { screen } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startEarlyEventRequest, takeEarlyEventRows } from '@/features/attendee/api/early-event-request';
import { admin, emulatorUrl, make, network, renderAttendee, resetBrowserSession, startAttendeeEmulator, stopAttendeeEmulator } from './harness';
import type { Organization } from '../../helpers/factory';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));
vi.mock('@/lib/public-api', () => import('../support/spa-client'));

let fixture: Organization;

beforeAll(async () => {
  await startAttendeeEmulator();
  fixture = await make().organization({ currency: 'USD' });
});
afterAll(stopAttendeeEmulator);
beforeEach(resetBrowserSession);

/** A fetch that sends the page-origin URL to the emulator and records what it asked. */
function earlyFetch(answer?: (url: URL) => Response | undefined) {
  const asked: URL[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    asked.push(url);
    const canned = answer?.(url);
    if (canned) return canned;
    return fetch(new URL(`${url.pathname}${url.search}`, emulatorUrl()), init);
  }) as typeof fetch;
  return { asked, fetchImpl };
}

/** Records the page's own requests to the events table. */
function watchEventRequests(): URL[] {
  const seen: URL[] = [];
  network.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname.endsWith('/rest/v1/events')) seen.push(url);
    return fetch(input, init);
  };
  return seen;
}

describe('the early event request', () => {
  it('is used by the event page, which then asks for the event no more', async () => {
    const event = await make().event(fixture, {
      name: 'Early Bird Night',
      ticketTypes: [
        { name: 'Second', price_minor: 2000, capacity: 10 },
        { name: 'First', price_minor: 1000, capacity: 10 },
      ],
    });
    // Listed after "Second" when created; its sort order puts it first.
    const moved = await admin().from('ticket_types').update({ sort_order: -1 }).eq('id', event.ticketTypes[1].id);
    expect(moved.error).toBeNull();
    const { asked, fetchImpl } = earlyFetch();
    const pageRequests = watchEventRequests();

    startEarlyEventRequest(`/events/${event.slug}`, fetchImpl);
    renderAttendee(`/events/${event.slug}?promoter=NOBODY`);

    expect(await screen.findByRole('heading', { level: 1, name: 'Early Bird Night' })).toBeInTheDocument();
    const names = screen.getAllByRole('listitem').map((item) => item.textContent ?? '');
    expect(names[0]).toContain('First');
    expect(names[1]).toContain('Second');
    expect(asked).toHaveLength(1);
    expect(asked[0].pathname).toBe('/rest/v1/events');
    expect(pageRequests).toEqual([]);
  });

  it('leaves the page to ask itself when the early answer failed', async () => {
    const event = await make().event(fixture, { name: 'Second Chance Gig' });
    const { fetchImpl } = earlyFetch(() => new Response('{"message":"boom"}', { status: 503 }));
    const pageRequests = watchEventRequests();

    startEarlyEventRequest(`/events/${event.slug}`, fetchImpl);
    renderAttendee(`/events/${event.slug}`);

    expect(await screen.findByRole('heading', { level: 1, name: 'Second Chance Gig' })).toBeInTheDocument();
    expect(pageRequests).toHaveLength(1);
  });

  it('is used once: a later load of the same event asks the API', async () => {
    const event = await make().event(fixture, { name: 'Once Only' });
    const { fetchImpl } = earlyFetch();
    startEarlyEventRequest(`/events/${event.slug}`, fetchImpl);
    expect(await takeEarlyEventRows(event.slug)).toHaveLength(1);
    expect(takeEarlyEventRows(event.slug)).toBeUndefined();
  });

  it('answers an unknown slug with no rows, so the page shows not found', async () => {
    const { fetchImpl } = earlyFetch();
    startEarlyEventRequest('/events/no-such-event-here', fetchImpl);
    renderAttendee('/events/no-such-event-here');
    expect(await screen.findByRole('heading', { name: 'Event not found' })).toBeInTheDocument();
  });

  it('starts only on the event and checkout pages', () => {
    const { asked, fetchImpl } = earlyFetch();
    for (const pathname of ['/', '/dashboard/promoters', '/sign-in', '/events/a/orders/ABC123', '/events/', '/events/%E0%A4%A']) {
      startEarlyEventRequest(pathname, fetchImpl);
    }
    expect(asked).toEqual([]);
    startEarlyEventRequest('/events/some-event/checkout', fetchImpl);
    expect(asked).toHaveLength(1);
    expect(asked[0].searchParams.get('slug')).toBe('eq.some-event');
    expect(asked[0].searchParams.get('status')).toBe('eq.published');
    void takeEarlyEventRows('some-event');
  });
});
