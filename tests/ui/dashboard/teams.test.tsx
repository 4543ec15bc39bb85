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

/** A signed-up user (not signed in in the SPA) with their own API client. */
async function person(label: string) {
  const email = `${label}-${randomUUID().slice(0, 8)}@example.com`;
  const api = apiClient();
  const signUp = await api.auth.signUp({ email, password: TEST_PASSWORD });
  if (signUp.error || !signUp.data.user) throw signUp.error ?? new Error('no user');
  return { email, api, userId: signUp.data.user.id };
}

describe('inviting from the members page', () => {
  it('an owner invites by email and role, gets a link to copy, sees it pending, and revokes it', async () => {
    await organizerWithOrganization('Invite Hall');
    const { user } = renderApp('/dashboard/members');
    const invitations = await screen.findByRole('region', { name: 'Invitations' });
    expect(await within(invitations).findByText('No pending invitations')).toBeInTheDocument();
    const invite = within(invitations).getByRole('button', { name: 'Invite' });
    expect(invite).toBeDisabled();
    expect(invite).toHaveAttribute('title', 'Enter an email address first.');

    await user.type(within(invitations).getByLabelText('Email'), 'not-an-email');
    await user.click(invite);
    expect(await within(invitations).findByRole('alert')).toHaveTextContent('Enter a valid email address, like name@example.com.');

    await user.clear(within(invitations).getByLabelText('Email'));
    await user.type(within(invitations).getByLabelText('Email'), 'New.Admin@Example.com');
    await user.selectOptions(within(invitations).getByLabelText('Role'), 'admin');
    await user.click(invite);
    const link = await within(invitations).findByRole('status', { name: 'Invitation link' });
    expect(link).toHaveTextContent('Send this link to new.admin@example.com');
    expect(link).toHaveTextContent(/\/invitations\/[A-Za-z0-9_-]{43}/);
    const row = (await within(invitations).findByRole('rowheader', { name: 'new.admin@example.com' })).closest('tr')!;
    expect(within(row).getByText('Admin')).toBeInTheDocument();
    expect(within(row).getByRole('button', { name: /^Copy link/ })).toBeInTheDocument();

    await user.click(within(row).getByRole('button', { name: 'Revoke invitation for new.admin@example.com' }));
    expect(await within(invitations).findByText('No pending invitations')).toBeInTheDocument();
  });

  it('a pending invitation whose link is no longer on screen offers a new link', async () => {
    const owner = await organizerWithOrganization('Renew Hall');
    const { error } = await owner.api.rpc('invite_member', { p_organization_id: owner.organizationId, p_email: 'later@example.com', p_role: 'member' });
    if (error) throw error;
    const { user } = renderApp('/dashboard/members');
    const invitations = await screen.findByRole('region', { name: 'Invitations' });
    const row = (await within(invitations).findByRole('rowheader', { name: 'later@example.com' })).closest('tr')!;
    await user.click(within(row).getByRole('button', { name: 'New link for later@example.com' }));
    expect(await within(invitations).findByRole('status', { name: 'Invitation link' })).toHaveTextContent('Send this link to later@example.com');
    expect(await within(row).findByRole('button', { name: /^Copy link/ })).toBeInTheDocument();
  });
});

describe('the members list', () => {
  it('an owner promotes a member; the only owner cannot demote themself and is told why', async () => {
    const owner = await organizerWithOrganization('Role Hall');
    const member = await person('member');
    await apiClient('service').from('organization_members').insert({ organization_id: owner.organizationId, user_id: member.userId, role: 'member' });
    const { user } = renderApp('/dashboard/members');
    const ownRole = await screen.findByRole('combobox', { name: `Role of ${owner.email}` });
    expect(ownRole).toBeDisabled();
    expect(ownRole).toHaveAccessibleDescription('The only owner. Make someone else an owner first.');
    expect(screen.getByRole('button', { name: 'Leave' })).toBeDisabled();

    await user.selectOptions(screen.getByRole('combobox', { name: `Role of ${member.email}` }), 'owner');
    expect(await screen.findByText(`${member.email} is now owner.`)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('combobox', { name: `Role of ${owner.email}` })).toBeEnabled());
    const { data } = await apiClient('service').from('organization_members').select('role').eq('user_id', member.userId);
    expect(data).toEqual([{ role: 'owner' }]);
  });

  it('an admin sees owners’ roles without controls, manages a member, and sees no owner option', async () => {
    const owner = await organizerWithOrganization('Admin Hall');
    const admin = await person('admin');
    const member = await person('member');
    await apiClient('service').from('organization_members').insert([
      { organization_id: owner.organizationId, user_id: admin.userId, role: 'admin' },
      { organization_id: owner.organizationId, user_id: member.userId, role: 'member' },
    ]);
    const spa = await freshBrowser();
    await spa.auth.signInWithPassword({ email: admin.email, password: TEST_PASSWORD });
    const { user } = renderApp('/dashboard/members');
    const ownerRow = (await screen.findByRole('rowheader', { name: owner.email })).closest('tr')!;
    expect(within(ownerRow).queryByRole('combobox')).toBeNull();
    expect(within(ownerRow).queryByRole('button', { name: /Remove/ })).toBeNull();
    const memberRole = screen.getByRole('combobox', { name: `Role of ${member.email}` });
    expect(within(memberRole).queryByRole('option', { name: 'Owner' })).toBeNull();

    await user.click(screen.getByRole('button', { name: `Remove ${member.email}` }));
    const dialog = await screen.findByRole('alertdialog', { name: `Remove ${member.email}?` });
    await user.click(within(dialog).getByRole('button', { name: 'Remove member' }));
    expect(await screen.findByText(`${member.email} was removed from Admin Hall.`)).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('rowheader', { name: member.email })).toBeNull());
  });

  it('a member sees the list without controls and no invitations', async () => {
    const owner = await organizerWithOrganization('Member Hall');
    const member = await person('member');
    await apiClient('service').from('organization_members').insert({ organization_id: owner.organizationId, user_id: member.userId, role: 'member' });
    const spa = await freshBrowser();
    await spa.auth.signInWithPassword({ email: member.email, password: TEST_PASSWORD });
    renderApp('/dashboard/members');
    expect(await screen.findByRole('rowheader', { name: owner.email })).toBeInTheDocument();
    expect(screen.queryByRole('combobox', { name: /^Role of/ })).toBeNull();
    expect(screen.getByRole('button', { name: 'Leave' })).toBeEnabled();
    expect(screen.queryByRole('region', { name: 'Invitations' })).toBeNull();
  });
});

