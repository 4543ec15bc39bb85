import { useMemo } from 'react';
import { useDebouncedValue } from '@/lib/use-debounced-value';
import { useUrlParams } from '@/lib/use-url-params';
import type { OrderFilters } from '../lib/filters';

const STATUSES = ['paid', 'refunded'] as const;

/**
 * The orders view's filters live in the URL (?q=ada&event=…&promoter=none&status=paid&from=…&to=…),
 * so they survive reloads, can be shared, and stay when an order is opened.
 */
export function useOrderFilters() {
  const { params, update, searchString, clear } = useUrlParams();
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

  return {
    search,
    filters,
    searchString,
    set: (key: 'q' | 'event' | 'promoter' | 'status' | 'from' | 'to', value: string | null) => update({ [key]: value }),
    clear,
  };
}
