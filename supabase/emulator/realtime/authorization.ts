/**
 * Private-channel authorization as Supabase Realtime does it: RLS policies on
 * realtime.messages decide, evaluated under the subscriber's role and claims with
 * realtime.topic() set, inside a transaction that is always rolled back.
 */
import { randomUUID } from 'node:crypto';
import { actAs, roleSettings, type RoleSettings } from '../act-as.ts';
import type { Database, Queryable } from '../database.ts';
import type { Claims } from '../jwt.ts';
import { isDriverError } from '../rest/errors.ts';

export type Extension = 'broadcast' | 'presence';

/** The reason Realtime gives when it cannot evaluate the policies at all. */
export const DATABASE_UNAVAILABLE = 'UnableToConnectToProject: Realtime was unable to connect to the project database';

/**
 * The policies could not be evaluated: the database is unreachable or failed, which
 * is no answer about the subscriber. Callers report it instead of refusing.
 */
export class AuthorizationUnavailable extends Error {
  constructor(readonly cause: unknown) {
    super(DATABASE_UNAVAILABLE);
    this.name = 'AuthorizationUnavailable';
  }
}

/**
 * SQLSTATE classes a policy itself produces (raise, permission, bad data or
 * constraint): the policy said no. Anything else (connection, resources, cancelled
 * statements, internal errors, no SQLSTATE at all) means the database did not answer.
 */
const REFUSING_CLASSES = new Set(['22', '23', '28', '42', 'P0']);

function refusedOrUnavailable<T>(error: unknown, refusal: T): T {
  if (isDriverError(error) && REFUSING_CLASSES.has(error.code.slice(0, 2))) return refusal;
  throw new AuthorizationUnavailable(error);
}

/** Acts as the subscriber, with realtime.topic() naming the channel, as Realtime does. */
async function actAsSubscriber(settings: RoleSettings, tx: Queryable, claims: Claims, subTopic: string): Promise<void> {
  await actAs(tx, { role: claims.role, claims }, {
    roleSettings: settings,
    settings: { 'realtime.topic': subTopic, 'request.headers': '{}' },
  });
}

/**
 * Whether the claims may read the topic (throws AuthorizationUnavailable when the
 * database cannot tell): probe rows are inserted as the owner, then
 * selected back under the caller's role; what RLS lets through is what they may read.
 */
export async function canRead(
  db: Database,
  claims: Claims,
  subTopic: string,
  presence: boolean,
): Promise<{ broadcast: boolean; presence: boolean }> {
  const broadcastId = randomUUID();
  const presenceId = randomUUID();
  try {
    // Read before the transaction: on the embedded engine a plain query waits for it.
    const settings = await roleSettings(db);
    return await db.transaction(
      async (tx) => {
        await tx.query(
          `insert into realtime.messages (id, topic, extension, private) values ($1, $2, 'broadcast', true)`,
          [broadcastId, subTopic],
        );
        if (presence) {
          await tx.query(
            `insert into realtime.messages (id, topic, extension, private) values ($1, $2, 'presence', true)`,
            [presenceId, subTopic],
          );
        }
        await actAsSubscriber(settings, tx, claims, subTopic);
        const visible = await tx.query<{ id: string }>('select id from realtime.messages where id in ($1, $2)', [
          broadcastId,
          presenceId,
        ]);
        const ids = new Set(visible.rows.map((row) => row.id));
        return { broadcast: ids.has(broadcastId), presence: ids.has(presenceId) };
      },
      { rollback: true },
    );
  } catch (error) {
    // A policy that raises refuses, as on Supabase; a database that fails does not.
    return refusedOrUnavailable(error, { broadcast: false, presence: false });
  }
}

/**
 * Whether the claims may send on the topic: an insert under their role that RLS
 * accepts (throws AuthorizationUnavailable when the database cannot tell).
 */
export async function canWrite(db: Database, claims: Claims, subTopic: string, extension: Extension): Promise<boolean> {
  try {
    // Read before the transaction: on the embedded engine a plain query waits for it.
    const settings = await roleSettings(db);
    return await db.transaction(
      async (tx) => {
        await actAsSubscriber(settings, tx, claims, subTopic);
        await tx.query(`insert into realtime.messages (topic, extension, private) values ($1, $2, true)`, [
          subTopic,
          extension,
        ]);
        return true;
      },
      { rollback: true },
    );
  } catch (error) {
    return refusedOrUnavailable(error, false);
  }
}
