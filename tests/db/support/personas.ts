/**
 * Acting as a persona, the way PostgREST does it and with the emulator's own actAs():
 * inside a transaction, the role's settings, `role` and `request.jwt.claims` are set
 * for the transaction, so row-level security, grants and auth.uid() decide what the
 * SQL may do.
 *
 * Every helper here runs in a transaction that is rolled back, so a test never leaves
 * anything behind for the next one.
 */
import { actAs } from '../../../supabase/emulator/act-as.ts';
import type { Database, Queryable, Row } from '../../../supabase/emulator/database.ts';

export interface Persona {
  /** For test names and failure messages. */
  label: string;
  role: 'anon' | 'authenticated' | 'service_role';
  userId?: string;
  email?: string;
}

export const anonymous: Persona = { label: 'anonymous attendee', role: 'anon' };
export const serviceRole: Persona = { label: 'service role', role: 'service_role' };

/** A Postgres error as both drivers report it. */
export interface PgError {
  code: string;
  message: string;
  hint?: string;
  detail?: string;
}

function isPgError(error: unknown): error is PgError {
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error;
}

export function claimsOf(persona: Persona): Record<string, unknown> {
  const claims: Record<string, unknown> = { role: persona.role, aud: persona.role === 'anon' ? undefined : 'authenticated' };
  if (persona.userId) claims.sub = persona.userId;
  if (persona.email) claims.email = persona.email;
  return claims;
}

/**
 * A transaction acting as a persona (not an auth session): the statements run with the
 * role and claims last set by as(), or as the owner after asOwner().
 */
export class PersonaTx {
  constructor(readonly tx: Queryable) {}

  /** Switches to the persona for the following statements, like a PostgREST request. */
  async as(persona: Persona): Promise<this> {
    await actAs(this.tx, { role: persona.role, claims: claimsOf(persona) });
    return this;
  }

  /** Back to the database owner (for setting up and checking data). */
  async asOwner(): Promise<this> {
    await this.tx.query('reset role');
    await this.tx.query("select set_config('request.jwt.claims', '', true)");
    return this;
  }

  async rows<R = Row>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.tx.query<R>(sql, params)).rows;
  }

  async one<R = Row>(sql: string, params: unknown[] = []): Promise<R> {
    const rows = await this.rows<R>(sql, params);
    if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${sql}`);
    return rows[0];
  }

  async value<T = unknown>(sql: string, params: unknown[] = []): Promise<T> {
    const row = await this.one<Record<string, unknown>>(sql, params);
    return Object.values(row)[0] as T;
  }

  /** How many rows a statement affected (updates and deletes refused by RLS affect 0). */
  async affected(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.tx.query(sql, params)).rowCount;
  }

  /**
   * Runs a statement that must fail and returns its error. A savepoint keeps the
   * transaction usable afterwards; the persona stays in place.
   */
  async refused(sql: string, params: unknown[] = []): Promise<PgError> {
    await this.tx.query('savepoint refused');
    try {
      await this.tx.query(sql, params);
    } catch (error) {
      await this.tx.query('rollback to savepoint refused');
      if (isPgError(error)) return error;
      throw error;
    }
    await this.tx.query('release savepoint refused');
    throw new Error(`expected the statement to be refused: ${sql}`);
  }
}

/** Runs fn in a transaction that is always rolled back. */
export async function inRollback<T>(db: Database, fn: (personaTx: PersonaTx) => Promise<T>): Promise<T> {
  return db.transaction((tx) => fn(new PersonaTx(tx)), { rollback: true });
}

/** Runs fn as the persona in a committed transaction (for effects other connections must see). */
export async function committedAs<T>(db: Database, persona: Persona, fn: (personaTx: PersonaTx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const personaTx = new PersonaTx(tx);
    await personaTx.as(persona);
    return fn(personaTx);
  });
}
