import { screen } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { linkAndCode, waitForMail } from '../../helpers/inbox';
import {
  TEST_PASSWORD,
  apiClient,
  emulatorUrl,
  freshBrowser,
  organizerWithOrganization,
  renderApp,
  startDashboardEmulator,
  stopDashboardEmulator,
} from './harness';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));

const NEW_PASSWORD = 'another-password-9';

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  await freshBrowser();
});

async function canSignIn(email: string, password: string): Promise<boolean> {
  const { error } = await apiClient().auth.signInWithPassword({ email, password });
  return error === null;
}

describe('forgot password', () => {
  it('is offered on the sign-in page, emails a link, and the link leads to setting a new password', async () => {
    const organizer = await organizerWithOrganization('Reset Nights');
    const browser = await freshBrowser();
    const signIn = renderApp('/sign-in');
    const { user } = signIn;
    await user.click(await screen.findByRole('link', { name: 'Forgot password?' }));
    expect(await screen.findByRole('heading', { name: 'Reset your password' })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Email'), organizer.email);
    await user.click(screen.getByRole('button', { name: 'Send reset link' }));
    expect(await screen.findByText(/If an account exists for/)).toHaveTextContent(organizer.email);
    signIn.unmount();

    // The emailed link signs the browser in (supabase-js reads the session from the address it lands on).
    const { link } = linkAndCode(await waitForMail(emulatorUrl(), organizer.email, /reset your password/i));
    const landed = await fetch(link!, { redirect: 'manual' });
    const fragment = new URLSearchParams(new URL(landed.headers.get('location')!).hash.slice(1));
    expect(fragment.get('type')).toBe('recovery');
    await browser.auth.setSession({ access_token: fragment.get('access_token')!, refresh_token: fragment.get('refresh_token')! });

    const reset = renderApp('/reset-password');
    expect(await screen.findByRole('heading', { name: 'Set a new password' })).toBeInTheDocument();
    await reset.user.type(screen.getByLabelText(/^New password/), NEW_PASSWORD);
    await reset.user.type(screen.getByLabelText('Repeat the new password'), NEW_PASSWORD);
    await reset.user.click(screen.getByRole('button', { name: 'Save new password' }));
    expect(await screen.findByText('Reset Nights', {}, { timeout: 10_000 })).toBeInTheDocument();
    expect(await canSignIn(organizer.email, NEW_PASSWORD)).toBe(true);
    expect(await canSignIn(organizer.email, TEST_PASSWORD)).toBe(false);
  });

  it('says a used or expired link is no good and offers a new one', async () => {
    renderApp('/reset-password');
    expect(await screen.findByRole('alert')).toHaveTextContent('This link is invalid or has expired.');
    expect(screen.getByRole('link', { name: 'Send a new link' })).toBeInTheDocument();
  });
});

describe('change password', () => {
  it('is reachable from the top bar and changes the password of the signed-in organizer', async () => {
    const organizer = await organizerWithOrganization('Account Nights');
    const browser = await freshBrowser();
    await browser.auth.signInWithPassword({ email: organizer.email, password: TEST_PASSWORD });
    const { user } = renderApp('/dashboard/promoters');
    await user.click(await screen.findByRole('link', { name: 'Account' }));
    expect(await screen.findByRole('heading', { name: 'Change password' })).toBeInTheDocument();
    expect(screen.getByText(organizer.email)).toBeInTheDocument();

    await user.type(screen.getByLabelText(/^New password/), NEW_PASSWORD);
    await user.type(screen.getByLabelText('Repeat the new password'), 'not-the-same-1');
    await user.click(screen.getByRole('button', { name: 'Save new password' }));
    expect(await screen.findByText('The two passwords are not the same.')).toBeInTheDocument();

    await user.clear(screen.getByLabelText('Repeat the new password'));
    await user.type(screen.getByLabelText('Repeat the new password'), NEW_PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Save new password' }));
    expect(await screen.findByText(/Your password was changed\./, {}, { timeout: 10_000 })).toBeInTheDocument();
    expect(await canSignIn(organizer.email, NEW_PASSWORD)).toBe(true);
  });

  it('says in a sentence when the new password is the current one', async () => {
    const organizer = await organizerWithOrganization('Same Nights');
    const browser = await freshBrowser();
    await browser.auth.signInWithPassword({ email: organizer.email, password: TEST_PASSWORD });
    const { user } = renderApp('/dashboard/account');
    await user.type(await screen.findByLabelText(/^New password/), TEST_PASSWORD);
    await user.type(screen.getByLabelText('Repeat the new password'), TEST_PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Save new password' }));
    expect(await screen.findByRole('alert', {}, { timeout: 10_000 })).toHaveTextContent('That is your current password. Choose a different one.');
  });
});
