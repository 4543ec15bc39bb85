import { render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { RouteErrorBoundary } from '@/app/routes/route-error';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { make, network, renderAttendee, resetBrowserSession, startAttendeeEmulator, stopAttendeeEmulator } from './harness';
import type { Organization } from '../../helpers/factory';
import { PRERENDERED_EVENT_ID } from '@/features/attendee/lib/prerendered-event';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));
vi.mock('@/lib/public-api', () => import('../support/spa-client'));

let fixture: Organization;

beforeAll(async () => {
  await startAttendeeEmulator();
  fixture = await make().organization({ currency: 'USD' });
});
afterAll(stopAttendeeEmulator);
beforeEach(resetBrowserSession);

describe('the public event page', () => {
  it('shows the event, its ticket types with prices and what is left, and sold-out types', async () => {
    const startsAt = new Date('2030-07-18T18:00:00Z');
    const event = await make().event(fixture, {
      name: 'Harbour Lights',
      venue: 'Pier 9',
      description: 'An evening of lanterns.',
      startsAt,
      endsAt: null,
      ticketTypes: [
        { name: 'General Admission', price_minor: 2550, capacity: 100, sold: 2 },
        { name: 'VIP', price_minor: 9900, capacity: 10, sold: 10 },
      ],
    });
    renderAttendee(`/events/${event.slug}`);

    expect(await screen.findByRole('heading', { level: 1, name: 'Harbour Lights' })).toBeInTheDocument();
    await waitFor(() => expect(document.title).toBe('Harbour Lights · Promoter Links'));
    const expectedDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' }).format(startsAt);
    expect(screen.getByText(expectedDate)).toBeInTheDocument();
    expect(screen.getByText('Pier 9')).toBeInTheDocument();
    expect(screen.getByText('An evening of lanterns.')).toBeInTheDocument();

    const [general, vip] = within(screen.getByRole('list')).getAllByRole('listitem');
    expect(within(general).getByText('General Admission')).toBeInTheDocument();
    expect(within(general).getByText('$25.50')).toBeInTheDocument();
    expect(within(general).getByText('98 available')).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Quantity for General Admission' })).toBeEnabled();

    expect(within(vip).getByText('$99.00')).toBeInTheDocument();
    expect(within(vip).getByText('Sold out')).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Quantity for VIP' })).toBeDisabled();
  });

  it('says the event is sold out when no ticket type has any left', async () => {
    const event = await make().event(fixture, {
      ticketTypes: [{ name: 'Standing', price_minor: 1000, capacity: 5, sold: 5 }],
    });
    renderAttendee(`/events/${event.slug}`);
    expect(await screen.findByText('This event is sold out.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Continue to checkout' })).not.toBeInTheDocument();
  });

  it('shows a not-found page for an unknown event and for one that is not published', async () => {
    const draft = await make().event(fixture, { name: 'Secret Draft', status: 'draft' });
    for (const slug of ['no-such-event', draft.slug]) {
      const view = renderAttendee(`/events/${slug}`);
      expect(await screen.findByRole('heading', { level: 1, name: 'Event not found' })).toBeInTheDocument();
      expect(screen.queryByText('Secret Draft')).not.toBeInTheDocument();
      view.unmount();
    }
  });

  it('says ticket sales have closed once the event is over', async () => {
    const event = await make().event(fixture, {
      startsAt: new Date(Date.now() - 48 * 3600_000),
      endsAt: new Date(Date.now() - 40 * 3600_000),
    });
    renderAttendee(`/events/${event.slug}`);
    expect(await screen.findByText('Ticket sales for this event have closed.')).toBeInTheDocument();
    expect(screen.queryByRole('combobox')).not.toBeInTheDocument();
  });

  it('asks for a ticket before continuing, then takes the chosen tickets to checkout', async () => {
    const event = await make().event(fixture, {
      ticketTypes: [
        { name: 'General Admission', price_minor: 2500, capacity: 100 },
        { name: 'VIP', price_minor: 8000, capacity: 20 },
      ],
    });
    const { user, location } = renderAttendee(`/events/${event.slug}`);
    const proceed = await screen.findByRole('button', { name: 'Continue to checkout' });

    await user.click(proceed);
    expect(screen.getByRole('alert')).toHaveTextContent('Please choose at least one ticket.');
    expect(location()).toBe(`/events/${event.slug}`);

    await user.selectOptions(screen.getByRole('combobox', { name: 'Quantity for General Admission' }), '2');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Quantity for VIP' }), '1');
    expect(screen.getByText('3 tickets: $130.00')).toBeInTheDocument();
    await user.click(proceed);

    expect(await screen.findByRole('heading', { level: 1, name: 'Checkout' })).toBeInTheDocument();
    expect(location()).toMatch(new RegExp(`^/events/${event.slug}/checkout\\?tickets=`));
    const summary = screen.getByRole('table', { name: 'Tickets in your order' });
    expect(within(summary).getByRole('rowheader', { name: 'General Admission' }).closest('tr')).toHaveTextContent('2$25.00$50.00');
    expect(within(summary).getByRole('rowheader', { name: 'VIP' }).closest('tr')).toHaveTextContent('1$80.00$80.00');
    expect(within(summary).getByRole('rowheader', { name: 'Total' }).closest('tr')).toHaveTextContent('$130.00');
  });

  it('looks exactly the same with a promoter link, which stays in the address bar', async () => {
    const event = await make().event(fixture);
    const plain = renderAttendee(`/events/${event.slug}`);
    await screen.findByRole('heading', { level: 1 });
    const withoutLink = plain.container.querySelector('main')?.outerHTML;
    expect(withoutLink).toContain('Continue to checkout');
    plain.unmount();

    const linked = renderAttendee(`/events/${event.slug}?promoter=NOBODY123`);
    await screen.findByRole('heading', { level: 1 });
    expect(linked.container.querySelector('main')?.outerHTML).toBe(withoutLink);
    expect(linked.location()).toBe(`/events/${event.slug}?promoter=NOBODY123`);
  });

  it('shows a placeholder while loading, and an error with a retry when the event cannot be loaded', async () => {
    const event = await make().event(fixture, { name: 'Lantern Walk' });
    let reachable = false;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    network.fetch = async (input, init) => {
      await held;
      if (!reachable) throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    const { user } = renderAttendee(`/events/${event.slug}`);
    expect(screen.getByRole('status', { name: 'Loading event' })).toBeInTheDocument();

    release();
    // supabase-js itself retries failed reads a few times (1 s, 2 s, 4 s) before giving up:
    // about 7 s, within the suite's wait limit (tests/ui/setup.ts).
    expect(await screen.findByRole('alert')).toHaveTextContent('We could not load this event');
    reachable = true;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Lantern Walk' })).toBeInTheDocument();
  });

  it("keeps the host's static hero until the page shows the event, then swaps it out in the same commit", async () => {
    const event = await make().event(fixture, { name: 'Static Hero Night' });
    // What the host writes before the app's root (edge/event-preview.ts).
    const hero = () => document.getElementById(PRERENDERED_EVENT_ID);
    const install = () => {
      const element = document.createElement('main');
      element.id = PRERENDERED_EVENT_ID;
      element.className = 'att-page att-prerendered';
      element.setAttribute('aria-hidden', 'true');
      element.innerHTML = '<h1 class="att-event-name">Static Hero Night</h1>';
      document.body.prepend(element);
    };
    install();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    network.fetch = async (input, init) => {
      await held;
      return fetch(input, init);
    };
    // Any moment at which both the static hero and the page's own heading were in the document.
    let bothShown = false;
    const observer = new MutationObserver(() => {
      if (hero() && screen.queryAllByRole('heading', { level: 1, name: 'Static Hero Night' }).length > 0) bothShown = true;
    });
    observer.observe(document.body, { childList: true, subtree: true });
    try {
      const view = renderAttendee(`/events/${event.slug}`);
      expect(screen.getByRole('status', { name: 'Loading event' })).toBeInTheDocument();
      expect(hero()).not.toBeNull();
      release();
      const heading = await screen.findByRole('heading', { level: 1, name: 'Static Hero Night' });
      expect(hero()).toBeNull();
      expect(heading.closest('.att-prerendered')).toBeNull();
      expect(bothShown).toBe(false);
      view.unmount();

      // The not-found page replaces it as well.
      network.fetch = fetch;
      install();
      renderAttendee('/events/no-such-event-here');
      expect(await screen.findByRole('heading', { level: 1, name: 'Event not found' })).toBeInTheDocument();
      expect(hero()).toBeNull();
    } finally {
      observer.disconnect();
      hero()?.remove();
    }
  });

  it('takes the static hero away when the page fails to render or is left before the event arrives', async () => {
    const install = () => {
      const element = document.createElement('main');
      element.id = PRERENDERED_EVENT_ID;
      element.setAttribute('aria-hidden', 'true');
      document.body.prepend(element);
    };
    const hero = () => document.getElementById(PRERENDERED_EVENT_ID);
    // A page whose chunk failed: the route's error page must not stay hidden behind it.
    install();
    const Broken = () => {
      throw new Error('chunk failed to load');
    };
    // React reports the caught error on the console, as it should; not this test's subject.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {});
    const broken = render(
      <MemoryRouter>
        <RouteErrorBoundary resetKey="/events/x">
          <Broken />
        </RouteErrorBoundary>
      </MemoryRouter>,
    );
    expect(await screen.findByRole('heading', { name: 'Something went wrong' })).toBeInTheDocument();
    expect(hero()).toBeNull();
    broken.unmount();
    warn.mockRestore();
    reported.mockRestore();

    // Left while the event is still loading.
    const event = await make().event(fixture, { name: 'Left Early' });
    install();
    network.fetch = () => new Promise<Response>(() => {});
    const view = renderAttendee(`/events/${event.slug}`);
    expect(screen.getByRole('status', { name: 'Loading event' })).toBeInTheDocument();
    expect(hero()).not.toBeNull();
    view.unmount();
    expect(hero()).toBeNull();
  });
});
