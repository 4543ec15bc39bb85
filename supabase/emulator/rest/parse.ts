/**
 * Parsers for the PostgREST query language that supabase-js writes: `select=`,
 * filters (`col=op.value`, `or=(…)`), `order=`, `Prefer` and `Accept`. They produce
 * plain trees; nothing here touches SQL, so every value stays data until the query
 * builder binds it as a parameter.
 */
import { splitTopLevel as splitAtTopLevel, unquote } from '../postgrest-syntax.ts';
import { syntaxError } from './errors.ts';
import { MAX_EMBEDS, MAX_EMBED_DEPTH, MAX_LOGIC_DEPTH, checkValueDepth, parenthesisDepth, tooComplex } from './limits.ts';

export interface JsonStep {
  arrow: '->' | '->>';
  key: string;
}

/** A column reference, optionally followed by a JSON path (`data->a->>b`). */
export interface Field {
  name: string;
  path: JsonStep[];
}

export type SelectItem =
  | { kind: 'star' }
  | {
      kind: 'column';
      field: Field;
      alias?: string;
      cast?: string;
      /** `amount.sum()`, `count()`: an aggregate over the rows, grouped by the other columns. */
      aggregate?: AggregateFunction;
      /** The cast after the aggregate, as in `amount.sum()::int`. */
      aggregateCast?: string;
    }
  | {
      kind: 'embed';
      target: string;
      alias?: string;
      hint?: string;
      inner: boolean;
      /** `...profiles(name)`: the columns join the parent object instead of nesting. */
      spread: boolean;
      select: SelectItem[];
    };

export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max';

export type FilterOperator =
  | 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'ilike' | 'match' | 'imatch'
  | 'is' | 'isdistinct' | 'in' | 'cs' | 'cd' | 'ov' | 'sl' | 'sr' | 'nxl' | 'nxr' | 'adj'
  | 'fts' | 'plfts' | 'phfts' | 'wfts';

export interface Condition {
  kind: 'condition';
  field: Field;
  negate: boolean;
  operator: FilterOperator;
  /** `any`/`all` modifier, as in `like(any).{a*,b*}`. */
  quantifier?: 'any' | 'all';
  /** Text-search configuration, as in `fts(english).word`. */
  language?: string;
  value: string;
  /** For `in`: the parsed list. */
  list?: string[];
}

export interface Logic {
  kind: 'logic';
  operator: 'and' | 'or';
  negate: boolean;
  children: Filter[];
}

export type Filter = Condition | Logic;

export interface OrderTerm {
  field: Field;
  descending: boolean;
  nulls?: 'first' | 'last';
}

const OPERATORS = new Set<string>([
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'is', 'isdistinct',
  'in', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxl', 'nxr', 'adj', 'fts', 'plfts', 'phfts', 'wfts',
]);
const QUANTIFIABLE = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch']);
const TEXT_SEARCH = new Set(['fts', 'plfts', 'phfts', 'wfts']);

/** Splits a REST parameter at the top level (postgrest-syntax.ts), refusing as PostgREST does (PGRST100). */
export const splitTopLevel = (input: string, separator: string): string[] => splitAtTopLevel(input, separator, (message) => syntaxError(message));

/** Parses `name`, `"quoted name"`, `data->a->>b`, `data->0`. */
export function parseField(raw: string): Field {
  const text = raw.trim();
  const arrow = /->>?/g;
  const pieces: { arrow?: '->' | '->>'; text: string }[] = [];
  let last = 0;
  let lastArrow: '->' | '->>' | undefined;
  for (let match = arrow.exec(text); match; match = arrow.exec(text)) {
    pieces.push({ arrow: lastArrow, text: text.slice(last, match.index) });
    lastArrow = match[0] as '->' | '->>';
    last = match.index + match[0].length;
  }
  pieces.push({ arrow: lastArrow, text: text.slice(last) });
  const [head, ...rest] = pieces;
  const name = unquote(head.text);
  if (!name || /[(),]/.test(name)) throw syntaxError(`"${raw}" is not a valid column name`);
  const path = rest.map((piece) => {
    const key = unquote(piece.text);
    if (!key) throw syntaxError(`"${raw}" has an empty JSON key`);
    return { arrow: piece.arrow!, key };
  });
  return { name, path };
}

