import { randomUUID } from 'node:crypto';
import { screen, waitFor, within } from '@testing-library/react';
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

const savedSettings = async (organizationId: string) =>
  (await apiClient('service').from('organizations').select('attribution_window_days, referral_code_at_checkout').eq('id', organizationId).single()).data;

describe('the settings page', () => {
  it('an owner sees each attribution choice explained and switches to 7 days with referral codes', async () => {
    const owner = await organizerWithOrganization('Settings Hall');
    const { user } = renderApp('/dashboard/settings');
    const section = await screen.findByRole('region', { name: 'Attribution' });
    const session = await within(section).findByRole('radio', { name: /In this browser session/ });
    expect(session).toBeChecked();
    expect(section).toHaveTextContent('only until the buyer closes the browser');
    expect(section).toHaveTextContent('the browser remembers the link for that many days');
    expect(within(section).getByRole('checkbox', { name: /Referred by \(code\)/ })).not.toBeChecked();

    await user.click(within(section).getByRole('radio', { name: /Within a number of days/ }));
    const days = within(section).getByRole('spinbutton', { name: /Days/ });
    await user.clear(days);
    await user.type(days, '91');
    expect(within(section).getByText('Enter a whole number of days from 1 to 90.')).toBeInTheDocument();
    expect(within(section).getByRole('button', { name: 'Save attribution settings' })).toBeDisabled();
    await user.clear(days);
    await user.type(days, '7');
    await user.click(within(section).getByRole('checkbox', { name: /Referred by \(code\)/ }));
    await user.click(within(section).getByRole('button', { name: 'Save attribution settings' }));
    expect(await screen.findByText('Attribution settings saved.')).toBeInTheDocument();
    await waitFor(async () => expect(await savedSettings(owner.organizationId)).toEqual({ attribution_window_days: 7, referral_code_at_checkout: true }));
  });

  it('a member reads the settings without being able to change them', async () => {
    const owner = await organizerWithOrganization('Member Settings Hall');
    const email = `member-${randomUUID().slice(0, 8)}@example.com`;
    const signUp = await apiClient().auth.signUp({ email, password: TEST_PASSWORD });
    if (signUp.error || !signUp.data.user) throw signUp.error ?? new Error('no user');
    await apiClient('service').from('organization_members').insert({ organization_id: owner.organizationId, user_id: signUp.data.user.id, role: 'member' });
    const spa = await freshBrowser();
    await spa.auth.signInWithPassword({ email, password: TEST_PASSWORD });
    renderApp('/dashboard/settings');
    const section = await screen.findByRole('region', { name: 'Attribution' });
    expect(await within(section).findByText('Only owners and admins can change these settings.')).toBeInTheDocument();
    expect(within(section).getByRole('radio', { name: /In this browser session/ })).toBeDisabled();
    expect(within(section).getByRole('checkbox', { name: /Referred by \(code\)/ })).toBeDisabled();
    expect(within(section).queryByRole('button', { name: 'Save attribution settings' })).toBeNull();
    // And the database refuses a member anyway.
    const { error } = await spa.rpc('set_attribution_settings', {
      p_organization_id: owner.organizationId,
      p_attribution_window_days: 7,
      p_referral_code_at_checkout: true,
    });
    expect(error?.message).toBe('not_authorized');
  });
});
