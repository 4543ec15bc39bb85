/**
 * The promoter portal against the real emulator: the portal link in the promoter's
 * panel (create, rotate with confirmation, turn off), the portal settings, and the
 * public portal page (figures, live update, the sentence for a link that does not work).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBrowserStubs } from './browser-stubs';
import {
  apiClient,
  buyThroughLink,
  generalAdmission,
  make,
  type Organizer,
  organizerWithOrganization,
  renderApp,
  startDashboardEmulator,
  stopDashboardEmulator,
} from './harness';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));
vi.mock('@/lib/public-api', () => import('../support/spa-client'));
// The portal listens as an anonymous visitor of the test's emulator.
vi.mock('@/lib/public-realtime', () => ({ openPublicRealtime: async () => apiClient('anon').realtime }));

let organizer: Organizer;

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  installBrowserStubs();
  organizer = await organizerWithOrganization('Harbour Nights', 'EUR');
});

const uniqueSlug = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const portalView = async (secret: string) => (await apiClient('anon').rpc('portal_view', { p_secret: secret })).data;
const secretOf = (text: string) => text.split('/p/')[1];

describe('the portal link in the promoter panel', () => {
  it('creates a link shown once, rotates it after a warning (the old one stops working) and turns it off', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: uniqueSlug('pier'), name: 'Pier Party', ticketTypes: generalAdmission(2000) });
    const promoterId = (await make(organizer).promoter(organizer.organization, { name: 'Rosa Lind', code: 'ROSA', events: [event.id] })).id;
    const { user } = renderApp(`/dashboard/promoters/${promoterId}`);

    const panel = await screen.findByRole('region', { name: 'Portal link' });
    expect(await within(panel).findByText('No portal link yet.')).toBeInTheDocument();
    await user.click(within(panel).getByRole('button', { name: 'Create portal link' }));
    const first = (await within(panel).findByText(/\/p\/[A-Za-z0-9_-]{43}$/)).textContent!;
    expect(within(panel).getByText(/shown only once/)).toBeInTheDocument();
    expect(within(panel).getByRole('button', { name: /^Copy portal link/ })).toBeInTheDocument();
    await user.click(within(panel).getByRole('button', { name: 'QR code' }));
    expect(await within(panel).findByRole('img', { name: "QR code for Rosa Lind's portal link" })).toBeInTheDocument();
    const firstSecret = secretOf(first);
    expect(await portalView(firstSecret)).toMatchObject({ promoter_name: 'Rosa Lind' });

    await user.click(within(panel).getByRole('button', { name: 'Rotate link' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Rotate the portal link?' });
    expect(within(dialog).getByText(/The current link stops working at once/)).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Rotate link' }));
    await waitFor(() => expect(within(panel).getByText(/\/p\/[A-Za-z0-9_-]{43}$/).textContent).not.toBe(first));
    const secondSecret = secretOf(within(panel).getByText(/\/p\/[A-Za-z0-9_-]{43}$/).textContent!);
    expect(await portalView(firstSecret)).toBeNull();
    expect(await portalView(secondSecret)).not.toBeNull();

    await user.click(within(panel).getByRole('button', { name: 'Turn off' }));
    expect(await within(panel).findByText('The portal link is turned off.')).toBeInTheDocument();
    expect(within(panel).getByText('Off')).toBeInTheDocument();
    expect(await portalView(secondSecret)).toBeNull();
  });

  it('after a reload the link is on but cannot be shown again', async () => {
    const promoterId = (await make(organizer).promoter(organizer.organization, { name: 'Ezra Moon', code: 'EZRA' })).id;
    await organizer.api.rpc('rotate_promoter_portal', { p_promoter_id: promoterId });
    renderApp(`/dashboard/promoters/${promoterId}`);
    const panel = await screen.findByRole('region', { name: 'Portal link' });
    expect(await within(panel).findByText(/It cannot be shown again; to share it again, make a new link/)).toBeInTheDocument();
    expect(within(panel).queryByText(/\/p\//)).not.toBeInTheDocument();
  });
});

describe('portal settings', () => {
  it('the owner hides revenue and shows the rank from the settings page', async () => {
    const { user } = renderApp('/dashboard/settings');
    const section = await screen.findByRole('region', { name: 'Promoter portals' });
    const revenue = await within(section).findByRole('checkbox', { name: /Show revenue/ });
    const rank = within(section).getByRole('checkbox', { name: /Show rank/ });
    expect(revenue).toBeChecked();
    expect(rank).not.toBeChecked();
    await user.click(revenue);
    await waitFor(() => expect(revenue).not.toBeChecked());
    await user.click(rank);
    await waitFor(() => expect(rank).toBeChecked());
    const { data } = await organizer.api.from('organizations').select('portal_show_revenue, portal_show_rank').eq('id', organizer.organizationId).single();
    expect(data).toEqual({ portal_show_revenue: false, portal_show_rank: true });
  });
});

describe('the portal page', () => {
  it('shows the promoter’s link and figures, and a sale through the link arrives live', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: uniqueSlug('dock'), name: 'Dock Rave', ticketTypes: generalAdmission(2500) });
    const promoterId = (await make(organizer).promoter(organizer.organization, { name: 'Lea Sand', code: 'LEASAND', events: [event.id] })).id;
    await make(organizer).promoter(organizer.organization, { name: 'Other Seller', code: 'OTHER', events: [event.id] });
    const { data: rotated } = await organizer.api.rpc('rotate_promoter_portal', { p_promoter_id: promoterId });
    const secret = (rotated as { secret: string }).secret;
    await buyThroughLink(event, 'LEASAND', 2);

    renderApp(`/p/${secret}`);
    expect(await screen.findByRole('heading', { level: 1, name: 'Lea Sand' })).toBeInTheDocument();
    // The tab names the promoter (and whose portal it is).
    await waitFor(() => expect(document.title).toBe('Lea Sand · Harbour Nights · Promoter Links'));
    expect(screen.getByText(/Harbour Nights/)).toBeInTheDocument();
    const card = screen.getByRole('region', { name: 'Dock Rave' });
    expect(within(card).getByText(`http://localhost:3000/events/${event.slug}?promoter=LEASAND`)).toBeInTheDocument();
    expect(within(card).getByRole('button', { name: /^Copy link/ })).toBeInTheDocument();
    const figures = within(card).getByLabelText('Your results for Dock Rave');
    expect(within(figures).getByText('Tickets').nextSibling).toHaveTextContent('2');
    expect(within(figures).getByText('Revenue').nextSibling).toHaveTextContent('50');
    expect(within(figures).getByText('Visits').nextSibling).toHaveTextContent('1');
    expect(within(figures).queryByText('Rank')).not.toBeInTheDocument();
    expect(screen.queryByText('Other Seller')).not.toBeInTheDocument();

    await screen.findByText('Live: new sales appear by themselves.');
    await buyThroughLink(event, 'LEASAND', 3);
    await waitFor(() => expect(within(figures).getByText('Tickets').nextSibling).toHaveTextContent('5'), { timeout: 5000 });
  });

  it('says clearly that a wrong or turned-off link does not work', async () => {
    renderApp(`/p/${randomBytes(32).toString('base64url')}`);
    expect(await screen.findByRole('heading', { name: 'This portal link does not work' })).toBeInTheDocument();
    expect(screen.getByText(/replaced by a new link or turned off/)).toBeInTheDocument();
  });
});
