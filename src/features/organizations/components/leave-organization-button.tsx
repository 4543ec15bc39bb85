import { lazy, Suspense, useState } from 'react';
import { Button } from '@/components/ui/button';
import type { Organization } from '../api/get-my-organizations';

const LeaveOrganizationDialog = lazy(() =>
  import('./leave-organization-dialog').then((module) => ({ default: module.LeaveOrganizationDialog })),
);

/** "Leave organization" in the dashboard header; the confirmation loads when opened. */
export function LeaveOrganizationButton({ organization, userId }: { organization: Organization; userId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="sm" variant="ghost" onClick={() => setOpen(true)}>
        Leave organization
      </Button>
      {open ? (
        <Suspense fallback={null}>
          <LeaveOrganizationDialog organization={organization} userId={userId} onClose={() => setOpen(false)} />
        </Suspense>
      ) : null}
    </>
  );
}