/** The key a column gets in the JSON output when it has no alias. */
export function outputName(field: Field): string {
  return field.path.length > 0 ? field.path[field.path.length - 1].key : field.name;
}

/** Index of the alias colon in `alias:rest`, ignoring `::` casts and anything after `(`. */
function aliasColon(item: string): number {
  const paren = item.indexOf('(');
  const limit = paren === -1 ? item.length : paren;
  for (let i = 0; i < limit; i++) {
    if (item[i] === '"') {
      const close = item.indexOf('"', i + 1);
      if (close === -1) return -1;
      i = close;
      continue;
    }
    if (item[i] === ':') {
      if (item[i + 1] === ':') return -1;
      return i;
    }
  }
  return -1;
}

/**
 * Parses `select=`. Embedding is bounded before parsing (depth, from the parentheses)
 * and after it (the number of embedded resources), so a hostile select costs neither
 * the parser nor the planner more than a bounded amount of work.
 */
export function parseSelect(select: string | null): SelectItem[] {
  const depth = select === null ? 0 : parenthesisDepth(select);
  if (depth > MAX_EMBED_DEPTH) {
    throw tooComplex(
      'failed to parse select parameter: embedded resources are nested too deeply',
      `The select nests embedded resources ${depth} levels deep; at most ${MAX_EMBED_DEPTH} are accepted.`,
    );
  }
  const items = parseSelectList(select);
  const embeds = countEmbeds(items);
  if (embeds > MAX_EMBEDS) {
    throw tooComplex(
      'failed to parse select parameter: too many embedded resources',
      `The select embeds ${embeds} resources; at most ${MAX_EMBEDS} are accepted in one request.`,
    );
  }
  return items;
}

function countEmbeds(items: SelectItem[]): number {
  let count = 0;
  for (const item of items) if (item.kind === 'embed') count += 1 + countEmbeds(item.select);
  return count;
}

function parseSelectList(select: string | null): SelectItem[] {
  if (select === null || select.trim() === '') return [{ kind: 'star' }];
  try {
    return splitTopLevel(select, ',').map(parseSelectItem);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw syntaxError(`failed to parse select parameter (${select})`, reason);
  }
}

