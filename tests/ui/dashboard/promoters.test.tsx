import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBrowserStubs, readBlob } from './browser-stubs';
import {
  buyThroughLink,
  generalAdmission,
  make,
  type Organizer,
  organizerWithOrganization,
  renderApp,
  startDashboardEmulator,
  stopDashboardEmulator,
} from './harness';
import type { Event } from '../../helpers/factory';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));

let organizer: Organizer;
let event: Event;
let anaId: string;
let stubs: ReturnType<typeof installBrowserStubs>;

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  stubs = installBrowserStubs();
  // Every test starts from its own organization, so tests never see each other's data.
  organizer = await organizerWithOrganization('Harbour Nights', 'EUR');
  event = await make(organizer).event(organizer.organization, { slug: `harbour-${Date.now()}-${Math.floor(Math.random() * 1e6)}`, name: 'Harbour Festival', ticketTypes: generalAdmission(2500) });
  const influencers = (await make(organizer).group(organizer.organization, { name: 'Influencers' })).id;
  await make(organizer).group(organizer.organization, { name: 'Venue Staff' });
  anaId = (await make(organizer).promoter(organizer.organization, { name: 'Ana Lopez', code: 'ANA', events: [event.id], groups: [influencers] })).id;
  await make(organizer).promoter(organizer.organization, { name: 'Ben Okafor', code: 'BEN24', events: [event.id] });
  await buyThroughLink(event, 'ANA', 2);
  await buyThroughLink(event, 'BEN24', 1);
});

function leaderboard() {
  return screen.getByRole('list', { name: 'Promoters' });
}

