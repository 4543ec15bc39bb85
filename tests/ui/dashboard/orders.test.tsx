import { randomUUID } from 'node:crypto';
import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorMessage } from '@/lib/errors';
import { installBrowserStubs, readBlob } from './browser-stubs';
import {
  apiClient,
  attendeeFrom,
  buyThroughLink,
  freshBrowser,
  generalAdmission,
  make,
  type Organizer,
  organizerWithOrganization,
  renderApp,
  startDashboardEmulator,
  stopDashboardEmulator,
  TEST_PASSWORD,
} from './harness';
import { REFUSAL, refuse } from './refuse-requests';
import type { Event } from '../../helpers/factory';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));

let organizer: Organizer;
let stubs: ReturnType<typeof installBrowserStubs>;

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  stubs = installBrowserStubs();
  organizer = await organizerWithOrganization('Harbour Nights', 'EUR');
});

/** An attendee buys without any link, from an address of their own. */
async function buyWithoutLink(event: Event, name: string, email: string, quantity = 1) {
  const attendee = attendeeFrom(`203.0.113.${Math.floor(Math.random() * 250) + 1}`);
  return attendee.order({ slug: event.slug, items: [{ ticket_type_id: event.ticketTypes[0].id, quantity }], name, email });
}

async function soldOf(ticketTypeId: string) {
  const { data, error } = await organizer.api.from('ticket_types').select('sold').eq('id', ticketTypeId).single();
  if (error) throw error;
  return data.sold;
}

/** Adds a signed-up user to the organization with a role (as the platform operator would). */
async function addMember(role: 'member' | 'admin') {
  const email = `${role}-${randomUUID()}@example.com`;
  const client = apiClient();
  const signUp = await client.auth.signUp({ email, password: TEST_PASSWORD });
  if (signUp.error) throw signUp.error;
  const { error } = await apiClient('service')
    .from('organization_members')
    .insert({ organization_id: organizer.organizationId, user_id: signUp.data.user!.id, role });
  if (error) throw error;
  return email;
}

