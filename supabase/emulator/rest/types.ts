import type { Database } from '../database.ts';
export interface RestRequest { method: string; path: string /* after /rest/v1, e.g. '/events' or '/rpc/checkout' */; query: URLSearchParams; headers: Record<string, string> /* lower-case names */; body: Buffer | undefined; }
export interface RestContext { db: Database; claims: Record<string, unknown> & { role: string }; maxRows: number; }
export interface RestResponse { status: number; headers: Record<string, string>; body?: string; }
export type HandleRest = (request: RestRequest, context: RestContext) => Promise<RestResponse>;