describe('the promoters performance view', () => {
  it('shows summary cards and a leaderboard sorted by tickets, re-sortable by name', async () => {
    const { user } = renderApp('/dashboard/promoters');
    const summary = await screen.findByRole('region', { name: 'Summary' });
    await waitFor(() => expect(within(summary).getByText('Tickets via promoters').nextSibling).toHaveTextContent('3'));
    expect(within(summary).getByText('Revenue via promoters').nextSibling).toHaveTextContent('€75.00');
    expect(within(summary).getByText('Visits').nextSibling).toHaveTextContent('2');

    await screen.findByRole('list', { name: 'Promoters' });
    const rows = within(leaderboard()).getAllByRole('link');
    expect(rows.map((row) => row.textContent)).toEqual([expect.stringContaining('Ana Lopez'), expect.stringContaining('Ben Okafor')]);
    expect(rows[0]).toHaveTextContent('€50.00');

    await user.selectOptions(screen.getByLabelText('Sort by'), 'name');
    await user.selectOptions(screen.getByLabelText('Sort by'), 'conversion');
    expect(within(leaderboard()).getAllByRole('link')).toHaveLength(2);
  });

  it('narrows list and summary by search on name or promo code', async () => {
    const { user } = renderApp('/dashboard/promoters');
    await screen.findByRole('list', { name: 'Promoters' });
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'ben2');
    await waitFor(() => expect(within(leaderboard()).getAllByRole('link')).toHaveLength(1));
    expect(leaderboard()).toHaveTextContent('Ben Okafor');
    const summary = screen.getByRole('region', { name: 'Summary' });
    await waitFor(() => expect(within(summary).getByText('Promoters').nextSibling).toHaveTextContent('1'));

    await user.clear(screen.getByRole('searchbox', { name: 'Search' }));
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'nobody');
    expect(await screen.findByText('No promoters match these filters')).toBeInTheDocument();
  });

  it('filters by group with badges that show member counts', async () => {
    const { user } = renderApp('/dashboard/promoters');
    const filter = await screen.findByRole('group', { name: 'Filter by group' });
    const influencers = await within(filter).findByRole('button', { name: /Influencers/ });
    expect(influencers).toHaveTextContent('1');
    expect(within(filter).getByRole('button', { name: /^All/ })).toHaveAttribute('aria-pressed', 'true');
    await waitFor(() => expect(within(filter).getByRole('button', { name: /^All/ })).toHaveTextContent('All2'));
    await user.click(influencers);
    expect(influencers).toHaveAttribute('aria-pressed', 'true');
    await waitFor(() => expect(within(leaderboard()).getAllByRole('link')).toHaveLength(1));
    expect(leaderboard()).toHaveTextContent('Ana Lopez');

    await user.click(within(filter).getByRole('button', { name: /Venue Staff/ }));
    expect(await screen.findByText('No promoters match these filters')).toBeInTheDocument();
  });

  it('counts only sales inside the chosen date range', async () => {
    const { user } = renderApp('/dashboard/promoters');
    const summary = await screen.findByRole('region', { name: 'Summary' });
    await waitFor(() => expect(within(summary).getByText('Tickets via promoters').nextSibling).toHaveTextContent('3'));
    await user.selectOptions(screen.getByLabelText('Date range'), 'custom');
    await user.type(screen.getByLabelText('From'), '2020-01-01');
    await user.type(screen.getByLabelText('To'), '2020-01-31');
    await waitFor(() => expect(within(summary).getByText('Tickets via promoters').nextSibling).toHaveTextContent('0'));
    await user.selectOptions(screen.getByLabelText('Date range'), '7d');
    await waitFor(() => expect(within(summary).getByText('Tickets via promoters').nextSibling).toHaveTextContent('3'));
  });

  it('exports the current view as properly escaped CSV', async () => {
    await make(organizer).promoter(organizer.organization, { name: 'Chloé "CJ", Jr', code: 'CJ-01' });
    const { user } = renderApp('/dashboard/promoters');
    await screen.findByRole('list', { name: 'Promoters' });
    await waitFor(() => expect(within(leaderboard()).getAllByRole('link')).toHaveLength(3));
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(stubs.downloads).toHaveLength(1);
    const csv = await readBlob(stubs.downloads[0].blob);
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('Name,Promo code,Email,Phone,Tickets,Revenue (EUR),Orders,Visits,Conversion (orders ÷ visits),Active events');
    expect(lines[1]).toBe('Ana Lopez,ANA,,,2,50.00,1,1,100%,1');
    expect(lines).toContain('"Chloé ""CJ"", Jr",CJ-01,,,0,0.00,0,0,,0');
  });

  it('adds a promoter with a suggested code, checked for availability as you type', async () => {
    const { user, pathname } = renderApp('/dashboard/promoters');
    await screen.findByRole('list', { name: 'Promoters' });
    await user.click(screen.getAllByRole('button', { name: 'Add promoter' })[0]);
    const dialog = await screen.findByRole('dialog', { name: 'Add promoter' });
    await user.type(within(dialog).getByLabelText('Name'), 'Ana');
    const code = within(dialog).getByLabelText('Promo code');
    expect(code).toHaveValue('ANA');
    expect(await within(dialog).findByText('ANA is already taken.')).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Add promoter' })).toBeDisabled();

    await user.clear(code);
    await user.type(code, 'ana-summer');
    expect(await within(dialog).findByText('ana-summer is available.')).toBeInTheDocument();
    await user.type(within(dialog).getByLabelText('Email (optional)'), 'ana.s@example.com');
    await user.click(within(dialog).getByRole('checkbox', { name: 'Harbour Festival' }));
    await user.click(within(dialog).getByRole('checkbox', { name: 'Venue Staff' }));
    await user.click(within(dialog).getByRole('button', { name: 'Add promoter' }));

    expect(await screen.findByRole('heading', { name: 'Ana', level: 2 })).toBeInTheDocument();
    expect(pathname()).toMatch(/^\/dashboard\/promoters\/[0-9a-f-]{36}$/);
    const links = await screen.findByRole('list', { name: 'Tracking links' });
    expect(await within(links).findByText(`http://localhost:3000/events/${event.slug}?promoter=ana-summer`)).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Venue Staff' })).toBeChecked();
  });

  it('lets a promoter go back to its own former code, but not to another promoter’s current or former code', async () => {
    // Ana gave up ANA for ANA-2027, Ben gave up BEN24 for BEN25: both old codes stay theirs.
    const { error: anaError } = await organizer.api.from('promoters').update({ promo_code: 'ANA-2027' }).eq('id', anaId);
    expect(anaError).toBeNull();
    const { error: benError } = await organizer.api.from('promoters').update({ promo_code: 'BEN25' }).eq('promo_code', 'BEN24');
    expect(benError).toBeNull();

    const { user } = renderApp(`/dashboard/promoters/${anaId}`);
    expect(await screen.findByRole('heading', { name: 'Ana Lopez', level: 2 })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit promoter' });
    const code = within(dialog).getByLabelText('Promo code');
    for (const taken of ['BEN25', 'BEN24']) {
      await user.clear(code);
      await user.type(code, taken);
      expect(await within(dialog).findByText(`${taken} is already taken.`)).toBeInTheDocument();
      expect(within(dialog).getByRole('button', { name: 'Save changes' })).toBeDisabled();
    }
    await user.clear(code);
    await user.type(code, 'Ana');
    expect(await within(dialog).findByText(/^Ana is available\./)).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Edit promoter' })).not.toBeInTheDocument());

    const { data: promoter } = await organizer.api.from('promoters').select('promo_code').eq('id', anaId).single();
    expect(promoter?.promo_code).toBe('Ana');
    const { data: former } = await organizer.api.from('promoter_code_history').select('promo_code').eq('promoter_id', anaId);
    expect(former).toEqual([{ promo_code: 'ANA-2027' }]);
  });

  it('shows a promoter’s numbers, chart table and links, and deactivates a link', async () => {
    const { user } = renderApp(`/dashboard/promoters/${anaId}`);
    expect(await screen.findByRole('heading', { name: 'Ana Lopez', level: 2 })).toBeInTheDocument();
    const stats = screen.getByLabelText('Ana Lopez performance');
    await waitFor(() => expect(within(stats).getByText('Tickets').nextSibling).toHaveTextContent('2'));
    expect(within(stats).getByText('Active events').nextSibling).toHaveTextContent('1');
    expect(within(stats).getByText('Conversion').nextSibling).toHaveTextContent('100%');
    const table = await screen.findByRole('table', { name: 'Sales per day' });
    expect(within(table).getAllByRole('row')).toHaveLength(2);
    expect(within(table).getAllByRole('row')[1]).toHaveTextContent('€50.00');

    const link = within(await screen.findByRole('list', { name: 'Tracking links' })).getByRole('listitem', { name: 'Harbour Festival' });
    expect(within(link).getByText('Active')).toBeInTheDocument();
    await user.click(within(link).getByRole('button', { name: 'Deactivate on Harbour Festival' }));

    expect(await within(link).findByText('Inactive')).toBeInTheDocument();

    await user.click(screen.getByRole('checkbox', { name: 'Venue Staff' }));
    await waitFor(() => expect(screen.getByRole('checkbox', { name: 'Venue Staff' })).toBeChecked());
    const filter = screen.getByRole('group', { name: 'Filter by group' });
    await waitFor(() => expect(within(filter).getByRole('button', { name: /Venue Staff/ })).toHaveTextContent('1'));
  });
});

