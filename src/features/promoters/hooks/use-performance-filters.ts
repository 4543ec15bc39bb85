import { useMemo } from 'react';
import { useDebouncedValue } from '@/lib/use-debounced-value';
import { useUrlParams } from '@/lib/use-url-params';
import { resolveRange, type DateRange, type PerformanceFilters, type RangePreset } from '../lib/filters';

export type SortKey = 'tickets' | 'revenue' | 'conversion' | 'name';
const PRESETS: RangePreset[] = ['7d', '30d', '90d', 'all', 'custom'];
const SORTS: SortKey[] = ['tickets', 'revenue', 'conversion', 'name'];

/**
 * The performance view's state lives in the URL (?range=30d&q=ana&group=…&sort=revenue),
 * so it survives reloads, can be shared, and is kept when the detail panel opens.
 */
export function usePerformanceFilters() {
  const { params, update, searchString } = useUrlParams();
  const preset = (PRESETS as string[]).includes(params.get('range') ?? '') ? (params.get('range') as RangePreset) : '30d';
  const range: DateRange = { preset, customFrom: params.get('from') ?? undefined, customTo: params.get('to') ?? undefined };
  const search = params.get('q') ?? '';
  const groupId = params.get('group');
  const sort = (SORTS as string[]).includes(params.get('sort') ?? '') ? (params.get('sort') as SortKey) : 'tickets';
  const debouncedSearch = useDebouncedValue(search, 250);

  const { from, to } = resolveRange(range);
  const filters: PerformanceFilters = useMemo(
    () => ({ from, to, groupId, search: debouncedSearch }),
    [from, to, groupId, debouncedSearch],
  );

  return {
    range,
    search,
    groupId,
    sort,
    filters,
    searchString,
    setRange: (next: DateRange) =>
      update({ range: next.preset, from: next.preset === 'custom' ? (next.customFrom ?? null) : null, to: next.preset === 'custom' ? (next.customTo ?? null) : null }),
    setSearch: (value: string) => update({ q: value }),
    setGroup: (value: string | null) => update({ group: value }),
    setSort: (value: SortKey) => update({ sort: value }),
  };
}
