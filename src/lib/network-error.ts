/**
 * Whether a request failed before any server answered (offline, connection refused or
 * reset; each browser words it its own way, and Node's fetch another): the one kind of
 * failure worth trying again unasked. A refusal, a validation error or a server error
 * answers the same the second time. Apart from `errors.ts`, whose table of sentences
 * the query client (in every page's first download) does not need.
 */
export function isNetworkError(error: unknown): boolean {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return /failed to fetch|fetch failed|network|load failed/i.test(String(message ?? ''));
}