describe('deleting a promoter', () => {
  it('shows the sales chart per week when asked, with the table following', async () => {
    const { user } = renderApp(`/dashboard/promoters/${anaId}`);
    await screen.findByRole('table', { name: 'Sales per day' });
    const chart = await screen.findByRole('img', { name: /^Tickets sold per day: 2 tickets and €50\.00/ });
    expect(chart).toBeInTheDocument();

    await user.selectOptions(screen.getByRole('combobox', { name: 'Show per' }), 'week');

    const table = await screen.findByRole('table', { name: 'Sales per week' });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveTextContent(/^Week of /);
    expect(rows[1]).toHaveTextContent('€50.00');
    expect(screen.getByRole('img', { name: /^Tickets sold per week: 2 tickets and €50\.00 over \d+ weeks, best week starting / })).toBeInTheDocument();
  });

  it('keeps the promoter when the first confirmation is cancelled', async () => {
    const { user } = renderApp(`/dashboard/promoters/${anaId}`);
    await user.click(await screen.findByRole('button', { name: 'Delete' }));
    const first = await screen.findByRole('alertdialog', { name: 'Delete Ana Lopez?' });
    expect(first).toHaveTextContent('Orders stay');
    await user.click(within(first).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    const { data } = await organizer.api.from('promoters').select('id').eq('id', anaId);
    expect(data).toHaveLength(1);
  });

  it('offers the history as CSV, then keeps the promoter when the second step is cancelled', async () => {
    const { user } = renderApp(`/dashboard/promoters/${anaId}`);
    await user.click(await screen.findByRole('button', { name: 'Delete' }));
    const first = await screen.findByRole('alertdialog', { name: 'Delete Ana Lopez?' });
    await user.click(within(first).getByRole('button', { name: 'Export history (CSV)' }));
    await waitFor(() => expect(stubs.downloads).toHaveLength(1));
    const csv = await readBlob(stubs.downloads[0].blob);
    expect(csv.split('\r\n')[0]).toBe('Order,Date,Event,Tickets,Total,Currency,Status');
    expect(csv).toContain(',Harbour Festival,2,50.00,EUR,paid');

    await user.click(within(first).getByRole('button', { name: 'Continue' }));
    const second = await screen.findByRole('alertdialog', { name: 'Confirm permanent deletion' });
    await user.click(within(second).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    const { data } = await organizer.api.from('promoters').select('id').eq('id', anaId);
    expect(data).toHaveLength(1);
  });

  it('refuses a wrong promo code, then deletes with the right one while the orders stay', async () => {
    const { user, pathname } = renderApp(`/dashboard/promoters/${anaId}`);
    await user.click(await screen.findByRole('button', { name: 'Delete' }));
    await user.click(within(await screen.findByRole('alertdialog', { name: 'Delete Ana Lopez?' })).getByRole('button', { name: 'Continue' }));
    const second = await screen.findByRole('alertdialog', { name: 'Confirm permanent deletion' });
    await user.type(within(second).getByLabelText('Promo code'), 'WRONG');
    await user.click(within(second).getByRole('button', { name: 'Delete permanently' }));
    expect(await within(second).findByRole('alert')).toHaveTextContent('does not match. Nothing was deleted.');

    await user.clear(within(second).getByLabelText('Promo code'));
    await user.type(within(second).getByLabelText('Promo code'), 'ANA');
    // The page behind the dialog must not turn into "does not exist" before leaving.
    const seen: string[] = [];
    const watcher = new MutationObserver(() => {
      if (document.body.textContent?.includes('This promoter does not exist')) seen.push(pathname());
    });
    watcher.observe(document.body, { childList: true, subtree: true, characterData: true });
    await user.click(within(second).getByRole('button', { name: 'Delete permanently' }));
    await waitFor(() => expect(pathname()).toBe('/dashboard/promoters'));
    expect(await screen.findByText('Ana Lopez was deleted.')).toBeInTheDocument();
    watcher.disconnect();
    expect(seen).toEqual([]);
    await waitFor(() => expect(within(leaderboard()).getAllByRole('link')).toHaveLength(1));

    const { data: promoters } = await organizer.api.from('promoters').select('id').eq('id', anaId);
    expect(promoters).toHaveLength(0);
    const { data: orders } = await organizer.api.from('orders').select('id').eq('event_id', event.id);
    expect(orders).toHaveLength(2);
  });
});

describe('live updates', () => {
  it('updates the open promoter’s numbers and announces the sale when a purchase comes in', async () => {
    renderApp(`/dashboard/promoters/${anaId}`);
    expect(await screen.findByRole('heading', { name: 'Ana Lopez', level: 2 })).toBeInTheDocument();
    await screen.findByRole('status', { name: /^Live/ });
    const detail = screen.getByLabelText('Ana Lopez performance');
    await waitFor(() => expect(within(detail).getByText('Tickets').nextSibling).toHaveTextContent('2'));

    await buyThroughLink(event, 'ANA', 3);

    expect(await screen.findByText(/New sale via Ana Lopez/)).toBeInTheDocument();
    await waitFor(() => expect(within(detail).getByText('Tickets').nextSibling).toHaveTextContent('5'));
    const summary = screen.getByRole('region', { name: 'Summary' });
    await waitFor(() => expect(within(summary).getByText('Tickets via promoters').nextSibling).toHaveTextContent('6'));
  });
});
