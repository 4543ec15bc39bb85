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

/** Statuses only a proxy in front of the API gives (Cloudflare's 52x, a bad gateway). */
const GATEWAY_ONLY = new Set([502, 520, 521, 522, 523, 524]);
/** Statuses PostgREST gives too, with a JSON error of its own (PGRST000–PGRST003). */
const GATEWAY_OR_API = new Set([503, 504]);

/**
 * A fetch that reports a proxy's own failure page (a 502 or 52x, or a 503/504 that is
 * not the API's JSON) as the network failure it is: the request may not have reached
 * the API, so reads retry it like one (`retryNetworkFailures`) and the page says the
 * server could not be reached. The API's own answers go through unchanged.
 */
export function withGatewayFailuresAsNetworkErrors(fetchImpl: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    const json = (response.headers.get('content-type') ?? '').includes('json');
    if (GATEWAY_ONLY.has(response.status) || (GATEWAY_OR_API.has(response.status) && !json)) {
      await response.body?.cancel();
      throw new TypeError(`Failed to fetch: the gateway answered ${response.status}`);
    }
    return response;
  };
}
