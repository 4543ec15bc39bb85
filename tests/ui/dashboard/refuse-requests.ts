/** Makes chosen API reads fail, to see how the page shows a failed read. */
import { vi } from 'vitest';

/** An answer as PostgREST gives for a refused read (a 403, which the app does not retry). */
export const REFUSAL = { code: '42501', message: 'The read was refused for the test.', details: null, hint: null };

/** Answers the requests `matches` picks with REFUSAL while `failing()` holds; everything else goes through. */
export function refuse(matches: (url: URL) => boolean, failing: () => boolean) {
  const real = globalThis.fetch;
  const refused: URL[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (failing() && matches(url)) {
      refused.push(url);
      return Promise.resolve(new Response(JSON.stringify(REFUSAL), { status: 403, headers: { 'content-type': 'application/json' } }));
    }
    return real(input, init);
  });
  return refused;
}
