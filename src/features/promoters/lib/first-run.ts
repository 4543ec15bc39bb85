import { useCallback, useSyncExternalStore } from 'react';

/**
 * What the first-run checklist remembers in this browser, per organization: that a
 * tracking link was copied (nothing on the server records a copy) and that the
 * checklist was dismissed. Storage failures (private mode, quota) just forget.
 */
type Mark = 'link-shared' | 'checklist-dismissed';

const EVENT = 'promoter-links:first-run';

function key(organizationId: string, mark: Mark): string {
  return `promoter-links:${mark}:${organizationId}`;
}

function read(organizationId: string, mark: Mark): boolean {
  try {
    return window.localStorage.getItem(key(organizationId, mark)) === '1';
  } catch {
    return false;
  }
}

export function rememberFirstRun(organizationId: string, mark: Mark): void {
  try {
    window.localStorage.setItem(key(organizationId, mark), '1');
  } catch {
    // Nothing to do: the step stays open until a sale shows the link was shared.
  }
  window.dispatchEvent(new Event(EVENT));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener(EVENT, onChange);
  window.addEventListener('storage', onChange);
  return () => {
    window.removeEventListener(EVENT, onChange);
    window.removeEventListener('storage', onChange);
  };
}

/** A remembered mark, kept current across components and tabs. */
export function useFirstRunMark(organizationId: string, mark: Mark): [boolean, () => void] {
  const value = useSyncExternalStore(subscribe, () => read(organizationId, mark));
  const set = useCallback(() => rememberFirstRun(organizationId, mark), [organizationId, mark]);
  return [value, set];
}
