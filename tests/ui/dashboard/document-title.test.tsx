/**
 * Every route names itself in the browser tab ("Orders · Promoter Links"): the route
 * table titles the fixed pages, an open promoter's panel titles it with the promoter's
 * name, and exactly one title is in the document head at a time.
 */
import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBrowserStubs } from './browser-stubs';
import { generalAdmission, make, type Organizer, organizerWithOrganization, renderApp, startDashboardEmulator, stopDashboardEmulator } from './harness';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));

let organizer: Organizer;
let promoterId: string;

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  installBrowserStubs();
  organizer = await organizerWithOrganization('Harbour Nights', 'EUR');
  const event = await make(organizer).event(organizer.organization, { slug: `titles-${Date.now()}-${Math.floor(Math.random() * 1e6)}`, name: 'Harbour Festival', ticketTypes: generalAdmission(2500) });
  promoterId = (await make(organizer).promoter(organizer.organization, { name: 'Ana Lopez', code: 'ANA', events: [event.id] })).id;
});

/** The tab's title, once the only `<title>` in the head says it. */
async function expectTitle(title: string) {
  await waitFor(() => expect(document.title).toBe(title));
  expect(document.head.querySelectorAll('title')).toHaveLength(1);
}

describe('document titles', () => {
  it('names each dashboard page, and the open promoter by name', async () => {
    const { user } = renderApp('/dashboard/orders');
    await screen.findByRole('heading', { level: 1, name: 'Orders' });
    await expectTitle('Orders · Promoter Links');

    const nav = screen.getByRole('navigation', { name: 'Dashboard' });
    await user.click(within(nav).getByRole('link', { name: 'Settings' }));
    await expectTitle('Settings · Promoter Links');

    await user.click(within(nav).getByRole('link', { name: 'Promoters' }));
    await expectTitle('Promoters · Promoter Links');
    await user.click(await within(await screen.findByRole('list', { name: 'Promoters' })).findByRole('link', { name: /Ana Lopez/ }));
    await screen.findByRole('heading', { level: 2, name: 'Ana Lopez' });
    await expectTitle('Ana Lopez · Promoter Links');

    await user.click(within(nav).getByRole('link', { name: 'Events' }));
    await expectTitle('Events · Promoter Links');
  });

  it('names the page of a promoter opened directly, and an unknown address', async () => {
    const first = renderApp(`/dashboard/promoters/${promoterId}`);
    await screen.findByRole('heading', { level: 2, name: 'Ana Lopez' });
    await expectTitle('Ana Lopez · Promoter Links');
    first.unmount();

    renderApp('/no-such-page');
    await screen.findByRole('heading', { level: 1, name: 'Page not found' });
    await expectTitle('Page not found · Promoter Links');
  });
});
