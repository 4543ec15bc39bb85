import { useSuspenseQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { PanelError, PanelErrorBoundary } from '@/components/ui/error-boundary';
import { SkeletonList } from '@/components/ui/skeleton';
import { ACTIONS_COLUMN, TableHead } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { errorMessage } from '@/lib/errors';
import { useChangeMemberRole } from '../api/change-member-role';
import type { Organization } from '../api/get-my-organizations';
import { membersQueryOptions, type Member, type OrganizationRole } from '../api/get-members';
import { useRemoveMember } from '../api/remove-member';
import { InvitationsPanel } from './invitations-panel';

const LeaveOrganizationDialog = lazy(() =>
  import('./leave-organization-dialog').then((module) => ({ default: module.LeaveOrganizationDialog })),
);

export const ROLE_LABELS: Record<OrganizationRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

/**
 * What the signed-in user may do to a member, as the database decides it (row-level
 * security on organization_members): owners change and remove anyone, admins only
 * non-owners, members nobody; only owners make owners. Everyone may leave.
 */
function rolesAssignable(me: OrganizationRole, target: Member): OrganizationRole[] {
  if (me === 'owner') return ['owner', 'admin', 'member'];
  if (me === 'admin' && target.role !== 'owner') return ['admin', 'member'];
  return [];
}

/** The members page: members with roles, and (for owners and admins) invitations. */
export function MembersPanel({ organization, userId }: { organization: Organization; userId: string }) {
  return (
    <PanelErrorBoundary
      loading={
        <MembersCard>
          <SkeletonList rows={3} label="Loading members" />
        </MembersCard>
      }
      renderError={({ error, retry }) => (
        <MembersCard>
          <PanelError title="Members could not load" error={error} onRetry={retry} />
        </MembersCard>
      )}
      resetKeys={[organization.id]}
    >
      <Members organization={organization} userId={userId} />
    </PanelErrorBoundary>
  );
}

function MembersCard({ children }: { children: ReactNode }) {
  return (
    <section className="card" aria-labelledby="members-heading">
      <div className="card__header">
        <h2 id="members-heading">Members</h2>
      </div>
      {children}
    </section>
  );
}

function Members({ organization, userId }: { organization: Organization; userId: string }) {
  const members = useSuspenseQuery(membersQueryOptions(organization.id));
  const me = members.data.find((member) => member.user_id === userId);
  const manages = me?.role === 'owner' || me?.role === 'admin';
  return (
    <>
      <MembersCard>
        <MemberTable organization={organization} members={members.data} userId={userId} myRole={me?.role ?? 'member'} />
      </MembersCard>
      {/* Invitations only for owners and admins (row-level security shows nobody else any). */}
      {manages ? <InvitationsPanel organizationId={organization.id} /> : null}
    </>
  );
}

function MemberTable({
  organization,
  members,
  userId,
  myRole,
}: {
  organization: Organization;
  members: Member[];
  userId: string;
  myRole: OrganizationRole;
}) {
  const toast = useToast();
  const changeRole = useChangeMemberRole();
  const [removing, setRemoving] = useState<Member | null>(null);
  const [leaving, setLeaving] = useState(false);
  const remove = useRemoveMember({
    onSuccess: () => {
      toast.show(`${removing?.email ?? 'The member'} was removed from ${organization.name}.`, 'success');
      setRemoving(null);
    },
  });
  const owners = members.filter((member) => member.role === 'owner').length;

  return (
    <div className="table-wrap">
      <table className="table table--stack">
        <TableHead columns={['Email', 'Role', ACTIONS_COLUMN]} />
        <tbody>
          {members.map((member) => {
            const isMe = member.user_id === userId;
            const assignable = rolesAssignable(myRole, member);
            const lastOwner = member.role === 'owner' && owners === 1;
            return (
              <tr key={member.user_id}>
                <th scope="row">
                  {member.email}
                  {isMe ? <span className="muted"> (you)</span> : null}
                </th>
                <td data-label="Role">
                  {assignable.length > 0 ? (
                    <div>
                      <select
                        className="select select--sm"
                        aria-label={`Role of ${member.email}`}
                        value={member.role}
                        disabled={lastOwner || (changeRole.isPending && changeRole.variables.userId === member.user_id)}
                        aria-describedby={lastOwner ? `last-owner-${member.user_id}` : undefined}
                        onChange={(event) =>
                          changeRole.mutate(
                            { organizationId: organization.id, userId: member.user_id, role: event.target.value as OrganizationRole },
                            {
                              onSuccess: (_data, input) => toast.show(`${member.email} is now ${ROLE_LABELS[input.role].toLowerCase()}.`, 'success'),
                              onError: (error) => toast.show(errorMessage(error), 'error'),
                            },
                          )
                        }
                      >
                        {assignable.map((role) => (
                          <option key={role} value={role}>
                            {ROLE_LABELS[role]}
                          </option>
                        ))}
                      </select>
                      {lastOwner ? (
                        <div id={`last-owner-${member.user_id}`} className="field__hint">
                          The only owner. Make someone else an owner first.
                        </div>
                      ) : null}
                    </div>
                  ) : (
                    <span className="badge">{ROLE_LABELS[member.role]}</span>
                  )}
                </td>
                <td>
                  <div className="row-actions">
                    {isMe ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        disabled={lastOwner}
                        title={lastOwner ? 'An organization needs at least one owner. Make someone else an owner first.' : undefined}
                        onClick={() => setLeaving(true)}
                      >
                        Leave
                      </Button>
                    ) : assignable.length > 0 ? (
                      <Button size="sm" variant="ghost" onClick={() => setRemoving(member)}>
                        Remove<span className="visually-hidden"> {member.email}</span>
                      </Button>
                    ) : null}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.email ?? ''}?`}
        description={<p>They lose access to {organization.name} at once, live updates included. Only a new invitation brings them back.</p>}
        confirmLabel="Remove member"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => removing && remove.mutate({ organizationId: organization.id, userId: removing.user_id })}
        onClose={() => setRemoving(null)}
      />
      {leaving ? (
        <Suspense fallback={null}>
          <LeaveOrganizationDialog organization={organization} userId={userId} onClose={() => setLeaving(false)} />
        </Suspense>
      ) : null}
    </div>
  );
}
