import { useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useDebouncedValue } from '@/lib/use-debounced-value';
import type { OrderFilters } from '../lib/filters';

const STATUSES = ['paid', 'refunded'] as const;

/**
 * The orders view's filters live in the URL (?q=ada&event=…&promoter=none&status=paid&from=…&to=…),
 * so they survive reloads, can be shared, and stay when an order is opened.
 */
export function useOrderFilters() {
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';
  const debouncedSearch = useDebouncedValue(search, 250);
  const eventId = params.get('event');
  const promoter = params.get('promoter');
  const statusParam = params.get('status');
  const status = STATUSES.find((value) => value === statusParam) ?? null;
  const from = params.get('from');
  const to = params.get('to');

  const filters: OrderFilters = useMemo(
    () => ({ search: debouncedSearch, eventId, promoter, status, from, to }),
    [debouncedSearch, eventId, promoter, status, from, to],
  );

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
    search,
    filters,
    searchString: params.toString() ? `?${params.toString()}` : '',
    set: (key: 'q' | 'event' | 'promoter' | 'status' | 'from' | 'to', value: string | null) => update({ [key]: value }),
    clear: () => setParams(new URLSearchParams(), { replace: true }),
  };
}
