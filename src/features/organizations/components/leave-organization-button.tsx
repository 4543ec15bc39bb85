import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { errorMessage } from '@/lib/errors';
import { useLeaveOrganization } from '../api/leave-organization';
import type { Organization } from '../api/get-my-organizations';

/** "Leave organization", with a confirmation; the last owner is told why they cannot. */
export function LeaveOrganizationButton({ organization, userId }: { organization: Organization; userId: string }) {
  const [open, setOpen] = useState(false);
  const leave = useLeaveOrganization();
  const close = () => {
    setOpen(false);
    leave.reset();
  };
  return (
    <>
      <Button size="sm" variant="ghost" onClick={() => setOpen(true)}>
        Leave organization
      </Button>
      <Dialog
        open={open}
        role="alertdialog"
        size="sm"
        title={`Leave ${organization.name}?`}
        onClose={close}
        description={<p>You will no longer see its events, promoters and sales. Only an invitation brings you back.</p>}
      >
        <div className="form">
          {leave.isError ? (
            <p className="form-error" role="alert">
              {errorMessage(leave.error)}
            </p>
          ) : null}
          <div className="form-actions">
            <Button onClick={close}>Cancel</Button>
            <Button variant="danger" loading={leave.isPending} onClick={() => leave.mutate({ organizationId: organization.id, userId })}>
              Leave organization
            </Button>
          </div>
        </div>
      </Dialog>
    </>
  );
}
