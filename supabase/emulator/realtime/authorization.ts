/**
 * Private-channel authorization as Supabase Realtime does it: RLS policies on
 * realtime.messages decide, evaluated under the subscriber's role and claims with
 * realtime.topic() set, inside a transaction that is always rolled back.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../database.ts';
import type { Claims } from '../jwt.ts';

export type Extension = 'broadcast' | 'presence';

async function actAs(tx: Queryable, claims: Claims, subTopic: string): Promise<void> {
  await tx.query(
    `select set_config('role', $1, true),
            set_config('realtime.topic', $2, true),
            set_config('request.jwt.claims', $3, true),
            set_config('request.jwt.claim.sub', $4, true),
            set_config('request.jwt.claim.role', $1, true),
            set_config('request.headers', '{}', true)`,
    [claims.role, subTopic, JSON.stringify(claims), typeof claims.sub === 'string' ? claims.sub : ''],
  );
}

/**
 * Whether the claims may read the topic: probe rows are inserted as the owner, then
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
        await actAs(tx, claims, subTopic);
        const visible = await tx.query<{ id: string }>('select id from realtime.messages where id in ($1, $2)', [
          broadcastId,
          presenceId,
        ]);
        const ids = new Set(visible.rows.map((row) => row.id));
        return { broadcast: ids.has(broadcastId), presence: ids.has(presenceId) };
      },
      { rollback: true },
    );
  } catch {
    // A policy that raises refuses, as on Supabase.
    return { broadcast: false, presence: false };
  }
}

/** Whether the claims may send on the topic: an insert under their role that RLS accepts. */
export async function canWrite(db: Database, claims: Claims, subTopic: string, extension: Extension): Promise<boolean> {
  try {
    return await db.transaction(
      async (tx) => {
        await actAs(tx, claims, subTopic);
        await tx.query(`insert into realtime.messages (topic, extension, private) values ($1, $2, true)`, [
          subTopic,
          extension,
        ]);
        return true;
      },
      { rollback: true },
    );
  } catch {
    return false;
  }
}
