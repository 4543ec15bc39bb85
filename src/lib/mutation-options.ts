import type { UseMutationOptions } from '@tanstack/react-query';

/**
 * The standard options a feature's mutation hook accepts from its caller (`onSuccess`,
 * `onError`, `onSettled`, `onMutate`, `meta`, …); the hook owns `mutationFn`.
 */
export type MutationHookOptions<TData, TVariables, TOnMutateResult = unknown> = Omit<
  UseMutationOptions<TData, Error, TVariables, TOnMutateResult>,
  'mutationFn'
>;

/**
 * The caller's options with the hook's own cache work first: `update` (invalidation, cache
 * writes) runs and is awaited on success, then the caller's `onSuccess`, so a caller that
 * navigates or closes a dialog sees fresh data. Every other option passes through as given.
 */
export function withCacheUpdate<TData, TVariables, TOnMutateResult>(
  options: MutationHookOptions<TData, TVariables, TOnMutateResult>,
  update: (data: TData, variables: TVariables) => Promise<unknown> | unknown,
): MutationHookOptions<TData, TVariables, TOnMutateResult> {
  return {
    ...options,
    onSuccess: async (...args) => {
      await update(args[0], args[1]);
      await options.onSuccess?.(...args);
    },
  };
}