describe('the invitation landing page', () => {
  it('signed out: shows who invites to what, creates the account with the invited address, accepts and opens the new organization', async () => {
    const owner = await organizerWithOrganization('Landing Hall');
    const email = `invitee-${randomUUID().slice(0, 8)}@example.com`;
    const { data, error } = await owner.api.rpc('invite_member', { p_organization_id: owner.organizationId, p_email: email, p_role: 'admin' });
    if (error) throw error;
    const { token } = data as { token: string };
    await freshBrowser();

    const { user, pathname } = renderApp(`/invitations/${token}`);
    expect(await screen.findByRole('heading', { name: 'Join Landing Hall' })).toBeInTheDocument();
    expect(screen.getByText(`${owner.email} invited you`, { exact: false })).toHaveTextContent('as an admin');
    expect(screen.getByLabelText('Email')).toHaveValue(email);
    await user.type(screen.getByLabelText('Password'), TEST_PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    await user.click(await screen.findByRole('button', { name: 'Accept invitation' }));
    await waitFor(() => expect(pathname()).toBe('/dashboard/promoters'));
    expect(await screen.findByRole('combobox', { name: 'Organization' })).toHaveDisplayValue('Landing Hall');
  });

  it('signed in with another address: says so and does not accept', async () => {
    const owner = await organizerWithOrganization('Mismatch Hall');
    const { data } = await owner.api.rpc('invite_member', { p_organization_id: owner.organizationId, p_email: 'someone-else@example.com', p_role: 'member' });
    const { token } = data as { token: string };
    renderApp(`/invitations/${token}`);
    expect(await screen.findByText(`You are signed in as ${owner.email}.`, { exact: false })).toHaveTextContent(
      'This invitation is for someone-else@example.com',
    );
    expect(screen.queryByRole('button', { name: 'Accept invitation' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeInTheDocument();
  });

  it('a wrong or revoked link reveals nothing', async () => {
    const owner = await organizerWithOrganization('Secret Hall');
    const { data } = await owner.api.rpc('invite_member', { p_organization_id: owner.organizationId, p_email: 'gone@example.com', p_role: 'member' });
    const { id, token } = data as { id: string; token: string };
    await owner.api.rpc('revoke_invitation', { p_invitation_id: id });
    await freshBrowser();
    const view = renderApp(`/invitations/${token}`);
    expect(await screen.findByRole('heading', { name: 'This invitation link is not valid' })).toBeInTheDocument();
    expect(screen.queryByText(/Secret Hall/)).toBeNull();
    view.unmount();
  });
});

describe('the organization switcher', () => {
  it('switches organization, remembers it, falls back to the oldest when it is gone, and creates a new one', async () => {
    const owner = await organizerWithOrganization('First Hall');
    const second = await owner.api.rpc('create_organization', { p_name: 'Second Hall', p_currency: 'EUR' });
    if (second.error) throw second.error;
    const first = renderApp('/dashboard/members');
    const switcher = await screen.findByRole('combobox', { name: 'Organization' });
    expect(switcher).toHaveDisplayValue('First Hall');
    await first.user.selectOptions(switcher, 'Second Hall');
    expect(await screen.findByRole('rowheader', { name: `${owner.email} (you)` })).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Organization' })).toHaveDisplayValue('Second Hall');
    first.unmount();

    // Next visit: the organization used last.
    const again = renderApp('/dashboard/members');
    expect(await screen.findByRole('combobox', { name: 'Organization' })).toHaveDisplayValue('Second Hall');
    again.unmount();

    // Gone (deleted here): the oldest one opens.
    await apiClient('service').from('organizations').delete().eq('id', second.data.id);
    const { user } = renderApp('/dashboard/members');
    expect(await screen.findByRole('combobox', { name: 'Organization' })).toHaveDisplayValue('First Hall');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Organization' }), 'Create organization…');
    const dialog = await screen.findByRole('dialog', { name: 'Create organization' });
    await user.type(within(dialog).getByLabelText('Organization name'), 'Third Hall');
    await user.click(within(dialog).getByRole('button', { name: 'Create organization' }));
    await waitFor(() => expect(screen.getByRole('combobox', { name: 'Organization' })).toHaveDisplayValue('Third Hall'));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
