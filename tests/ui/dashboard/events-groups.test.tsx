import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBrowserStubs } from './browser-stubs';
import { make, type Organizer, organizerWithOrganization, renderApp, startDashboardEmulator, stopDashboardEmulator } from './harness';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));

let organizer: Organizer;

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  installBrowserStubs();
  organizer = await organizerWithOrganization('Dockside', 'EUR');
});

describe('events', () => {
  it('creates an event with ticket types as a draft, then publishes and unpublishes it', async () => {
    const { user } = renderApp('/dashboard/events');
    expect(await screen.findByText('No events yet — create your first')).toBeInTheDocument();
    await user.click(screen.getAllByRole('button', { name: 'New event' })[0]);
    const dialog = await screen.findByRole('dialog', { name: 'New event' });
    const slug = `dock-party-${Date.now()}`;
    await user.type(within(dialog).getByLabelText('Event name'), 'Dock Party');
    await user.clear(within(dialog).getByLabelText('Web address'));
    await user.type(within(dialog).getByLabelText('Web address'), slug);
    await user.type(within(dialog).getByLabelText('Starts at'), '2031-06-01T20:00');
    const first = within(dialog).getByRole('group', { name: 'Ticket type 1' });
    await user.type(within(first).getByLabelText('Ticket name'), 'Early Bird');
    await user.type(within(first).getByLabelText('Price'), '19.50');
    await user.type(within(first).getByLabelText('Capacity'), '100');
    await user.click(within(dialog).getByRole('button', { name: 'Add ticket type' }));
    const second = within(dialog).getByRole('group', { name: 'Ticket type 2' });
    await user.type(within(second).getByLabelText('Ticket name'), 'Door');
    await user.type(within(second).getByLabelText('Price'), 'abc');
    await user.type(within(second).getByLabelText('Capacity'), '50');
    await user.click(within(dialog).getByRole('button', { name: 'Create event' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('“Door”: enter a price like 25 or 25.50');
    await user.clear(within(second).getByLabelText('Price'));
    await user.type(within(second).getByLabelText('Price'), '25');
    await user.click(within(dialog).getByRole('button', { name: 'Create event' }));

    const events = await screen.findByRole('list', { name: 'Events' });
    const card = await within(events).findByRole('listitem', { name: 'Dock Party' });
    expect(within(card).getByText('Draft')).toBeInTheDocument();
    expect(card).toHaveTextContent('Early Bird €19.50 (0/100)');
    expect(card).toHaveTextContent('Door €25.00 (0/50)');

    await user.click(within(card).getByRole('button', { name: 'Publish Dock Party' }));
    expect(await within(card).findByText('Published')).toBeInTheDocument();
    const { data } = await organizer.api.from('events').select('status, ticket_types(price_minor)').eq('slug', slug).single();
    expect(data?.status).toBe('published');
    expect(data?.ticket_types.map((ticket) => ticket.price_minor).sort()).toEqual([1950, 2500]);

    await user.click(within(card).getByRole('button', { name: 'Unpublish Dock Party' }));
    expect(await within(card).findByText('Draft')).toBeInTheDocument();
  });

  it('lists the active promoters of an event with their links', async () => {
    const { data: event } = await organizer.api
      .from('events')
      .insert({ organization_id: organizer.organizationId, slug: `jazz-${Date.now()}`, name: 'Jazz Night', starts_at: '2031-01-01T20:00:00Z', currency: 'EUR' })
      .select('id, slug')
      .single();
    await make(organizer).promoter(organizer.organization, { name: 'Kim Park', code: 'KIM', events: [event!.id] });
    const { user } = renderApp('/dashboard/events');
    const card = await screen.findByRole('listitem', { name: 'Jazz Night' });
    await waitFor(() => expect(within(card).getByText('1 active promoter')).toBeInTheDocument());
    await user.click(within(card).getByText('1 active promoter'));
    expect(within(card).getByRole('link', { name: 'Kim Park' })).toBeInTheDocument();
    expect(within(card).getByText(`http://localhost:3000/events/${event!.slug}?promoter=KIM`)).toBeInTheDocument();
  });
});

describe('groups', () => {
  it('creates, renames and deletes a group, keeping its promoters', async () => {
    const groupId = (await make(organizer).group(organizer.organization, { name: 'Street Team' })).id;
    await make(organizer).promoter(organizer.organization, { name: 'Lea Marx', code: 'LEA', groups: [groupId] });
    const { user } = renderApp('/dashboard/groups');
    const table = await screen.findByRole('table');
    const row = await within(table).findByRole('row', { name: /Street Team/ });
    expect(row).toHaveTextContent('Street Team1');

    await user.click(screen.getByRole('button', { name: 'New group' }));
    const create = await screen.findByRole('dialog', { name: 'New group' });
    await user.type(within(create).getByLabelText('Group name'), 'street team');
    await user.click(within(create).getByRole('button', { name: 'Create group' }));
    expect(await within(create).findByRole('alert')).toHaveTextContent('A group with that name already exists.');
    await user.clear(within(create).getByLabelText('Group name'));
    await user.type(within(create).getByLabelText('Group name'), 'Influencers');
    await user.click(within(create).getByRole('button', { name: 'Create group' }));
    expect(await within(table).findByRole('row', { name: /Influencers/ })).toBeInTheDocument();

    await user.click(within(row).getByRole('button', { name: 'Rename Street Team' }));
    const rename = await screen.findByRole('dialog', { name: 'Rename group' });
    await user.clear(within(rename).getByLabelText('Group name'));
    await user.type(within(rename).getByLabelText('Group name'), 'Campus Crew');
    await user.click(within(rename).getByRole('button', { name: 'Save' }));
    const renamed = await within(table).findByRole('row', { name: /Campus Crew/ });

    await user.click(within(renamed).getByRole('button', { name: 'Delete Campus Crew' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Delete group “Campus Crew”?' });
    await user.click(within(confirm).getByRole('button', { name: 'Delete group' }));
    await waitFor(() => expect(within(table).queryByRole('row', { name: /Campus Crew/ })).not.toBeInTheDocument());
    const { data } = await organizer.api.from('promoters').select('name');
    expect(data?.map((promoter) => promoter.name)).toEqual(['Lea Marx']);
  });
});
