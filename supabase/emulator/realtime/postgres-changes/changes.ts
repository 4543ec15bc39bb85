/**
 * Captured row changes as they reach the server: the capture trigger NOTIFYs each change
 * after commit (see bootstrap.sql), inline or, when too large for a notification, as
 * the id of a row in realtime.emulator_changes. The changes of one transaction share a
 * commit timestamp, as they do in the WAL.
 */
import { z } from 'zod';
import type { Queryable } from '../../database.ts';

const changeSchema = z.object({
  xid: z.string(),
  schema: z.string(),
  table: z.string(),
  type: z.enum(['INSERT', 'UPDATE', 'DELETE']),
  record: z.record(z.string(), z.unknown()).nullable().optional(),
  old_record: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type Change = z.infer<typeof changeSchema>;

const notificationSchema = z.union([
  z.object({ kind: z.literal('postgres_changes'), queued: z.number() }),
  changeSchema.extend({ kind: z.literal('postgres_changes') }),
]);

/** How many transactions' commit timestamps are remembered. */
const COMMIT_TIMES_KEPT = 256;
/** Queued large changes are kept this long, for any other server listening to the database. */
const QUEUE_RETENTION = '5 minutes';

/** Whether a NOTIFY payload on the realtime channel is a captured row change. */
export function isChangeNotification(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'postgres_changes';
}

/** The change a notification carries, read back from the queue when it was too large; undefined if unreadable. */
export async function loadChange(db: Queryable, notification: unknown): Promise<Change | undefined> {
  const parsed = notificationSchema.safeParse(notification);
  if (!parsed.success) return undefined;
  if ('queued' in parsed.data) {
    const id = parsed.data.queued;
    const row = await db.query<{ payload: unknown }>('select payload from realtime.emulator_changes where id = $1', [id]);
    await db.query(`delete from realtime.emulator_changes where created_at < now() - interval '${QUEUE_RETENTION}'`);
    const change = changeSchema.safeParse(row.rows[0]?.payload);
    return change.success ? change.data : undefined;
  }
  return parsed.data;
}

/** Commit timestamps per transaction id, the most recent ones kept. */
export type CommitTimes = Map<string, string>;

/** The transaction's commit timestamp: notifications arrive right after commit, so the first one stamps it. */
export function commitTimestamp(times: CommitTimes, xid: string, now: () => Date = () => new Date()): string {
  let stamp = times.get(xid);
  if (!stamp) {
    stamp = now().toISOString();
    times.set(xid, stamp);
    if (times.size > COMMIT_TIMES_KEPT) times.delete(times.keys().next().value as string);
  }
  return stamp;
}

/** Puts capture triggers on the published tables (they also follow DDL on their own). */
export async function syncCapture(db: Queryable): Promise<void> {
  await db.query('select realtime.emulator_sync_capture()');
}
