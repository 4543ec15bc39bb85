/**
 * Saves that never half-succeed, seen from the dashboard: a refused save names the field,
 * leaves nothing behind, and the retry with the value fixed succeeds. Disabled buttons
 * say why, and a reversed custom date range is refused with a sentence.
 */
import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBrowserStubs } from './browser-stubs';
import { buyThroughLink, generalAdmission, make, type Organizer, organizerWithOrganization, renderApp, startDashboardEmulator, stopDashboardEmulator } from './harness';

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
  organizer = await organizerWithOrganization('Harbour', 'EUR');
});

describe('event saves', () => {
  it('capacity 99999999999999 is refused naming the ticket type, no draft is left, and the retry succeeds', async () => {
    const { user } = renderApp('/dashboard/events');
    await user.click((await screen.findAllByRole('button', { name: 'New event' }))[0]);
    const dialog = await screen.findByRole('dialog', { name: 'New event' });
    const slug = `harbour-${Date.now()}`;
    await user.type(within(dialog).getByLabelText('Event name'), 'Harbour Night');
    await user.clear(within(dialog).getByLabelText('Web address'));
    await user.type(within(dialog).getByLabelText('Web address'), slug);
    await user.type(within(dialog).getByLabelText('Starts at'), '2031-06-01T20:00');
    const row = within(dialog).getByRole('group', { name: 'Ticket type 1' });
    await user.type(within(row).getByLabelText('Ticket name'), 'Floor');
    await user.type(within(row).getByLabelText('Price'), '20');
    await user.type(within(row).getByLabelText('Capacity'), '99999999999999');
    await user.click(within(dialog).getByRole('button', { name: 'Create event' }));

    expect(await within(dialog).findByRole('alert')).toHaveTextContent('“Floor”: capacity must be a whole number from 0 to 1,000,000.');
    const draft = await organizer.api.from('events').select('id').eq('slug', slug);
    expect(draft.data).toEqual([]);

    await user.clear(within(row).getByLabelText('Capacity'));
    await user.type(within(row).getByLabelText('Capacity'), '400');
    await user.click(within(dialog).getByRole('button', { name: 'Create event' }));
    const card = await within(await screen.findByRole('list', { name: 'Events' })).findByRole('listitem', { name: 'Harbour Night' });
    expect(card).toHaveTextContent('Floor €20.00 (0/400)');
  });

  it('capacity below the tickets sold is refused by name and the new name is not saved', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `sold-${Date.now()}`, name: 'Sold Show', ticketTypes: generalAdmission(1000) });
    await buyThroughLink(event, 'NOBODY', 3);
    const { user } = renderApp('/dashboard/events');
    const card = await within(await screen.findByRole('list', { name: 'Events' })).findByRole('listitem', { name: 'Sold Show' });
    await user.click(within(card).getByRole('button', { name: 'Edit Sold Show' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit event' });
    await user.clear(within(dialog).getByLabelText('Event name'));
    await user.type(within(dialog).getByLabelText('Event name'), 'Renamed Show');
    const row = within(dialog).getByRole('group', { name: 'Ticket type 1' });
    await user.clear(within(row).getByLabelText('Capacity'));
    await user.type(within(row).getByLabelText('Capacity'), '2');
    await user.click(within(dialog).getByRole('button', { name: 'Save event' }));

    expect(await within(dialog).findByRole('alert')).toHaveTextContent('“General”: capacity cannot be lower than the 3 tickets already sold.');
    const { data } = await organizer.api.from('events').select('name').eq('id', event.id).single();
    expect(data?.name).toBe('Sold Show');

    // The only ticket type cannot be removed, and the button says why.
    const remove = within(row).getByRole('button', { name: /Remove/ });
    expect(remove).toBeDisabled();
    expect(remove).toHaveAttribute('title', 'An event needs at least one ticket type.');
    expect(remove).toHaveAccessibleDescription('An event needs at least one ticket type.');
  });
});

describe('promoter saves', () => {
  it('an invalid email is refused by field and nothing is created; the retry creates the promoter with its link and group', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `pier-${Date.now()}`, name: 'Pier Party', ticketTypes: generalAdmission(1500) });
    await make(organizer).group(organizer.organization, { name: 'Street Team' });
    const { user } = renderApp('/dashboard/promoters');
    await user.click((await screen.findAllByRole('button', { name: 'Add promoter' }))[0]);
    const dialog = await screen.findByRole('dialog', { name: 'Add promoter' });

    const submit = within(dialog).getByRole('button', { name: 'Add promoter' });
    expect(submit).toBeDisabled();
    expect(submit).toHaveAccessibleDescription('Enter the promoter’s name first.');

    await user.type(within(dialog).getByLabelText('Name'), 'Nora Quinn');
    await user.type(within(dialog).getByLabelText('Email (optional)'), 'not-an-email');
    await user.click(within(dialog).getByRole('checkbox', { name: 'Pier Party' }));
    await user.click(within(dialog).getByRole('checkbox', { name: 'Street Team' }));
    await waitFor(() => expect(submit).toBeEnabled());
    await user.click(submit);
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Enter a valid email address, like name@example.com.');
    expect((await organizer.api.from('promoters').select('id').eq('name', 'Nora Quinn')).data).toEqual([]);

    await user.clear(within(dialog).getByLabelText('Email (optional)'));
    await user.type(within(dialog).getByLabelText('Email (optional)'), 'nora@example.com');
    await user.click(submit);
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Add promoter' })).not.toBeInTheDocument());
    const { data } = await organizer.api
      .from('promoters')
      .select('email, event_promoters(event_id, active), promoter_group_members(group_id)')
      .eq('name', 'Nora Quinn')
      .single();
    expect(data?.email).toBe('nora@example.com');
    expect(data?.event_promoters).toEqual([{ event_id: event.id, active: true }]);
    expect(data?.promoter_group_members).toHaveLength(1);
  });
});

describe('date range', () => {
  it('a reversed custom range is refused with a sentence instead of zeros', async () => {
    renderApp('/dashboard/promoters?range=custom&from=2031-05-10&to=2031-05-01');
    expect(await screen.findByRole('alert')).toHaveTextContent('Choose a start date on or before the end date');
    expect(screen.getByLabelText('To')).toHaveAccessibleDescription('The end date is before the start date.');
    expect(screen.queryByRole('list', { name: 'Promoters' })).not.toBeInTheDocument();
  });
});
