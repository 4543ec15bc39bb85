import { lazy, Suspense, useState } from 'react';
import type { Organization } from '../api/get-my-organizations';

const CreateOrganizationDialog = lazy(() =>
  import('./create-organization-dialog').then((module) => ({ default: module.CreateOrganizationDialog })),
);

const CREATE = '__create__';

/**
 * The organization switcher of the top bar: a native select (keyboard, screen readers and
 * phones handle it well) listing the user's organizations, with "Create organization…"
 * at the end.
 */
export function OrganizationSwitcher({
  organizations,
  current,
  onSelect,
}: {
  organizations: Organization[];
  current: Organization;
  onSelect: (organizationId: string) => void;
}) {
  const [creating, setCreating] = useState(false);
  return (
    <>
      <label className="org-switcher">
        <span className="visually-hidden">Organization</span>
        <select
          className="select select--sm org-switcher__select"
          value={current.id}
          onChange={(event) => {
            if (event.target.value === CREATE) setCreating(true);
            else onSelect(event.target.value);
          }}
        >
          {organizations.map((organization) => (
            <option key={organization.id} value={organization.id}>
              {organization.name}
            </option>
          ))}
          <option value={CREATE}>Create organization…</option>
        </select>
      </label>
      {creating ? (
        <Suspense fallback={null}>
          <CreateOrganizationDialog
            onClose={() => setCreating(false)}
            onCreated={(organization) => {
              setCreating(false);
              onSelect(organization.id);
            }}
          />
        </Suspense>
      ) : null}
    </>
  );
}
