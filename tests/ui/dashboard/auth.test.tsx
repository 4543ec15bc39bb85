import { screen, within } from '@testing-library/react';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TEST_PASSWORD, freshBrowser, organizerWithOrganization, renderApp, startDashboardEmulator, stopDashboardEmulator } from './harness';

vi.mock('@/lib/supabase', () => import('../support/spa-client'));

beforeAll(async () => {
  await startDashboardEmulator();
});
afterAll(async () => {
  await stopDashboardEmulator();
});
beforeEach(async () => {
  await freshBrowser();
});

describe('account', () => {
  it('sends a signed-out visitor of the dashboard to sign in', async () => {
    renderApp('/dashboard/promoters');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('says in a sentence when the password is wrong', async () => {
    const { user } = renderApp('/sign-in');
    await user.type(await screen.findByLabelText('Email'), 'nobody@example.com');
    await user.type(screen.getByLabelText('Password'), 'wrong-password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Email or password is incorrect.');
  });

  it('says in a sentence what a strong enough password needs', async () => {
    const { user } = renderApp('/sign-up');
    await user.type(await screen.findByLabelText('Email'), `weak-${Date.now()}@example.com`);
    await user.type(screen.getByLabelText(/^Password/), '123456');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Choose a stronger password: at least 10 characters, with letters and digits.',
    );
  });

  it('signs up, asks for the organization on first sign-in, then shows the empty dashboard', async () => {
    const { user } = renderApp('/sign-up');
    await user.type(await screen.findByLabelText('Email'), `new-${Date.now()}@example.com`);
    await user.type(screen.getByLabelText(/^Password/), TEST_PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    // Sign-up hashes the password at bcrypt cost 10: on a busy machine that alone can take a second.
    expect(await screen.findByRole('heading', { name: 'Set up your organization' }, { timeout: 10_000 })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Organization name'), 'Night Owls');
    await user.selectOptions(screen.getByLabelText('Currency'), 'GBP');
    await user.click(screen.getByRole('button', { name: 'Create organization' }));

    expect(await screen.findByRole('heading', { name: 'Promoters' })).toBeInTheDocument();
    expect(await screen.findByText('No promoters yet — add your first')).toBeInTheDocument();
    expect(screen.getByText('Night Owls')).toBeInTheDocument();
    const summary = screen.getByRole('region', { name: 'Summary' });
    expect(await within(summary).findByText('£0.00')).toBeInTheDocument();
  });

  it('signs an organizer with an organization straight into the dashboard and out again', async () => {
    const organizer = await organizerWithOrganization('Harbour Nights');
    await freshBrowser();
    const { user } = renderApp('/sign-in');
    await user.type(await screen.findByLabelText('Email'), organizer.email);
    await user.type(screen.getByLabelText('Password'), TEST_PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Harbour Nights')).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Set up your organization' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  });
});
