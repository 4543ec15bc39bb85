import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { useLeaveOrganization } from '../api/leave-organization';
import type { Organization } from '../api/get-my-organizations';

/** Confirms leaving the organization; the last owner is told why they cannot. */
export function LeaveOrganizationDialog({ organization, userId, onClose }: { organization: Organization; userId: string; onClose: () => void }) {
  const leave = useLeaveOrganization();
  return (
    <ConfirmDialog
      open
      title={`Leave ${organization.name}?`}
      description={<p>You will no longer see its events, promoters and sales. Only an invitation brings you back.</p>}
      confirmLabel="Leave organization"
      pending={leave.isPending}
      error={leave.error}
      onConfirm={() => leave.mutate({ organizationId: organization.id, userId })}
      onClose={onClose}
    />
  );
}
