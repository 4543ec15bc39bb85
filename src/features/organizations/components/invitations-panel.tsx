import { useSuspenseQuery, type UseMutationResult } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { EmptyState } from '@/components/ui/empty-state';
import { PanelErrorBoundary } from '@/components/ui/error-boundary';
import { SelectField, TextField, type SelectOption } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { SkeletonList } from '@/components/ui/skeleton';
import { ACTIONS_COLUMN, TableHead } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { paths } from '@/config/paths';
import { invitationsQueryOptions, type Invitation } from '../api/get-invitations';
import { useInviteMember, type InvitationLink, type InviteMemberInput } from '../api/invite-member';
import { useRevokeInvitation } from '../api/revoke-invitation';

const invitationUrl = (token: string) => new URL(paths.invitation(token), window.location.origin).toString();

const ROLE_OPTIONS: SelectOption<'admin' | 'member'>[] = [
  { value: 'member', label: 'Member' },
  { value: 'admin', label: 'Admin' },
];

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/**
 * Owners and admins invite by email and role, copy the link, and see and revoke open
 * invitations. The database keeps only a hash of each link, so a link can be copied
 * while this page shows it; afterwards "New link" hands out a fresh one (the old one
 * stops working, the 7 days start again).
 */
export function InvitationsPanel({ organizationId }: { organizationId: string }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'admin' | 'member'>('member');
  /** Links handed out while this page is open, by invitation id. */
  const [links, setLinks] = useState<Record<string, InvitationLink>>({});
  const [latest, setLatest] = useState<InvitationLink | null>(null);
  const remember = (link: InvitationLink) => {
    setLinks((current) => ({ ...current, [link.id]: link }));
    setLatest(link);
  };
  const invite = useInviteMember({
    onSuccess: (link) => {
      remember(link);
      setEmail('');
    },
  });
  const renew = useInviteMember({ onSuccess: remember });

  function submit(event: FormEvent) {
    event.preventDefault();
    invite.mutate({ organizationId, email, role });
  }

  return (
    <section className="card" aria-labelledby="invitations-heading">
      <div className="card__header">
        <h2 id="invitations-heading">Invitations</h2>
      </div>
      <form className="form" onSubmit={submit} aria-label="Invite a member" noValidate>
        <FormError error={invite.error} />
        <div className="form-row">
          <TextField label="Email" type="email" autoComplete="off" required maxLength={254} value={email} onChange={(e) => setEmail(e.target.value)} />
          <SelectField label="Role" hint="Admins manage members, refunds and promoter deletion." value={role} options={ROLE_OPTIONS} onChange={setRole} />
        </div>
        <div className="form-actions">
          <Button type="submit" variant="primary" loading={invite.isPending} disabled={!email.trim()} title={email.trim() ? undefined : 'Enter an email address first.'}>
            Invite
          </Button>
        </div>
      </form>
      {latest ? (
        <div className="invite-link" role="status" aria-label="Invitation link">
          <p>
            Send this link to <strong>{latest.email}</strong>. It is valid for 7 days, for that address only, and is shown only now.
          </p>
          <span className="mono">{invitationUrl(latest.token)}</span>
          <CopyButton value={invitationUrl(latest.token)} />
        </div>
      ) : null}
      <h3>Pending invitations</h3>
      <PanelErrorBoundary title="Invitations could not load" loading={<SkeletonList rows={2} label="Loading invitations" />} resetKeys={[organizationId]}>
        <PendingInvitations organizationId={organizationId} links={links} renew={renew} />
      </PanelErrorBoundary>
    </section>
  );
}

function PendingInvitations({
  organizationId,
  links,
  renew,
}: {
  organizationId: string;
  links: Record<string, InvitationLink>;
  renew: UseMutationResult<InvitationLink, Error, InviteMemberInput>;
}) {
  const invitations = useSuspenseQuery(invitationsQueryOptions(organizationId));
  const revoke = useRevokeInvitation();
  const toast = useToast();
  return invitations.data.length === 0 ? (
    <EmptyState title="No pending invitations">Invite people by email: they join once they accept the link.</EmptyState>
  ) : (
    <>
      <FormError error={revoke.error} />
      <FormError error={renew.error} />
      <div className="table-wrap">
        <table className="table table--stack">
          <TableHead columns={['Email', 'Role', 'Expires', ACTIONS_COLUMN]} />
          <tbody>
            {invitations.data.map((invitation) => (
              <InvitationRow
                key={invitation.id}
                invitation={invitation}
                link={links[invitation.id]}
                renewing={renew.isPending && renew.variables.email === invitation.email}
                revoking={revoke.isPending && revoke.variables.invitationId === invitation.id}
                onRenew={() => renew.mutate({ organizationId, email: invitation.email, role: invitation.role })}
                onRevoke={() =>
                  revoke.mutate(
                    { organizationId, invitationId: invitation.id },
                    { onSuccess: () => toast.show(`The invitation for ${invitation.email} was revoked.`, 'success') },
                  )
                }
              />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function InvitationRow({
  invitation,
  link,
  renewing,
  revoking,
  onRenew,
  onRevoke,
}: {
  invitation: Invitation;
  link: InvitationLink | undefined;
  renewing: boolean;
  revoking: boolean;
  onRenew: () => void;
  onRevoke: () => void;
}) {
  const { expired } = invitation;
  // A link from before a renewal no longer works: only the latest one is offered.
  const current = link && !expired ? link : undefined;
  return (
    <tr>
      <th scope="row">{invitation.email}</th>
      <td data-label="Role">{invitation.role === 'admin' ? 'Admin' : 'Member'}</td>
      <td data-label="Expires">{expired ? <span className="badge">Expired</span> : dateFormat.format(new Date(invitation.expires_at))}</td>
      <td>
        <div className="row-actions">
          {current ? (
            <CopyButton value={invitationUrl(current.token)} />
          ) : (
            <Button
              size="sm"
              loading={renewing}
              onClick={onRenew}
              title="Links are shown only when they are made. A new link replaces the old one and is valid for 7 days."
            >
              New link<span className="visually-hidden"> for {invitation.email}</span>
            </Button>
          )}
          <Button size="sm" variant="ghost" loading={revoking} onClick={onRevoke}>
            Revoke<span className="visually-hidden"> invitation for {invitation.email}</span>
          </Button>
        </div>
      </td>
    </tr>
  );
}
