import { randomUUID } from 'node:crypto';
import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBrowserStubs } from './browser-stubs';
import {
  apiClient,
  freshBrowser,
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

let organizer: Organizer;

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  installBrowserStubs();
  organizer = await organizerWithOrganization('Quayside', 'EUR');
});

const uniqueSlug = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

describe('tracking links that say when they are not live', () => {
  it('shows a draft event’s link as not live with a Publish action, and as active once published', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: uniqueSlug('quay'), name: 'Quay Party', ticketTypes: generalAdmission(1500) });
    await organizer.api.from('events').update({ status: 'draft' }).eq('id', event.id);
    const promoterId = (await make(organizer).promoter(organizer.organization, { name: 'Noor Vale', code: 'NOOR', events: [event.id] })).id;

    const { user } = renderApp(`/dashboard/promoters/${promoterId}`);
    const links = await screen.findByRole('list', { name: 'Tracking links' });
    const link = await within(links).findByRole('listitem', { name: 'Quay Party' });
    expect(within(link).getByText('Not live — event is a draft')).toBeInTheDocument();
    expect(within(link).queryByText('Active')).not.toBeInTheDocument();
    expect(within(link).queryByRole('button', { name: /Copy/ })).not.toBeInTheDocument();
    expect(within(link).queryByRole('button', { name: 'QR code' })).not.toBeInTheDocument();
    expect(within(link).queryByRole('link', { name: /Open/ })).not.toBeInTheDocument();

    await user.click(within(link).getByRole('button', { name: 'Publish Quay Party' }));
    await waitFor(() => expect(within(link).getByText('Active')).toBeInTheDocument());
    expect(within(link).getByRole('button', { name: 'QR code' })).toBeInTheDocument();
    const { data } = await organizer.api.from('events').select('status').eq('id', event.id).single();
    expect(data?.status).toBe('published');
  });

  it('the events page does not offer a draft event’s links for copying', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: uniqueSlug('drafty'), name: 'Drafty Night', ticketTypes: generalAdmission(1500) });
    await organizer.api.from('events').update({ status: 'draft' }).eq('id', event.id);
    await make(organizer).promoter(organizer.organization, { name: 'Dana Field', code: 'DANA', events: [event.id] });

    renderApp('/dashboard/events');
    const card = await within(await screen.findByRole('list', { name: 'Events' })).findByRole('listitem', { name: 'Drafty Night' });
    expect(await within(card).findByText('1 active promoter')).toBeInTheDocument();
    expect(within(card).getByText('Not live — event is a draft. The links work once the event is published.')).toBeInTheDocument();
    expect(within(card).getByText('Not live')).toBeInTheDocument();
    expect(within(card).queryByRole('button', { name: /Copy/ })).not.toBeInTheDocument();
  });

  it('"Open" marks the link as the organizer’s preview, and the event page records no visit for it', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: uniqueSlug('open'), name: 'Open Night', ticketTypes: generalAdmission(1500) });
    const promoterId = (await make(organizer).promoter(organizer.organization, { name: 'Otto Lind', code: 'OTTO', events: [event.id] })).id;

    const dashboard = renderApp(`/dashboard/promoters/${promoterId}`);
    const link = await within(await screen.findByRole('list', { name: 'Tracking links' })).findByRole('listitem', { name: 'Open Night' });
    const open = within(link).getByRole('link', { name: 'Open Open Night link in a new tab' });
    const href = new URL(open.getAttribute('href')!);
    expect(href.hash).toBe('#organizer-preview');
    // What is copied and shared stays the plain link.
    expect(within(link).getByText(`http://localhost:3000/events/${event.slug}?promoter=OTTO`)).toBeInTheDocument();
    dashboard.unmount();

    // Even in a browser with no dashboard session, the marked page asks for no visit…
    const browser = await freshBrowser();
    const rpc = vi.spyOn(browser, 'rpc');
    const preview = renderApp(`${href.pathname}${href.search}${href.hash}`);
    await screen.findByRole('heading', { level: 1, name: 'Open Night' });
    expect(rpc.mock.calls.filter(([name]) => name === 'track_promoter_visit')).toHaveLength(0);
    preview.unmount();

    // …while the same link without the mark records one.
    renderApp(`${href.pathname}${href.search}`);
    await screen.findByRole('heading', { level: 1, name: 'Open Night' });
    await waitFor(() => expect(rpc.mock.calls.filter(([name]) => name === 'track_promoter_visit')).toHaveLength(1));
    await waitFor(async () => {
      const { count } = await organizer.api.from('promoter_visits').select('id', { count: 'exact', head: true }).eq('promoter_id', promoterId);
      expect(count).toBe(1);
    });
  });
});

describe('changed promo codes', () => {
  it('the edit dialog says old links keep working, and they do', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: uniqueSlug('code'), name: 'Code Night', ticketTypes: generalAdmission(1500) });
    const promoterId = (await make(organizer).promoter(organizer.organization, { name: 'Rhea Stone', code: 'RHEA', events: [event.id] })).id;

    const { user } = renderApp(`/dashboard/promoters/${promoterId}`);
    await user.click(await screen.findByRole('button', { name: 'Edit' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit promoter' });
    const code = within(dialog).getByLabelText('Promo code');
    expect(dialog).toHaveTextContent('If you change it, links with the old code keep working.');
    await user.clear(code);
    await user.type(code, 'RHEA-2027');
    expect(await within(dialog).findByText(/Links already shared with RHEA keep working and still credit this promoter\./)).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    const attendee = apiClient('anon', { 'cf-connecting-ip': '198.51.100.201' });
    const { data: token, error } = await attendee.rpc('track_promoter_visit', { p_event_slug: event.slug, p_promo_code: 'RHEA', p_session_id: randomUUID() });
    expect(error).toBeNull();
    expect(token).toEqual(expect.any(String));
    const { data: visit } = await organizer.api.from('promoter_visits').select('promoter_id').single();
    expect(visit?.promoter_id).toBe(promoterId);
  });
});

describe('live figures after a refund', () => {
  it('the events page shows the tickets back on sale when an order credited to nobody is refunded elsewhere', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: uniqueSlug('live'), name: 'Live Refund Night', ticketTypes: generalAdmission(1000) });
    const attendee = apiClient('anon', { 'cf-connecting-ip': '198.51.100.202' });
    const { data: order, error } = await attendee.rpc('checkout', {
      p_event_slug: event.slug,
      p_items: [{ ticket_type_id: event.ticketTypes[0].id, quantity: 4 }],
      p_buyer_name: 'Live Buyer',
      p_buyer_email: 'live@example.com',
      p_idempotency_key: randomUUID(),
    });
    expect(error).toBeNull();

    renderApp('/dashboard/events');
    await screen.findByRole('status', { name: /^Live/ });
    const card = await within(await screen.findByRole('list', { name: 'Events' })).findByRole('listitem', { name: 'Live Refund Night' });
    await waitFor(() => expect(card).toHaveTextContent('General €10.00 (4/1,000)'));
    expect(within(card).getByText('Tickets sold').nextSibling).toHaveTextContent('4');

    // Refunded from another browser: only the broadcast can tell this dashboard.
    const refund = await organizer.api.rpc('refund_order', { p_order_id: (order as { order_id: string }).order_id });
    expect(refund.error).toBeNull();
    await waitFor(() => expect(card).toHaveTextContent('General €10.00 (0/1,000)'));
    await waitFor(() => expect(within(card).getByText('Tickets sold').nextSibling).toHaveTextContent('0'));
  });
});
