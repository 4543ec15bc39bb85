import { useMemo } from 'react';
import { useDebouncedValue } from '@/lib/use-debounced-value';
import { useUrlParams } from '@/lib/use-url-params';
import type { OrderFilters } from '../lib/filters';

const STATUSES = ['paid', 'refunded'] as const;
const SELF_REFERRALS = ['only', 'hide'] as const;

/**
 * The orders view's filters live in the URL (?q=ada&event=…&promoter=none&status=paid&from=…&to=…&self=only),
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
  const selfParam = params.get('self');
  const selfReferral = SELF_REFERRALS.find((value) => value === selfParam) ?? null;

  const filters: OrderFilters = useMemo(
    () => ({ search: debouncedSearch, eventId, promoter, status, from, to, selfReferral }),
    [debouncedSearch, eventId, promoter, status, from, to, selfReferral],
  );

  return {
    search,
    filters,
    searchString,
    set: (key: 'q' | 'event' | 'promoter' | 'status' | 'from' | 'to' | 'self', value: string | null) => update({ [key]: value }),
    clear,
  };
}
