/**
 * The lexical rules PostgREST's query values follow wherever the platform reads them:
 * the REST API's select, filters and order, and Realtime's postgres_changes filters. A
 * value may be double-quoted with backslash escapes (`"a,b"`), and lists nest in
 * parentheses (`in.(1,2)`, `or=(…)`), so neither may be split inside.
 */

export class ListSyntaxError extends Error {}

/**
 * Splits on `separator` at nesting depth 0, outside double quotes. Quotes and backslash
 * escapes are kept; callers unquote where the grammar says so. Unbalanced parentheses or
 * quotes are refused with `fail(message)`, so each service answers in its own error shape.
 */
export function splitTopLevel(input: string, separator: string, fail: (message: string) => Error = (message) => new ListSyntaxError(message)): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === separator && depth === 0) {
      parts.push(input.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw fail(`Unbalanced parentheses in "${input}"`);
  }
  if (quoted || depth !== 0) throw fail(`Unbalanced quotes or parentheses in "${input}"`);
  parts.push(input.slice(start));
  return parts;
}

/** `"a,b"` → `a,b` (with `\"` and `\\` unescaped); anything else unchanged. */
export function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}
