import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBrowserStubs } from './browser-stubs';
import {
  buyThroughLink,
  createEvent,
  closeChannelFromServer,
  createPromoter,
  dropRealtimeConnections,
  organizerWithOrganization,
  renderApp,
  startDashboardEmulator,
  stopDashboardEmulator,
  type Organizer,
} from './harness';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));

let organizer: Organizer;
let event: Awaited<ReturnType<typeof createEvent>>;

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  installBrowserStubs();
  organizer = await organizerWithOrganization('Dockside Live', 'EUR');
  event = await createEvent(organizer, { slug: `dockside-${Date.now()}-${Math.floor(Math.random() * 1e6)}`, name: 'Dockside Sessions', price: 2000 });
  await createPromoter(organizer, { name: 'Cleo Marsh', code: 'CLEO', eventIds: [event.id] });
  await buyThroughLink(event, 'CLEO', 1);
});

function indicator() {
  return screen.getByRole('status', { name: /^(Live|Connecting|Connection lost|Offline)/ });
}

function ticketsCard() {
  const summary = screen.getByRole('region', { name: 'Summary' });
  return within(summary).getByText('Tickets via promoters').nextSibling;
}

describe('the live connection', () => {
  it('recovers after the connection drops and keeps the summary live without a reload', async () => {
    renderApp('/dashboard/promoters');
    await screen.findByRole('status', { name: /^Live/ }, { timeout: 10_000 });
    await waitFor(() => expect(ticketsCard()).toHaveTextContent('1'));

    expect(dropRealtimeConnections()).toBe(1);

    // The badge must stop claiming "Live" while the numbers may be behind…
    await waitFor(() => expect(indicator()).not.toHaveAccessibleName(/^Live/));
    expect(indicator()).toHaveAccessibleName(/^Connection lost, reconnecting/);

    // …and say it again once the channel has been rejoined.
    await waitFor(() => expect(indicator()).toHaveAccessibleName(/^Live/), { timeout: 10_000 });

    await buyThroughLink(event, 'CLEO', 2);

    expect(await screen.findByText(/New sale via Cleo Marsh · €40\.00/, undefined, { timeout: 10_000 })).toBeInTheDocument();
    await waitFor(() => expect(ticketsCard()).toHaveTextContent('3'), { timeout: 10_000 });
    expect(within(screen.getByRole('region', { name: 'Summary' })).getByText('Revenue via promoters').nextSibling).toHaveTextContent('€60.00');
  });

  it('rejoins when the server closes the organization’s channel, and stays live', async () => {
    renderApp('/dashboard/promoters');
    await screen.findByRole('status', { name: /^Live/ }, { timeout: 10_000 });
    await waitFor(() => expect(ticketsCard()).toHaveTextContent('1'));

    expect(closeChannelFromServer(`org:${organizer.organizationId}`)).toBe(1);

    await waitFor(() => expect(indicator()).toHaveAccessibleName(/^Connection lost, reconnecting/));
    await waitFor(() => expect(indicator()).toHaveAccessibleName(/^Live/), { timeout: 10_000 });

    await buyThroughLink(event, 'CLEO', 1);

    expect(await screen.findByText(/New sale via Cleo Marsh · €20\.00/, undefined, { timeout: 10_000 })).toBeInTheDocument();
    await waitFor(() => expect(ticketsCard()).toHaveTextContent('2'), { timeout: 10_000 });
  });
});
