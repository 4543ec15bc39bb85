import { useCallback, useSyncExternalStore } from 'react';
import type { Organization } from '../api/get-my-organizations';

/**
 * The organization the dashboard shows, remembered per user in localStorage so that the
 * next visit opens it again. When the remembered one is gone (the user left or was
 * removed), the oldest organization the user belongs to is shown.
 */
const storageKey = (userId: string) => `promoter-links.organization.${userId}`;
const listeners = new Set<() => void>();

function read(userId: string): string | null {
  try {
    return localStorage.getItem(storageKey(userId));
  } catch {
    return null;
  }
}

/** Remembers `organizationId` as the user's current organization (also from outside the dashboard). */
export function rememberOrganization(userId: string, organizationId: string): void {
  try {
    localStorage.setItem(storageKey(userId), organizationId);
  } catch {
    // Storage unavailable (private mode, quota): the choice then lasts until reload only.
    memory.set(userId, organizationId);
  }
  for (const listener of listeners) listener();
}

const memory = new Map<string, string>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The organization to show out of `organizations` (oldest first), and a way to switch. */
export function useSelectedOrganization(
  userId: string,
  organizations: Organization[],
): { organization: Organization | undefined; select: (organizationId: string) => void } {
  const remembered = useSyncExternalStore(subscribe, () => read(userId) ?? memory.get(userId) ?? null);
  const organization = organizations.find((candidate) => candidate.id === remembered) ?? organizations[0];
  const select = useCallback((organizationId: string) => rememberOrganization(userId, organizationId), [userId]);
  return { organization, select };
}
