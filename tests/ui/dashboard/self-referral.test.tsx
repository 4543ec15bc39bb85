import { randomUUID } from 'node:crypto';
import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBrowserStubs, readBlob } from './browser-stubs';
import {
  apiClient,
  attendeeFrom,
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
import type { Event } from '../../helpers/factory';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));

let organizer: Organizer;
let stubs: ReturnType<typeof installBrowserStubs>;
let buyers = 0;

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  stubs = installBrowserStubs();
  organizer = await organizerWithOrganization('Mirror Club', 'EUR');
});

/** An attendee opens the promoter's link and buys with `email`, from an address of their own. */
async function buyAs(event: Event, code: string, email: string, quantity = 1) {
  buyers += 1;
  const attendee = attendeeFrom(`192.0.2.${(buyers % 250) + 1}`);
  const token = await attendee.visit({ slug: event.slug, code });
  const items = [{ ticket_type_id: event.ticketTypes[0].id, quantity }];
  return attendee.order({ slug: event.slug, items, name: 'Buyer', email, token });
}

/** A promoter with an email, active on a new event; one self-referral (3 tickets) and one plain sale (1). */
async function promoterWithSelfReferral() {
  const event = await make(organizer).event(organizer.organization, { slug: `mirror-${randomUUID().slice(0, 8)}`, name: 'Mirror Night', ticketTypes: generalAdmission(1000) });
  const code = `SAM${Date.now() % 100000}`;
  const promoterId = (await make(organizer).promoter(organizer.organization, { name: 'Sam Self', code, events: [event.id] })).id;
  const { error } = await organizer.api.from('promoters').update({ email: 'sam@example.com' }).eq('id', promoterId);
  if (error) throw error;
  const own = await buyAs(event, code, ' SAM@Example.com', 3);
  const friend = await buyAs(event, code, 'friend@example.com', 1);
  return { event, code, promoterId, own, friend };
}

async function addMember(role: 'member' | 'admin') {
  const email = `${role}-${randomUUID().slice(0, 8)}@example.com`;
  const signUp = await apiClient().auth.signUp({ email, password: TEST_PASSWORD });
  if (signUp.error || !signUp.data.user) throw signUp.error ?? new Error('no user');
  const { error } = await apiClient('service')
    .from('organization_members')
    .insert({ organization_id: organizer.organizationId, user_id: signUp.data.user.id, role });
  if (error) throw error;
  return email;
}