function parseSelectItem(raw: string): SelectItem {
  let item = raw.trim();
  if (item === '*') return { kind: 'star' };
  if (item === '') throw syntaxError('empty item in select');
  let alias: string | undefined;
  const colon = aliasColon(item);
  if (colon !== -1) {
    alias = unquote(item.slice(0, colon).trim());
    item = item.slice(colon + 1).trim();
    if (!alias) throw syntaxError(`empty alias in "${raw}"`);
  }
  const spread = item.startsWith('...');
  if (spread) {
    if (alias !== undefined) throw syntaxError(`a spread embedding cannot have an alias ("${raw}")`);
    item = item.slice(3);
    if (!item.includes('(')) throw syntaxError(`"${raw}": only embedded resources can be spread`);
  }

  const open = AGGREGATE.test(item) ? -1 : item.indexOf('(');
  if (open !== -1) {
    if (!item.endsWith(')')) throw syntaxError(`"${raw}" must end with ")"`);
    const [target, ...modifiers] = item.slice(0, open).split('!');
    if (!target) throw syntaxError(`"${raw}" has no table name`);
    let hint: string | undefined;
    let inner = false;
    for (const modifier of modifiers) {
      if (modifier === 'inner') inner = true;
      else if (modifier === 'left') inner = false;
      else if (modifier && hint === undefined) hint = modifier;
      else throw syntaxError(`"${raw}" has an unexpected "!${modifier}"`);
    }
    const inside = item.slice(open + 1, -1);
    // `profiles()` selects nothing: the embedding only filters (with !inner) and its key is left out.
    const select = inside.trim() === '' ? [] : parseSelectList(inside);
    return { kind: 'embed', target: unquote(target), alias, hint, inner, spread, select };
  }

  // `count()`, or `field[::cast].sum()[::cast]`, as PostgREST's select grammar has them.
  let aggregate: AggregateFunction | undefined;
  let aggregateCast: string | undefined;
  const aggregated = AGGREGATE.exec(item);
  if (aggregated && (aggregated[1] !== undefined || aggregated[2] === 'count')) {
    aggregate = aggregated[2] as AggregateFunction;
    aggregateCast = aggregated[3] === undefined ? undefined : checkCast(aggregated[3].trim());
    item = aggregated[1] ?? '*';
    if (item === '*' && aggregate !== 'count') throw syntaxError(`"${raw}": only count() applies to all rows`);
    if (item === '*') return { kind: 'column', field: { name: '*', path: [] }, alias, aggregate, aggregateCast };
  }
  let cast: string | undefined;
  const castAt = item.lastIndexOf('::');
  if (castAt !== -1) {
    cast = checkCast(item.slice(castAt + 2).trim());
    item = item.slice(0, castAt);
  }
  return { kind: 'column', field: parseField(item), alias, cast, aggregate, aggregateCast };
}

/** `field.sum()`, `field::numeric.avg()::int`, `count()`: an aggregate, not an embedding. */
const AGGREGATE = /^(?:([^()]*)\.)?(count|sum|avg|min|max)\(\)(?:::([^()]*))?$/;

/** The cast is written into SQL, so only plain type names pass. */
function checkCast(cast: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*( [A-Za-z_][A-Za-z0-9_]*)?(\[\])?$/.test(cast)) {
    throw syntaxError(`"${cast}" is not a valid type name`);
  }
  return cast;
}

/**
 * Parses a filter value `[not.]op[(modifier)].value` for `field`. `nested` marks the
 * form inside `or=(…)`, where values may be double-quoted.
 */
export function parseCondition(field: Field, text: string, nested: boolean): Condition {
  let rest = text;
  let negate = false;
  if (rest.startsWith('not.')) {
    negate = true;
    rest = rest.slice(4);
  }
  const dot = rest.indexOf('.');
  if (dot === -1) throw syntaxError(`failed to parse filter (${text})`, 'Expected an operator followed by "." and a value');
  const opText = rest.slice(0, dot);
  let value = rest.slice(dot + 1);
  const opMatch = /^([a-z]+)(?:\(([A-Za-z_]*)\))?$/.exec(opText);
  if (!opMatch || !OPERATORS.has(opMatch[1])) {
    throw syntaxError(`failed to parse filter (${text})`, `Unknown operator "${opText}"`);
  }
  const operator = opMatch[1] as FilterOperator;
  // Postgres parses the value as JSON for json columns: bound its nesting first.
  checkValueDepth(`the filter on ${field.name}`, value);
  const condition: Condition = { kind: 'condition', field, negate, operator, value };
  const modifier = opMatch[2];
  if (modifier !== undefined) {
    if (TEXT_SEARCH.has(operator)) {
      if (!modifier) throw syntaxError(`failed to parse filter (${text})`, 'Empty text search configuration');
      condition.language = modifier;
    } else if (QUANTIFIABLE.has(operator) && (modifier === 'any' || modifier === 'all')) {
      condition.quantifier = modifier;
      condition.list = parseList(value, text);
    } else {
      throw syntaxError(`failed to parse filter (${text})`, `Unexpected modifier "(${modifier})"`);
    }
  }
  if (operator === 'in') condition.list = parseList(value, text);
  else if (operator === 'is') {
    if (!['null', 'not_null', 'true', 'false', 'unknown'].includes(value.toLowerCase())) {
      throw syntaxError(`failed to parse filter (${text})`, 'is accepts only null, not_null, true, false or unknown');
    }
    condition.value = value.toLowerCase();
  } else if (nested) {
    value = unquote(value);
    condition.value = value;
  }
  return condition;
}

