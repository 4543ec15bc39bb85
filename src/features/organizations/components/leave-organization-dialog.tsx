import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { errorMessage } from '@/lib/errors';
import { useLeaveOrganization } from '../api/leave-organization';
import type { Organization } from '../api/get-my-organizations';

/** Confirms leaving the organization; the last owner is told why they cannot. */
export function LeaveOrganizationDialog({ organization, userId, onClose }: { organization: Organization; userId: string; onClose: () => void }) {
  const leave = useLeaveOrganization();
  return (
    <Dialog
      open
      role="alertdialog"
      size="sm"
      title={`Leave ${organization.name}?`}
      onClose={onClose}
      description={<p>You will no longer see its events, promoters and sales. Only an invitation brings you back.</p>}
    >
      <div className="form">
        {leave.isError ? (
          <p className="form-error" role="alert">
            {errorMessage(leave.error)}
          </p>
        ) : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" loading={leave.isPending} onClick={() => leave.mutate({ organizationId: organization.id, userId })}>
            Leave organization
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
