/**
 * What one REST request may cost, checked before the database does the work.
 *
 * PostgREST on a hosted project leans on Postgres' `statement_timeout` (3 s for anon,
 * 8 s for authenticated) and answers a timeout with 500. The embedded engine has one
 * backend and no statement timeout, so one expensive request would stall every other
 * user. The emulator therefore refuses, up front and with a 400, the shapes that make
 * a request expensive or crash the engine:
 *
 * - `select` embeddings nested deeper than MAX_EMBED_DEPTH, or more than MAX_EMBEDS of
 *   them in one request (the SPA nests one level);
 * - logical filters (`or=(and(…))`) nested deeper than MAX_LOGIC_DEPTH;
 * - JSON (request bodies, and request values Postgres may parse as JSON) nested deeper
 *   than MAX_JSON_DEPTH: Postgres' recursive JSON parser exhausts the embedded
 *   engine's stack long before its own `max_stack_depth` check fires;
 * - requests whose embedded resources would read more than MAX_EMBEDDED_ROWS rows:
 *   the rows of an embedding multiply with every level, so this is what bounds the
 *   `events(orders(events(orders(…))))` family of requests. The planner's cost
 *   estimate cannot do it: without statistics it guesses a few rows per level.
 *
 * Every refusal is a PostgREST-shaped 400 with details naming the limit: PGRST102 for
 * a body (PostgREST's "invalid body"), PGRST100 for everything in the query string
 * (PostgREST's code for a query it will not accept). The service role is trusted and
 * has no row budget. See docs/decisions/007-rest-request-cost-bounds.md.
 */
import { RestError } from './errors.ts';

/** Embedded resources inside embedded resources, counted from the top-level table. */
export const MAX_EMBED_DEPTH = 6;
/** Embedded resources in one request, at all levels together. */
export const MAX_EMBEDS = 24;
/** `and(…)`/`or(…)` groups inside one another in one filter. */
export const MAX_LOGIC_DEPTH = 16;
/** Arrays and objects inside one another in one JSON document. */
export const MAX_JSON_DEPTH = 128;
/**
 * Rows that all embedded resources of one request may read together (the top-level
 * rows are bounded by max_rows). Twice the default max_rows: room for two to-one
 * embeddings on a full page, which is the SPA's widest read (a promoter's history).
 * The most expensive request within it runs in about 0.1–0.2 s on the embedded engine
 * on a busy machine. Counted in the request's own statement before the projection
 * runs, stopping at the limit, so the count itself stays cheap.
 */
export const MAX_EMBEDDED_ROWS = 2_000;

export function tooComplex(
  message: string,
  details: string,
  hint = 'Ask for fewer or shallower embedded resources, or split the request.',
): RestError {
  return new RestError(400, 'PGRST100', message, details, hint);
}

/**
 * The deepest nesting of `(…)` in a query-string value, outside double quotes (as the
 * PostgREST grammar quotes), scanning once without recursion.
 */
export function parenthesisDepth(input: string): number {
  let depth = 0;
  let deepest = 0;
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '(') deepest = Math.max(deepest, ++depth);
    else if (ch === ')') depth--;
  }
  return deepest;
}

/**
 * The deepest nesting of arrays and objects in JSON text (or in any text Postgres may
 * cast to json), ignoring brackets inside JSON strings; one pass, no recursion, so it
 * is safe on any input and runs before anything parses the text.
 */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return deepest;
}

/** Refuses a request body nested deeper than MAX_JSON_DEPTH, before it is parsed. */
export function checkBodyDepth(text: string): void {
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new RestError(400, 'PGRST102', 'Empty or invalid json', `The JSON body is nested ${depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted.`);
  }
}

/** Refuses a request value (filter value, function argument) nested like deep JSON. */
export function checkValueDepth(name: string, value: string): void {
  const depth = jsonDepth(value);
  if (depth > MAX_JSON_DEPTH) {
    throw new RestError(400, 'PGRST100', `failed to parse the value of ${name}`, `The value is nested ${depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted.`);
  }
}
