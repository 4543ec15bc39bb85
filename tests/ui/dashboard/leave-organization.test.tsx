import { randomUUID } from 'node:crypto';
import { screen, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBrowserStubs } from './browser-stubs';
import { apiClient, freshBrowser, organizerWithOrganization, renderApp, startDashboardEmulator, stopDashboardEmulator, TEST_PASSWORD } from './harness';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(() => {
  installBrowserStubs();
});

describe('leaving an organization', () => {
  it('tells the only owner that the organization needs an owner, and keeps them in it', async () => {
    await organizerWithOrganization('Solo Shows');
    const { user } = renderApp('/dashboard/promoters');
    await user.click(await screen.findByRole('button', { name: 'Leave organization' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Leave Solo Shows?' });
    await user.click(within(dialog).getByRole('button', { name: 'Leave organization' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('An organization needs at least one owner.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.getByText('Solo Shows')).toBeInTheDocument();
  });

  it('lets a member leave; with no organization left the dashboard asks to set one up', async () => {
    const owner = await organizerWithOrganization('Crew Nights');
    const email = `member-${randomUUID()}@example.com`;
    const signUp = await apiClient().auth.signUp({ email, password: TEST_PASSWORD });
    if (signUp.error || !signUp.data.user) throw signUp.error ?? new Error('no user');
    const added = await apiClient('service')
      .from('organization_members')
      .insert({ organization_id: owner.organizationId, user_id: signUp.data.user.id, role: 'member' });
    if (added.error) throw added.error;
    const spa = await freshBrowser();
    const signIn = await spa.auth.signInWithPassword({ email, password: TEST_PASSWORD });
    if (signIn.error) throw signIn.error;

    const { user, pathname } = renderApp('/dashboard/promoters');
    expect(await screen.findByText('Crew Nights')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Leave organization' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Leave Crew Nights?' });
    await user.click(within(dialog).getByRole('button', { name: 'Leave organization' }));
    expect(await screen.findByRole('heading', { name: 'Set up your organization' })).toBeInTheDocument();
    expect(pathname()).toBe('/onboarding');
    const left = await apiClient('service').from('organization_members').select('user_id').eq('user_id', signUp.data.user.id);
    expect(left.data).toEqual([]);
  });
});
