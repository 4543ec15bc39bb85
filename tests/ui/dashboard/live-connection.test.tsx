import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBrowserStubs } from './browser-stubs';
import {
  apiClient,
  buyThroughLink,
  closeChannelFromServer,
  dropRealtimeConnections,
  generalAdmission,
  hasJoined,
  make,
  type Organizer,
  organizerWithOrganization,
  renderApp,
  startDashboardEmulator,
  stopDashboardEmulator,
  TEST_PASSWORD,
} from './harness';
import type { Event } from '../../helpers/factory';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));

let organizer: Organizer;
let event: Event;

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  installBrowserStubs();
  organizer = await organizerWithOrganization('Dockside Live', 'EUR');
  event = await make(organizer).event(organizer.organization, { slug: `dockside-${Date.now()}-${Math.floor(Math.random() * 1e6)}`, name: 'Dockside Sessions', ticketTypes: generalAdmission(2000) });
  await make(organizer).promoter(organizer.organization, { name: 'Cleo Marsh', code: 'CLEO', events: [event.id] });
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
    await screen.findByRole('status', { name: /^Live/ });
    await waitFor(() => expect(ticketsCard()).toHaveTextContent('1'));

    expect(dropRealtimeConnections()).toBe(1);

    // The badge must stop claiming "Live" while the numbers may be behind…
    await waitFor(() => expect(indicator()).not.toHaveAccessibleName(/^Live/));
    expect(indicator()).toHaveAccessibleName(/^Connection lost, reconnecting/);

    // …and say it again once the channel has been rejoined.
    await waitFor(() => expect(indicator()).toHaveAccessibleName(/^Live/));

    await buyThroughLink(event, 'CLEO', 2);

    expect(await screen.findByText(/New sale via Cleo Marsh · €40\.00/)).toBeInTheDocument();
    await waitFor(() => expect(ticketsCard()).toHaveTextContent('3'));
    expect(within(screen.getByRole('region', { name: 'Summary' })).getByText('Revenue via promoters').nextSibling).toHaveTextContent('€60.00');
  });

  it('rejoins when the server closes the organization’s channel, and stays live', async () => {
    renderApp('/dashboard/promoters');
    await screen.findByRole('status', { name: /^Live/ });
    await waitFor(() => expect(ticketsCard()).toHaveTextContent('1'));

    const { data: topic, error } = await organizer.api.rpc('organization_live_topic', { p_organization_id: organizer.organizationId });
    expect(error).toBeNull();
    expect(closeChannelFromServer(topic as string)).toBe(1);

    await waitFor(() => expect(indicator()).toHaveAccessibleName(/^Connection lost, reconnecting/));
    await waitFor(() => expect(indicator()).toHaveAccessibleName(/^Live/));

    await buyThroughLink(event, 'CLEO', 1);

    expect(await screen.findByText(/New sale via Cleo Marsh · €20\.00/)).toBeInTheDocument();
    await waitFor(() => expect(ticketsCard()).toHaveTextContent('2'));
  });

  it('follows the organization to its new topic when a member is removed, and stays live', async () => {
    // A colleague joins, then is removed (as the service role, whoever may do it in the app).
    const colleague = apiClient();
    const signUp = await colleague.auth.signUp({ email: `colleague-${Date.now()}-${Math.random()}@example.com`, password: TEST_PASSWORD });
    expect(signUp.error).toBeNull();
    const colleagueId = signUp.data.user!.id;
    const service = apiClient('service');
    const added = await service
      .from('organization_members')
      .insert({ organization_id: organizer.organizationId, user_id: colleagueId, role: 'member' });
    expect(added.error).toBeNull();

    renderApp('/dashboard/promoters');
    await screen.findByRole('status', { name: /^Live/ });
    await waitFor(() => expect(ticketsCard()).toHaveTextContent('1'));
    const before = await organizer.api.rpc('organization_live_topic', { p_organization_id: organizer.organizationId });

    const removed = await service.from('organization_members').delete().eq('organization_id', organizer.organizationId).eq('user_id', colleagueId);
    expect(removed.error).toBeNull();
    const after = await organizer.api.rpc('organization_live_topic', { p_organization_id: organizer.organizationId });
    expect(after.data).not.toBe(before.data);

    // The dashboard follows the rotation: it joins the new topic.
    await waitFor(() => expect(hasJoined(after.data as string)).toBe(true));
    // Sales now go to the new topic only; the dashboard is there to see this one.
    await buyThroughLink(event, 'CLEO', 2);
    expect(await screen.findByText(/New sale via Cleo Marsh · €40\.00/)).toBeInTheDocument();
    await waitFor(() => expect(ticketsCard()).toHaveTextContent('3'));
    expect(indicator()).toHaveAccessibleName(/^Live/);
  });

  it('stops announcing sales on the dashboard of a member who was removed', async () => {
    // A second owner stays; the organizer whose dashboard is open is removed.
    const colleague = apiClient();
    const signUp = await colleague.auth.signUp({ email: `owner-${Date.now()}-${Math.random()}@example.com`, password: TEST_PASSWORD });
    expect(signUp.error).toBeNull();
    const service = apiClient('service');
    const added = await service
      .from('organization_members')
      .insert({ organization_id: organizer.organizationId, user_id: signUp.data.user!.id, role: 'owner' });
    expect(added.error).toBeNull();

    renderApp('/dashboard/promoters');
    await screen.findByRole('status', { name: /^Live/ });
    await waitFor(() => expect(ticketsCard()).toHaveTextContent('1'));

    const organizerId = (await organizer.api.auth.getUser()).data.user!.id;
    const removed = await service.from('organization_members').delete().eq('organization_id', organizer.organizationId).eq('user_id', organizerId);
    expect(removed.error).toBeNull();
    // The dashboard learns that the topic moved, cannot follow, and stops claiming "Live".
    await waitFor(() => expect(indicator()).toHaveAccessibleName(/^Offline/));

    // The remaining owner listens on the new topic; once the sale reached them, it would
    // have reached the removed organizer's dashboard too if it still could.
    const { data: topic, error } = await colleague.rpc('organization_live_topic', { p_organization_id: organizer.organizationId });
    expect(error).toBeNull();
    const seen: unknown[] = [];
    const channel = colleague.channel(topic as string, { config: { private: true } });
    channel.on('broadcast', { event: 'attribution' }, ({ payload }) => seen.push(payload));
    await new Promise<void>((resolve, reject) =>
      channel.subscribe((status) => (status === 'SUBSCRIBED' ? resolve() : status === 'CHANNEL_ERROR' ? reject(new Error(status)) : undefined)),
    );
    await buyThroughLink(event, 'CLEO', 2);
    await waitFor(() => expect(seen).toHaveLength(1));
    expect(screen.queryByText(/New sale via Cleo Marsh/)).toBeNull();
    await colleague.removeChannel(channel);
  });
});
