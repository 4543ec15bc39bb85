import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBrowserStubs } from './browser-stubs';
import { generalAdmission, make, type Organizer, organizerWithOrganization, renderApp, startDashboardEmulator, stopDashboardEmulator } from './harness';
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
  organizer = await organizerWithOrganization('Harbour Nights', 'EUR');
  event = await make(organizer).event(organizer.organization, { slug: `bulk-${Date.now()}-${Math.floor(Math.random() * 1e6)}`, name: 'Harbour Festival', ticketTypes: generalAdmission(2500) });
  await make(organizer).promoter(organizer.organization, { name: 'Ana Lopez', code: 'ANA', events: [event.id] });
});

const leaderboard = () => screen.getByRole('list', { name: 'Promoters' });

describe('importing promoters from CSV', () => {
  it('previews per-row errors and generated codes, imports nothing until fixed, then imports every row', async () => {
    const { user } = renderApp('/dashboard/promoters');
    await screen.findByRole('list', { name: 'Promoters' });
    await user.click(screen.getByRole('button', { name: 'Import CSV' }));
    const dialog = await screen.findByRole('dialog', { name: 'Import promoters' });
    const paste = within(dialog).getByLabelText('Or paste the CSV here');
    const bad = 'name,code,email,groups\nCara Diaz,,cara@example.com,Crew\nDan Eze,ana,,\n';
    fireEvent.change(paste, { target: { value: bad } });
    await user.click(within(dialog).getByRole('button', { name: 'Check rows' }));

    const table = await within(dialog).findByRole('table', { name: 'Import preview' });
    expect(within(dialog).getByRole('status')).toHaveTextContent('1 of 2 rows have errors');
    expect(within(dialog).getByRole('status')).toHaveTextContent('New groups will be created: Crew.');
    const [, cara, dan] = within(table).getAllByRole('row');
    expect(cara).toHaveTextContent('CARADIAZ (generated)');
    expect(dan).toHaveTextContent('already uses (or used) this promo code');
    expect(within(dialog).getByRole('button', { name: 'Import 2 promoters' })).toBeDisabled();

    fireEvent.change(paste, { target: { value: bad.replace('Dan Eze,ana', 'Dan Eze,DAN') } });
    await user.click(within(dialog).getByRole('button', { name: 'Check rows' }));
    await waitFor(() => expect(within(dialog).getByRole('status')).toHaveTextContent('2 promoters are ready to import.'));
    await user.click(within(dialog).getByRole('button', { name: 'Import 2 promoters' }));

    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Import promoters' })).not.toBeInTheDocument());
    expect(await screen.findByText('Imported 2 promoters.')).toBeInTheDocument();
    await waitFor(() => expect(within(leaderboard()).getAllByRole('link')).toHaveLength(3));
    expect(leaderboard()).toHaveTextContent('Cara Diaz');
    expect(leaderboard()).toHaveTextContent('CARADIAZ');
  });
});

describe('activating selected promoters on an event', () => {
  it('activates the missing links in one call and says how many were already active', async () => {
    await make(organizer).promoter(organizer.organization, { name: 'Ben Okafor', code: 'BEN24' });
    await make(organizer).promoter(organizer.organization, { name: 'Cleo Park', code: 'CLEO' });
    const { user } = renderApp('/dashboard/promoters');
    await waitFor(() => expect(within(leaderboard()).getAllByRole('link')).toHaveLength(3));
    await user.click(screen.getByRole('checkbox', { name: 'Select all shown' }));
    await user.selectOptions(await screen.findByLabelText('Activate on event'), 'Harbour Festival');
    await user.click(screen.getByRole('button', { name: 'Activate 3 selected' }));
    expect(await screen.findByText('Activated 2 promoters on Harbour Festival (1 already active).')).toBeInTheDocument();

    const { data } = await organizer.api.from('event_promoters').select('promoter_id, active').eq('event_id', event.id);
    expect(data).toHaveLength(3);
    expect(data!.every((link) => link.active)).toBe(true);
  });
});