describe('self-referrals', () => {
  it('are flagged in the orders list, filtered on, and marked in its CSV', async () => {
    const { own, friend } = await promoterWithSelfReferral();
    const { user } = renderApp('/dashboard/orders');
    const table = await screen.findByRole('table', { name: 'Orders, newest first' });
    const rows = () => within(table).getAllByRole('row').slice(1);
    await waitFor(() => expect(rows()).toHaveLength(2));
    const ownRow = rows().find((row) => row.textContent?.includes(own.reference))!;
    const friendRow = rows().find((row) => row.textContent?.includes(friend.reference))!;
    expect(within(ownRow).getByText('Self-referral')).toHaveAttribute('title', "The buyer's email is the promoter's own email");
    expect(within(friendRow).queryByText('Self-referral')).toBeNull();

    await user.selectOptions(screen.getByRole('combobox', { name: 'Self-referrals' }), 'Only self-referrals');
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]).toHaveTextContent(own.reference);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Self-referrals' }), 'Left out');
    await waitFor(() => expect(rows()[0]).toHaveTextContent(friend.reference));
    expect(rows()).toHaveLength(1);

    await user.selectOptions(screen.getByRole('combobox', { name: 'Self-referrals' }), 'Included');
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(stubs.downloads).toHaveLength(1));
    const lines = (await readBlob(stubs.downloads[0].blob)).trim().split('\r\n');
    expect(lines[0]).toMatch(/,Promoter,Promo code,Self-referral$/);
    expect(lines.find((line) => line.startsWith(own.reference))).toMatch(/,yes$/);
    expect(lines.find((line) => line.startsWith(friend.reference))).toMatch(/,no$/);
  });

  it('are marked in the order detail, which says whether they count', async () => {
    const { own, friend } = await promoterWithSelfReferral();
    const first = renderApp(`/dashboard/orders/${own.order_id}`);
    const trail = await screen.findByRole('region', { name: 'Attribution' });
    await waitFor(() => expect(trail).toHaveTextContent('Credited to Sam Self'));
    expect(within(trail).getByText('Self-referral')).toBeInTheDocument();
    expect(trail).toHaveTextContent('The buyer’s email is the promoter’s own. It counts toward the promoter’s figures.');
    first.unmount();

    const second = renderApp(`/dashboard/orders/${friend.order_id}`);
    const friendTrail = await screen.findByRole('region', { name: 'Attribution' });
    await waitFor(() => expect(friendTrail).toHaveTextContent('Credited to Sam Self'));
    expect(within(friendTrail).queryByText('Self-referral')).toBeNull();
    second.unmount();

    const { error } = await organizer.api.rpc('set_self_referral_setting', { p_organization_id: organizer.organizationId, p_count_self_referrals: false });
    expect(error).toBeNull();
    renderApp(`/dashboard/orders/${own.order_id}`);
    const after = await screen.findByRole('region', { name: 'Attribution' });
    await waitFor(() => expect(after).toHaveTextContent('It does not count toward the promoter’s figures: the organization leaves self-referrals out (Settings).'));
    expect(within(after).getByRole('link', { name: 'Settings' })).toHaveAttribute('href', '/dashboard/settings');
  });

  it('the order detail of a refunded self-referral says it no longer counts', async () => {
    const { own } = await promoterWithSelfReferral();
    const { error } = await organizer.api.rpc('refund_order', { p_order_id: own.order_id });
    expect(error).toBeNull();
    renderApp(`/dashboard/orders/${own.order_id}`);
    const trail = await screen.findByRole('region', { name: 'Attribution' });
    await waitFor(() => expect(trail).toHaveTextContent('The buyer’s email is the promoter’s own. It was refunded, so it no longer counts toward any figure.'));
  });

  it('are counted in the promoter panel, whose figures follow the organization’s choice', async () => {
    const { promoterId } = await promoterWithSelfReferral();
    const first = renderApp(`/dashboard/promoters/${promoterId}`);
    const stats = await screen.findByLabelText('Sam Self performance');
    const stat = (label: string) => within(stats).getByText(label).nextSibling as HTMLElement;
    await waitFor(() => expect(stat('Self-referrals')).toHaveTextContent('1'));
    expect(stat('Tickets')).toHaveTextContent('4');
    expect(screen.getByText(/1 paid order was bought with Sam Self's own email \(self-referrals\)/)).toBeInTheDocument();
    first.unmount();

    // The owner stops counting them: the panel's figures leave the self-referral out, the count stays.
    const { error } = await organizer.api.rpc('set_self_referral_setting', { p_organization_id: organizer.organizationId, p_count_self_referrals: false });
    expect(error).toBeNull();
    renderApp(`/dashboard/promoters/${promoterId}`);
    const again = await screen.findByLabelText('Sam Self performance');
    const statAgain = (label: string) => within(again).getByText(label).nextSibling as HTMLElement;
    await waitFor(() => expect(statAgain('Tickets')).toHaveTextContent('1'));
    expect(statAgain('Self-referrals')).toHaveTextContent('1');
  });

  it('an open promoter panel follows at once when another admin changes the choice', async () => {
    const { promoterId } = await promoterWithSelfReferral();
    renderApp(`/dashboard/promoters/${promoterId}`);
    const stats = await screen.findByLabelText('Sam Self performance');
    const stat = (label: string) => within(stats).getByText(label).nextSibling as HTMLElement;
    await waitFor(() => expect(stat('Tickets')).toHaveTextContent('4'));
    await screen.findByRole('status', { name: /^Live/ });

    // Someone else, elsewhere: the database broadcasts a recount and this panel refetches.
    const { error } = await organizer.api.rpc('set_self_referral_setting', { p_organization_id: organizer.organizationId, p_count_self_referrals: false });
    expect(error).toBeNull();
    await waitFor(() => expect(stat('Tickets')).toHaveTextContent('1'));
    expect(stat('Self-referrals')).toHaveTextContent('1');
  });

  it('an owner chooses on the settings page whether they count, explained in one sentence', async () => {
    await promoterWithSelfReferral();
    const { user } = renderApp('/dashboard/settings');
    const section = await screen.findByRole('region', { name: 'Self-referrals' });
    expect(section).toHaveTextContent("An order whose buyer email is the promoter's own is a self-referral");
    const box = await within(section).findByRole('checkbox', { name: "Count self-referrals in promoters' figures" });
    expect(box).toBeChecked();
    expect(box).toBeEnabled();
    await user.click(box);
    expect(await screen.findByText('Self-referrals no longer count.')).toBeInTheDocument();
    await waitFor(() => expect(box).not.toBeChecked());
    const saved = async () =>
      (await apiClient('service').from('organizations').select('count_self_referrals').eq('id', organizer.organizationId).single()).data?.count_self_referrals;
    await waitFor(async () => expect(await saved()).toBe(false));
    // Every figure follows at once.
    const { data } = await organizer.api.rpc('promoter_summary', { p_organization_id: organizer.organizationId });
    expect(data?.[0]).toMatchObject({ tickets: 1, orders: 1 });
  });

  it('a member sees the setting but cannot change it, and the database refuses them too', async () => {
    const email = await addMember('member');
    const spa = await freshBrowser();
    await spa.auth.signInWithPassword({ email, password: TEST_PASSWORD });
    renderApp('/dashboard/settings');
    const section = await screen.findByRole('region', { name: 'Self-referrals' });
    expect(await within(section).findByText(/Owners and admins change this setting\./)).toBeInTheDocument();
    const box = await within(section).findByRole('checkbox', { name: "Count self-referrals in promoters' figures" });
    expect(box).toBeChecked();
    expect(box).toBeDisabled();
    const { error } = await spa.rpc('set_self_referral_setting', { p_organization_id: organizer.organizationId, p_count_self_referrals: false });
    expect(error?.message).toBe('not_authorized');
  });
});
