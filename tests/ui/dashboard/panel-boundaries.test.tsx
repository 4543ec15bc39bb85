/**
 * One way to load and fail: every panel reads its data with suspense queries under its
 * own boundary. A failed read shows the panel's sentence and "Try again", which reads
 * again and recovers; the other panels keep working; and a panel that failed for one
 * promoter starts afresh when another one is opened.
 */
import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorMessage } from '@/lib/errors';
import { installBrowserStubs } from './browser-stubs';
import { make, type Organizer, organizerWithOrganization, renderApp, startDashboardEmulator, stopDashboardEmulator } from './harness';
import { REFUSAL, refuse } from './refuse-requests';

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
  organizer = await organizerWithOrganization('Boundaries', 'EUR');
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('panel boundaries', () => {
  it('a failing panel shows its sentence and "Try again" reads again and recovers, while the other panels keep working', async () => {
    await make(organizer).promoter(organizer.organization, { name: 'Pia Panel', code: 'PIAPANEL' });
    let failing = true;
    const refused = refuse((url) => url.pathname.endsWith('/rpc/promoter_summary'), () => failing);
    const { user } = renderApp('/dashboard/promoters');

    const summary = await screen.findByRole('region', { name: 'Summary' });
    const alert = await within(summary).findByRole('alert');
    expect(alert).toHaveTextContent('Summary could not load');
    expect(alert).toHaveTextContent(errorMessage(REFUSAL));
    // The leaderboard beside it loads as usual.
    expect(await screen.findByRole('link', { name: /Pia Panel/ })).toBeInTheDocument();
    expect(refused.length).toBeGreaterThan(0);

    failing = false;
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(within(summary).getByText('Promoters').nextSibling).toHaveTextContent('1'));
    expect(within(summary).queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Pia Panel/ })).toBeInTheDocument();
  });

  it('a panel that failed for one promoter starts afresh when another promoter is opened', async () => {
    const broken = (await make(organizer).promoter(organizer.organization, { name: 'Bruno Broken', code: 'BRUNO' })).id;
    await make(organizer).promoter(organizer.organization, { name: 'Wanda Works', code: 'WANDA' });
    refuse((url) => url.pathname.endsWith('/rest/v1/promoters') && url.searchParams.get('id') === `eq.${broken}`, () => true);
    const { user } = renderApp(`/dashboard/promoters/${broken}`);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This promoter could not load');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeInTheDocument();

    await user.click(await screen.findByRole('link', { name: /Wanda Works/ }));
    expect(await screen.findByRole('heading', { level: 2, name: 'Wanda Works' })).toBeInTheDocument();
    expect(screen.queryByText('This promoter could not load')).not.toBeInTheDocument();
  });
});
