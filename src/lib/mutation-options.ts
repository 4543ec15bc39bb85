import type { UseMutationOptions } from '@tanstack/react-query';

/**
 * The standard options a feature's mutation hook accepts from its caller (`onSuccess`,
 * `onError`, `onSettled`, `onMutate`, `meta`, …); the hook owns `mutationFn`.
 */
export type MutationHookOptions<TData, TVariables, TOnMutateResult = unknown> = Omit<
  UseMutationOptions<TData, Error, TVariables, TOnMutateResult>,
  'mutationFn'
>;

/** The options of a hook whose mutation is the API function `F` (its data and its one argument). */
export type MutationOptionsOf<F extends (...args: never[]) => Promise<unknown>> = MutationHookOptions<
  Awaited<ReturnType<F>>,
  Parameters<F> extends [] ? void : Parameters<F>[0]
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

/**
 * Like withCacheUpdate, for cache work that must happen whether the write succeeded or was
 * refused (the list then shows things as they are now): `update` runs on settle, then the
 * caller's `onSettled`.
 */
export function withSettledCacheUpdate<TData, TVariables, TOnMutateResult>(
  options: MutationHookOptions<TData, TVariables, TOnMutateResult>,
  update: (variables: TVariables) => Promise<unknown> | unknown,
): MutationHookOptions<TData, TVariables, TOnMutateResult> {
  return {
    ...options,
    onSettled: async (...args) => {
      await update(args[2]);
      await options.onSettled?.(...args);
    },
  };
}
