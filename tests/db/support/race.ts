/**
 * Real parallel transactions on Postgres: each call runs on its own pooled connection,
 * as a persona and from a client address, the way PostgREST runs an API request.
 */
import { randomInt } from 'node:crypto';
import pg from 'pg';
import { actAs } from '../../../supabase/emulator/act-as.ts';
import { claimsOf, type Persona } from './personas.ts';

export interface Outcome {
  ok: boolean;
  value?: unknown;
  code?: string;
  message?: string;
}

/** A random documentation-range address, so per-client bounds never interfere. */
export const randomAddress = (): string => `198.18.${randomInt(256)}.${randomInt(1, 255)}`;

export class Racer {
  readonly pool: pg.Pool;

  constructor(databaseUrl: string, connections: number) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: connections });
    // A connection the server closes between queries is not the test's business: without
    // listeners it would surface as an unhandled error in whichever file runs.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** One API request: a transaction as `persona`, committed, or rolled back on error. */
  async call(persona: Persona, sql: string, params: unknown[], address = randomAddress()): Promise<Outcome> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      // Reported as an outcome so the test names it instead of abandoning the other calls.
      const { code, message } = error as { code?: string; message?: string };
      return { ok: false, code: code ?? 'connect', message };
    }
    try {
      await client.query('begin');
      await actAs(
        { query: (text, values) => client.query(text, values) as never, exec: async (text) => void (await client.query(text)) },
        { role: persona.role, claims: claimsOf(persona) },
        { settings: { 'request.headers': JSON.stringify({ 'cf-connecting-ip': address }) } },
      );
      const result = await client.query(sql, params);
      await client.query('commit');
      return { ok: true, value: result.rows[0] ? Object.values(result.rows[0] as Record<string, unknown>)[0] : undefined };
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      const { code, message } = error as { code?: string; message?: string };
      return { ok: false, code, message };
    } finally {
      client.release();
    }
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
