import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { withCacheUpdate, withSettledCacheUpdate, type MutationHookOptions } from './mutation-options';

/**
 * A feature's mutation hook whose cache work is marking queries stale: after the write,
 * every key `invalidates(variables)` names is refetched (awaited), then the caller's own
 * callbacks run. `when: 'settled'` does it after a refusal too, for lists that must then
 * show things as they are now. Every other option the caller passes goes through.
 */
export function useInvalidatingMutation<TData, TVariables>(
  mutationFn: (variables: TVariables) => Promise<TData>,
  options: MutationHookOptions<TData, TVariables>,
  invalidates: (variables: TVariables) => readonly QueryKey[],
  when: 'success' | 'settled' = 'success',
) {
  const queryClient = useQueryClient();
  const invalidate = (variables: TVariables) => Promise.all(invalidates(variables).map((queryKey) => queryClient.invalidateQueries({ queryKey })));
  const merged = when === 'settled' ? withSettledCacheUpdate(options, invalidate) : withCacheUpdate(options, (_data, variables) => invalidate(variables));
  return useMutation({ ...merged, mutationFn });
}
