import { Dialog } from '@/components/ui/dialog';
import type { Organization } from '../api/get-my-organizations';
import { OrganizationForm } from './onboarding-form';

/** "Create organization" from the switcher: the same form as onboarding, in a dialog. */
export function CreateOrganizationDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (organization: Organization) => void }) {
  return (
    <Dialog open size="sm" title="Create organization" onClose={onClose}>
      <OrganizationForm submitLabel="Create organization" onDone={onCreated} />
    </Dialog>
  );
}
