import type { Database } from '../database.ts';
export interface RestRequest { method: string; path: string /* after /rest/v1, e.g. '/events' or '/rpc/checkout' */; query: URLSearchParams; headers: Record<string, string> /* lower-case names */; body: Buffer | undefined; }
export interface RestContext {
  db: Database;
  claims: Record<string, unknown> & { role: string };
  maxRows: number;
  /** Schemas the API exposes (`[api] schemas`); the first is the default. Default: public. */
  schemas?: string[];
  /** Schemas searched after the request's own (`[api] extra_search_path`). Default: public, extensions. */
  extraSearchPath?: string[];
  /** PostgREST's `db-aggregates-enabled`: `count()`, `sum()`… in `select`. Default: off, as on hosted projects. */
  aggregatesEnabled?: boolean;
}
export interface RestResponse { status: number; headers: Record<string, string>; body?: string; }
export type HandleRest = (request: RestRequest, context: RestContext) => Promise<RestResponse>;