/** `(1,2,"a,b")` or `{1,2}` → items, double quotes removed. */
function parseList(value: string, whole: string): string[] {
  const open = value[0];
  const close = value[value.length - 1];
  if (!((open === '(' && close === ')') || (open === '{' && close === '}'))) {
    throw syntaxError(`failed to parse filter (${whole})`, 'A list must be written as (a,b,…)');
  }
  const inside = value.slice(1, -1);
  if (inside.trim() === '') return [];
  return splitTopLevel(inside, ',').map((item) => unquote(item.trim()));
}

/** Parses the value of `or=` / `and=` (with or without the `not.` key prefix). */
export function parseLogic(operator: 'and' | 'or', negate: boolean, value: string): Logic {
  // Each group is one pair of parentheses, and an `in.(…)` list inside the innermost
  // group one more; checked in one pass before the recursive parse.
  const depth = parenthesisDepth(value);
  if (depth > MAX_LOGIC_DEPTH + 1) {
    throw tooComplex(
      `failed to parse logic tree: ${operator} groups are nested too deeply`,
      `The filter nests and/or groups about ${depth} levels deep; at most ${MAX_LOGIC_DEPTH} are accepted.`,
      'Write the condition with fewer nested and/or groups.',
    );
  }
  try {
    if (!value.startsWith('(') || !value.endsWith(')')) throw syntaxError('A logic tree must be written as (…)');
    return { kind: 'logic', operator, negate, children: parseLogicItems(value.slice(1, -1), 1) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw syntaxError(`failed to parse logic tree (${value})`, reason);
  }
}

function parseLogicItems(inside: string, depth: number): Filter[] {
  if (inside.trim() === '') throw syntaxError('A logic tree needs at least one condition');
  if (depth > MAX_LOGIC_DEPTH) throw syntaxError(`and/or groups are nested more than ${MAX_LOGIC_DEPTH} levels deep`);
  return splitTopLevel(inside, ',').map((raw) => {
    const item = raw.trim();
    const logic = /^(not\.)?(and|or)\(/.exec(item);
    if (logic && item.endsWith(')')) {
      return {
        kind: 'logic',
        operator: logic[2] as 'and' | 'or',
        negate: Boolean(logic[1]),
        children: parseLogicItems(item.slice(logic[0].length, -1), depth + 1),
      } satisfies Logic;
    }
    const dot = fieldEnd(item);
    if (dot === -1) throw syntaxError(`"${item}" is not a condition`);
    return parseCondition(parseField(item.slice(0, dot)), item.slice(dot + 1), true);
  });
}

/** The dot that ends the field part of `field.op.value` (fields may be quoted). */
function fieldEnd(item: string): number {
  if (item.startsWith('"')) {
    const close = item.indexOf('"', 1);
    return close === -1 ? -1 : item.indexOf('.', close);
  }
  return item.indexOf('.');
}

export function parseOrder(value: string): OrderTerm[] {
  try {
    return splitTopLevel(value, ',').map((raw) => {
      const parts = raw.trim().split('.');
      const modifiers: string[] = [];
      while (parts.length > 1 && ['asc', 'desc', 'nullsfirst', 'nullslast'].includes(parts[parts.length - 1])) {
        modifiers.unshift(parts.pop()!);
      }
      const term: OrderTerm = { field: parseField(parts.join('.')), descending: false };
      for (const modifier of modifiers) {
        if (modifier === 'desc') term.descending = true;
        else if (modifier === 'nullsfirst') term.nulls = 'first';
        else if (modifier === 'nullslast') term.nulls = 'last';
      }
      return term;
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw syntaxError(`failed to parse order (${value})`, reason);
  }
}

export function parseNonNegativeInteger(name: string, value: string): number {
  if (!/^\d{1,15}$/.test(value.trim())) throw syntaxError(`failed to parse ${name} parameter (${value})`, 'Expected a non-negative integer');
  return Number(value.trim());
}

export interface Preferences {
  return: 'minimal' | 'representation' | 'headers-only';
  count?: 'exact' | 'planned' | 'estimated';
  resolution?: 'merge-duplicates' | 'ignore-duplicates';
  missingDefault: boolean;
  rollback: boolean;
  /** `handling=strict` refuses unknown preferences and enforces `max-affected`. */
  handling?: 'strict' | 'lenient';
  /** `max-affected=N`: with strict handling, more affected rows undo the request. */
  maxAffected?: number;
  /** Tokens that were understood, echoed in Preference-Applied. */
  applied: string[];
  /** Tokens that were not understood (refused under strict handling). */
  invalid: string[];
}

/** `Prefer` is comma separated and may repeat (Headers.append joins with ", "). */
export function parsePrefer(header: string | undefined): Preferences {
  const prefs: Preferences = { return: 'minimal', missingDefault: false, rollback: false, applied: [], invalid: [] };
  if (!header) return prefs;
  let maxAffected: string | undefined;
  for (const raw of header.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    const [key, value] = token.split('=').map((s) => s.trim());
    let known = true;
    if (key === 'return' && (value === 'minimal' || value === 'representation' || value === 'headers-only')) prefs.return = value;
    else if (key === 'count' && (value === 'exact' || value === 'planned' || value === 'estimated')) prefs.count = value;
    else if (key === 'resolution' && (value === 'merge-duplicates' || value === 'ignore-duplicates')) prefs.resolution = value;
    else if (key === 'missing' && value === 'default') prefs.missingDefault = true;
    else if (key === 'missing' && value === 'null') prefs.missingDefault = false;
    else if (key === 'tx' && (value === 'rollback' || value === 'commit')) prefs.rollback = value === 'rollback';
    else if (key === 'handling' && (value === 'strict' || value === 'lenient')) prefs.handling ??= value;
    else if (key === 'max-affected') {
      // Echoed only under strict handling, after the other preferences, as PostgREST does.
      if (/^-?\d{1,18}$/.test(value ?? '')) maxAffected ??= value;
      continue;
    } else if (key === 'timezone') continue;
    else known = false;
    if (known) prefs.applied.push(`${key}=${value}`);
    else prefs.invalid.push(token);
  }
  if (maxAffected !== undefined) {
    prefs.maxAffected = Number(maxAffected);
    if (prefs.handling === 'strict') prefs.applied.push(`max-affected=${maxAffected}`);
  }
  return prefs;
}

export interface AcceptInfo {
  single: boolean;
  stripNulls: boolean;
  /** `text/csv`: rows as comma separated values under a header line. */
  csv: boolean;
}

/**
 * JSON arrays (the default), a single object, or CSV. Anything else that the client
 * can ask for (GeoJSON, plans) is refused with 406 PGRST107 by the caller.
 */
export function parseAccept(header: string | undefined): AcceptInfo | undefined {
  if (!header) return { single: false, stripNulls: false, csv: false };
  let fallback: AcceptInfo | undefined;
  for (const raw of header.split(',')) {
    const [type, ...params] = raw.split(';').map((s) => s.trim().toLowerCase());
    const stripNulls = params.includes('nulls=stripped');
    if (type === 'application/vnd.pgrst.object+json' || type === 'application/vnd.pgrst.object') {
      return { single: true, stripNulls, csv: false };
    }
    // The first acceptable type wins.
    if (type === 'text/csv' && !fallback) return { single: false, stripNulls: false, csv: true };
    if (['*/*', 'application/*', 'application/json', 'application/vnd.pgrst.array+json'].includes(type)) {
      fallback ??= { single: false, stripNulls, csv: false };
    }
  }
  return fallback;
}
