import { config } from '@/config/env';
import type { Database } from '@/lib/database.types';

/**
 * The attendee pages' client: the REST API (PostgREST) as the anonymous visitor, and
 * nothing else. It is the part of the PostgREST client those pages use — `rpc()` and a
 * filtered, ordered read with `maybeSingle()` — over plain `fetch`, with the same answers
 * (`{ data, error, status }`) and the same error shapes, so the page a promoter link
 * opens does not download a query builder it never uses. Anything the pages need beyond
 * this belongs here, written the way postgrest-js does it.
 */

type Functions = Database['public']['Functions'];

/** A refusal or failure, shaped as PostgREST (and supabase-js) report it. */
export interface PublicApiError {
  message: string;
  details: string;
  hint: string;
  code: string;
}

export interface PublicApiAnswer<Data> {
  data: Data | null;
  error: PublicApiError | null;
  status: number;
}

const restBase = new URL('rest/v1/', `${config.supabaseUrl.replace(/\/+$/, '')}/`);
const authHeaders = { apikey: config.supabaseAnonKey, Authorization: `Bearer ${config.supabaseAnonKey}` };

/** Reads are retried like postgrest-js does: on a failed fetch or a 503/520, three times, 1 s, 2 s, 4 s apart. */
const READ_RETRY_DELAYS_MS = [1_000, 2_000, 4_000];
const RETRYABLE_STATUSES = [503, 520];

function transportFailure(cause: unknown): PublicApiAnswer<never> {
  const failure = cause as { name?: string; message?: string; stack?: string } | undefined;
  return {
    data: null,
    error: { message: `${failure?.name ?? 'FetchError'}: ${failure?.message}`, details: failure?.stack ?? '', hint: '', code: '' },
    status: 0,
  };
}

async function answerOf(response: Response): Promise<PublicApiAnswer<unknown>> {
  const body = await response.text();
  if (response.ok) {
    if (body === '') return { data: null, error: null, status: response.status };
    try {
      return { data: JSON.parse(body) as unknown, error: null, status: response.status };
    } catch {
      return { data: null, error: { message: body, details: '', hint: '', code: '' }, status: response.status };
    }
  }
  try {
    return { data: null, error: JSON.parse(body) as PublicApiError, status: response.status };
  } catch {
    return { data: null, error: { message: body || response.statusText, details: '', hint: '', code: '' }, status: response.status };
  }
}

async function send(path: string, init: { method: 'GET' | 'POST'; body?: string }): Promise<PublicApiAnswer<unknown>> {
  const headers: Record<string, string> = init.method === 'POST' ? { ...authHeaders, 'Content-Type': 'application/json' } : authHeaders;
  const retries = init.method === 'GET' ? READ_RETRY_DELAYS_MS : [];
  for (let attempt = 0; ; attempt += 1) {
    const last = attempt >= retries.length;
    let response: Response;
    try {
      response = await fetch(new URL(path, restBase), { ...init, headers });
    } catch (cause) {
      if (last) return transportFailure(cause);
      await new Promise((resolve) => setTimeout(resolve, retries[attempt]));
      continue;
    }
    if (last || !RETRYABLE_STATUSES.includes(response.status)) return answerOf(response);
    await response.text();
    await new Promise((resolve) => setTimeout(resolve, retries[attempt]));
  }
}

/** `from(table).select(…).eq(…).order(…)`, read with `maybeSingle()`: PostgREST's query string, built as postgrest-js builds it. */
class PublicRead {
  private readonly query = new URLSearchParams();

  constructor(private readonly table: string) {}

  select(columns: string): this {
    this.query.set('select', columns.replace(/\s+/g, ''));
    return this;
  }

  eq(column: string, value: string): this {
    this.query.append(column, `eq.${value}`);
    return this;
  }

  order(column: string, { ascending = true, referencedTable }: { ascending?: boolean; referencedTable?: string } = {}): this {
    const key = referencedTable ? `${referencedTable}.order` : 'order';
    const earlier = this.query.get(key);
    this.query.set(key, `${earlier ? `${earlier},` : ''}${column}.${ascending ? 'asc' : 'desc'}`);
    return this;
  }

  /** The one matching row, or null for none; more than one is PostgREST's PGRST116 refusal. */
  async maybeSingle(): Promise<PublicApiAnswer<unknown>> {
    const answer = await send(`${this.table}?${this.query}`, { method: 'GET' });
    if (answer.error || !Array.isArray(answer.data)) return answer;
    const rows = answer.data as unknown[];
    if (rows.length > 1) {
      return {
        data: null,
        error: {
          code: 'PGRST116',
          details: `Results contain ${rows.length} rows, application/vnd.pgrst.object+json requires 1 row`,
          hint: '',
          message: 'JSON object requested, multiple (or no) rows returned',
        },
        status: 406,
      };
    }
    return { ...answer, data: rows[0] ?? null };
  }
}

export const publicApi = {
  from(table: keyof Database['public']['Tables']): PublicRead {
    return new PublicRead(table);
  },

  /** Calls a database function (POST /rpc/<name>), as the anonymous visitor. */
  rpc<Name extends keyof Functions>(name: Name, args: Functions[Name]['Args']): Promise<PublicApiAnswer<Functions[Name]['Returns']>> {
    return send(`rpc/${name}`, { method: 'POST', body: JSON.stringify(args) }) as Promise<PublicApiAnswer<Functions[Name]['Returns']>>;
  },
};