describe('orders page', () => {
  it('finds an order by reference, shows its attribution trail, and refunds it with one confirmation', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `harbour-${randomUUID().slice(0, 8)}`, name: 'Harbour Night', ticketTypes: generalAdmission(2000) });
    await make(organizer).promoter(organizer.organization, { name: 'Mia Sailor', code: `MIA${Date.now() % 100000}`, events: [event.id] });
    const { data: promoter } = await organizer.api.from('promoters').select('promo_code').single();
    await buyThroughLink(event, promoter!.promo_code, 2);
    const plain = await buyWithoutLink(event, 'Ola Nordmann', 'ola@example.no', 3);
    expect(await soldOf(event.ticketTypes[0].id)).toBe(5);

    const { user } = renderApp('/dashboard/orders');
    const table = await screen.findByRole('table', { name: 'Orders, newest first' });
    const rows = () => within(table).getAllByRole('row').slice(1);
    await waitFor(() => expect(rows()).toHaveLength(2));
    // Newest first: the plain order came last.
    expect(rows()[0]).toHaveTextContent(plain.reference);
    expect(rows()[1]).toHaveTextContent('Mia Sailor');

    await user.type(screen.getByRole('searchbox', { name: 'Search' }), plain.reference.toLowerCase());
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.click(within(rows()[0]).getByRole('link', { name: plain.reference }));

    const detail = await screen.findByRole('region', { name: `Order ${plain.reference}` });
    expect(await within(detail).findByText(/Not credited to a promoter\. The buyer did not come through a promoter link\./)).toBeInTheDocument();
    expect(detail).toHaveTextContent('Ola Nordmann');
    expect(detail).toHaveTextContent('ola@example.no');

    await user.click(within(detail).getByRole('button', { name: 'Refund order' }));
    const confirm = await screen.findByRole('alertdialog', { name: `Refund order ${plain.reference}?` });
    expect(confirm).toHaveTextContent('3 tickets go back on sale for Harbour Night');
    await user.click(within(confirm).getByRole('button', { name: 'Refund €60.00' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(await within(detail).findByText('Refunded')).toBeInTheDocument();
    expect(within(detail).queryByRole('button', { name: 'Refund order' })).not.toBeInTheDocument();
    await waitFor(() => expect(within(rows()[0]).getByText('Refunded')).toBeInTheDocument());
    expect(await soldOf(event.ticketTypes[0].id)).toBe(2);
    const { data: order } = await organizer.api.from('orders').select('status').eq('id', plain.order_id).single();
    expect(order?.status).toBe('refunded');
  });

  it('shows the session’s links and which one was credited', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `trail-${randomUUID().slice(0, 8)}`, name: 'Trail Night', ticketTypes: generalAdmission(1000) });
    const suffix = Date.now() % 100000;
    await make(organizer).promoter(organizer.organization, { name: 'First Finn', code: `FIRST${suffix}`, events: [event.id] });
    await make(organizer).promoter(organizer.organization, { name: 'Second Sara', code: `SECOND${suffix}`, events: [event.id] });
    const attendee = apiClient('anon', { 'cf-connecting-ip': '198.51.100.77' });
    const session = randomUUID();
    await attendee.rpc('track_promoter_visit', { p_event_slug: event.slug, p_promo_code: `FIRST${suffix}`, p_session_id: session });
    const { data: token } = await attendee.rpc('track_promoter_visit', { p_event_slug: event.slug, p_promo_code: `SECOND${suffix}`, p_session_id: session });
    const { data: bought, error } = await attendee.rpc('checkout', {
      p_event_slug: event.slug,
      p_items: [{ ticket_type_id: event.ticketTypes[0].id, quantity: 1 }],
      p_buyer_name: 'Trail Buyer',
      p_buyer_email: 'trail@example.com',
      p_idempotency_key: randomUUID(),
      p_attribution_token: token!,
    });
    expect(error).toBeNull();
    const { data: order } = await organizer.api.from('orders').select('id').eq('reference', (bought as { reference: string }).reference).single();

    renderApp(`/dashboard/orders/${order!.id}`);
    const detail = await screen.findByRole('region', { name: /^Order PL-/ });
    expect(await within(detail).findByText(/Credited to/)).toHaveTextContent(`Credited to Second Sara through the link with code SECOND${suffix}`);
    const visits = within(detail).getByRole('list', { name: 'Links this session opened' });
    const items = within(visits).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items.find((item) => item.textContent?.includes('Second Sara'))).toHaveTextContent('Credited');
    expect(items.find((item) => item.textContent?.includes('First Finn'))).not.toHaveTextContent('Credited');
  });

  it('names the referral code typed at checkout as the source of the credit', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `code-${randomUUID().slice(0, 8)}`, name: 'Code Night', ticketTypes: generalAdmission(1000) });
    const code = `CODE${Date.now() % 100000}`;
    await make(organizer).promoter(organizer.organization, { name: 'Coded Cleo', code, events: [event.id] });
    const settings = await organizer.api.rpc('set_attribution_settings', {
      p_organization_id: organizer.organizationId,
      p_attribution_window_days: null,
      p_referral_code_at_checkout: true,
    });
    expect(settings.error).toBeNull();
    const attendee = apiClient('anon', { 'cf-connecting-ip': '198.51.100.78' });
    const { data: bought, error } = await attendee.rpc('checkout', {
      p_event_slug: event.slug,
      p_items: [{ ticket_type_id: event.ticketTypes[0].id, quantity: 1 }],
      p_buyer_name: 'Code Buyer',
      p_buyer_email: 'code@example.com',
      p_idempotency_key: randomUUID(),
      p_referral_code: code.toLowerCase(),
    });
    expect(error).toBeNull();
    const { data: order } = await organizer.api.from('orders').select('id').eq('reference', (bought as { reference: string }).reference).single();

    renderApp(`/dashboard/orders/${order!.id}`);
    const detail = await screen.findByRole('region', { name: /^Order PL-/ });
    expect(await within(detail).findByText(/Credited to/)).toHaveTextContent(
      `Credited to Coded Cleo through the referral code ${code} typed at checkout. Source: referral code.`,
    );
  });

  it('filters by promoter, "no promoter" and status, and exports the filtered view as CSV with a BOM and the promoter', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `csv-${randomUUID().slice(0, 8)}`, name: 'CSV Night', ticketTypes: generalAdmission(1250) });
    const code = `ZOE${Date.now() % 100000}`;
    await make(organizer).promoter(organizer.organization, { name: 'Zoë Ångström', code, events: [event.id] });
    await buyThroughLink(event, code, 1);
    await buyWithoutLink(event, 'Plain Buyer', 'plain@example.com');

    const { user } = renderApp('/dashboard/orders');
    const table = await screen.findByRole('table', { name: 'Orders, newest first' });
    const rows = () => within(table).getAllByRole('row').slice(1);
    await waitFor(() => expect(rows()).toHaveLength(2));
    // The promoter filter is disabled until its options are here.
    await waitFor(() => expect(screen.getByRole('combobox', { name: 'Promoter' })).toBeEnabled());

    await user.selectOptions(screen.getByRole('combobox', { name: 'Promoter' }), 'No promoter');
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]).toHaveTextContent('Plain Buyer');
    expect(rows()[0]).toHaveTextContent('None');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Promoter' }), 'Zoë Ångström');
    // The previous rows stay on screen until the new page arrives.
    await waitFor(() => expect(rows()[0]).toHaveTextContent('Zoë Ångström'));
    expect(rows()).toHaveLength(1);

    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'Refunded');
    expect(await screen.findByText('No orders match these filters')).toBeInTheDocument();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'Paid');
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Orders, newest first' })).getAllByRole('row')).toHaveLength(2));

    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(stubs.downloads).toHaveLength(1));
    const { name, blob } = stubs.downloads[0];
    expect(name).toMatch(/^orders_all-time_\d{4}-\d{2}-\d{2}_paid\.csv$/);
    const bytes = await new Promise<Uint8Array>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
      reader.onerror = () => reject(reader.error);
      reader.readAsArrayBuffer(blob);
    });
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = (await readBlob(blob)).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('Reference,Date (UTC),Status,Refunded at (UTC),Buyer,Email,Event,Tickets,Total,Currency,Promoter,Promo code,Self-referral');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,paid,,Ada Attendee,ada@example.com,CSV Night,1,12.50,EUR,Zoë Ångström,${code},no`);
  });

  it('refuses a reversed date range with one sentence under the From field instead of showing an empty list', async () => {
    const { user } = renderApp('/dashboard/orders?from=2026-03-10&to=2026-03-01');
    const sentence = 'The start date must be on or before the end date.';
    const from = await screen.findByLabelText('From (UTC)');
    await waitFor(() => expect(from).toHaveAccessibleDescription(sentence));
    expect(from).toBeInvalid();
    // Said once, where it is fixed; the list only points there.
    expect(screen.getAllByText(sentence)).toHaveLength(1);
    // ...and is announced (a polite live region), with both dates marked invalid.
    const pointer = within(screen.getByRole('region', { name: 'Orders' })).getByText('Fix the date range above to see orders');
    expect(pointer.closest('[role="status"]')).not.toBeNull();
    expect(screen.getByLabelText('To (UTC)')).toBeInvalid();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeDisabled();
    await user.clear(screen.getByLabelText('To (UTC)'));
    await user.type(screen.getByLabelText('To (UTC)'), '2026-03-20');
    expect(await screen.findByText('No orders match these filters')).toBeInTheDocument();
  });

  it('when the event and promoter options fail, only those filters say so; the list and the other filters keep working', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `options-${randomUUID().slice(0, 8)}`, name: 'Options Night', ticketTypes: generalAdmission(900) });
    const paid = await buyWithoutLink(event, 'Paula Paid', 'paula@example.com');
    const refunded = await buyWithoutLink(event, 'Rafa Refunded', 'rafa@example.com');
    const { data: order } = await organizer.api.from('orders').select('id').eq('reference', refunded.reference).single();
    const { error: refundError } = await organizer.api.rpc('refund_order', { p_order_id: order!.id });
    expect(refundError).toBeNull();
    let failing = true;
    const refused = refuse((url) => url.pathname.endsWith('/rest/v1/promoters') && url.searchParams.get('select') === 'id,name', () => failing);

    const { user } = renderApp('/dashboard/orders');
    const filters = await screen.findByRole('search', { name: 'Find orders' });
    const alert = await within(filters).findByRole('alert');
    expect(alert).toHaveTextContent('Event and promoter filters could not load');
    expect(alert).toHaveTextContent(errorMessage(REFUSAL));
    expect(refused.length).toBeGreaterThan(0);
    expect(within(filters).queryByRole('combobox', { name: 'Event' })).not.toBeInTheDocument();
    // The page, the list and the other filters are all there and work.
    expect(screen.getByRole('heading', { level: 1, name: 'Orders' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeEnabled();
    const table = await screen.findByRole('table', { name: 'Orders, newest first' });
    const rows = () => within(table).getAllByRole('row').slice(1);
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.selectOptions(within(filters).getByRole('combobox', { name: 'Status' }), 'Refunded');
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]).toHaveTextContent(refunded.reference);
    expect(screen.queryByText(paid.reference)).not.toBeInTheDocument();

    failing = false;
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    // The filters show disabled while the options load again, then with them.
    await waitFor(() => expect(within(within(filters).getByRole('combobox', { name: 'Event' })).getByRole('option', { name: 'Options Night' })).toBeInTheDocument());
    expect(within(filters).getByRole('combobox', { name: 'Promoter' })).toBeEnabled();
    expect(within(filters).queryByRole('alert')).not.toBeInTheDocument();
  });

  it('members see orders but no refund button; admins do', async () => {
    const event = await make(organizer).event(organizer.organization, { slug: `roles-${randomUUID().slice(0, 8)}`, name: 'Roles Night', ticketTypes: generalAdmission(500) });
    const bought = await buyWithoutLink(event, 'Role Buyer', 'role@example.com');
    const { data: order } = await organizer.api.from('orders').select('id').eq('reference', bought.reference).single();

    for (const [role, canRefund] of [['member', false], ['admin', true]] as const) {
      const email = await addMember(role);
      const spa = await freshBrowser();
      const signIn = await spa.auth.signInWithPassword({ email, password: TEST_PASSWORD });
      expect(signIn.error).toBeNull();
      const view = renderApp(`/dashboard/orders/${order!.id}`);
      const detail = await screen.findByRole('region', { name: `Order ${bought.reference}` });
      expect(within(detail).queryByRole('button', { name: 'Refund order' }) !== null, role).toBe(canRefund);
      view.unmount();
    }
  });
});
