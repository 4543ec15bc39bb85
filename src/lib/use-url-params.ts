import { useSearchParams } from 'react-router-dom';

/**
 * A view's state kept in the address (filters, sort, range), so it survives reloads, can be
 * shared, and stays when a detail panel opens. Writes replace the history entry; an empty
 * or null value removes its key.
 */
export function useUrlParams() {
  const [params, setParams] = useSearchParams();

  function update(changes: Record<string, string | null>) {
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes)) {
          if (value === null || value === '') next.delete(key);
          else next.set(key, value);
        }
        return next;
      },
      { replace: true },
    );
  }

  return {
    params,
    update,
    /** The current query string with its `?`, or '' — for links that keep the view's state. */
    searchString: params.toString() ? `?${params.toString()}` : '',
    clear: () => setParams(new URLSearchParams(), { replace: true }),
  };
}
