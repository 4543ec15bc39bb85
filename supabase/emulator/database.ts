/**
 * One database interface over two engines: embedded PGlite (default; persisted in a
 * data directory or in memory) and a real Postgres reached through DATABASE_URL.
 *
 * PGlite has a single backend connection, so every transaction is serialized through
 * PGlite's own transaction lock: a request can never observe, or run under, another
 * request's role or claims. Postgres gets a connection pool and real concurrency.
 */
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { uuid_ossp } from '@electric-sql/pglite/contrib/uuid_ossp';
import pg from 'pg';
import { existsSync } from 'node:fs';
import path from 'node:path';

export type Row = Record<string, unknown>;

export interface QueryResult<R = Row> {
  rows: R[];
  /** Rows affected by INSERT/UPDATE/DELETE, or returned by SELECT. */
  rowCount: number;
  fields: { name: string; dataTypeID: number }[];
}

export interface Queryable {
  query<R = Row>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of one or more statements without parameters. */
  exec(sql: string): Promise<void>;
}

export interface TransactionOptions {
  readOnly?: boolean;
  /** Roll back instead of committing, and still return fn's result. */
  rollback?: boolean;
}

export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Subscribes to NOTIFY on a channel; notifications arrive only after commit. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /** The embedded instance, for the admin wire-protocol socket; undefined on Postgres. */
  readonly pglite?: PGlite;
  /** On Postgres, where it is: for connections the pool cannot give (logical replication). */
  readonly connectionString?: string;
}

export interface OpenDatabaseOptions {
  /** A Postgres connection string; when set, PGlite is not used. */
  databaseUrl?: string;
  /** PGlite data directory; omitted means in memory. */
  dataDir?: string;
  /** Pool size for Postgres. */
  poolSize?: number;
  /** A PGlite data directory dump to start from (fast clones of a migrated database). */
  loadDataDir?: Blob;
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  return openPGlite(options.dataDir, options.loadDataDir);
}

function beginStatement(options: TransactionOptions | undefined): string {
  return options?.readOnly ? 'begin isolation level read committed read only' : 'begin isolation level read committed';
}

/** Thrown inside a PGlite transaction to roll it back while still returning a value. */
class RollbackWith<T> {
  constructor(readonly value: T) {}
}

/** WAL written since the last checkpoint before the emulator asks for one. */
const PGLITE_CHECKPOINT_WAL_MIB = 4;
/** Transactions between two looks at the WAL's size: the look is one cheap query. */
const WAL_CHECK_EVERY = 200;

/**
 * PGlite is Postgres in single-user mode: there is no checkpointer process, so nothing
 * checkpoints when max_wal_size is reached and the WAL (in memory with --memory) grows
 * with every write until the database closes. This does what the checkpointer would:
 * every WAL_CHECK_EVERY transactions, a checkpoint once more than
 * PGLITE_CHECKPOINT_WAL_MIB was written since the last one, which lets Postgres reuse
 * the old segments instead of adding new ones.
 */
function walCheckpointer(run: (fn: (tx: Queryable) => Promise<void>) => Promise<void>): () => void {
  let transactions = 0;
  return () => {
    if (++transactions < WAL_CHECK_EVERY) return;
    transactions = 0;
    void run(async (tx) => {
      const { rows } = await tx.query<{ written: number }>(
        'select (pg_current_wal_insert_lsn() - (pg_control_checkpoint()).redo_lsn)::bigint as written',
      );
      if (Number(rows[0]?.written) > PGLITE_CHECKPOINT_WAL_MIB * 1024 * 1024) await tx.exec('checkpoint');
    }).catch(() => {
      // A failed look is retried WAL_CHECK_EVERY transactions later; requests are not affected.
    });
  };
}

/**
 * PGlite's memory is one WebAssembly heap that grows and never shrinks, so Postgres's
 * own caches decide the emulator's size. Stock settings give a 128 MiB buffer cache and
 * 64 MiB for maintenance work; on the embedded engine the data files are already
 * cached by the file system (the OS page cache, or memory itself with --memory), so a
 * small buffer cache costs little. These settings keep an idle emulator with the demo
 * data at about half its stock size. Postgres (DATABASE_URL) is not touched.
 *
 * The WAL lives with the data: with --memory, in memory. A new database gets 1 MiB WAL
 * segments instead of 16 MiB (two segments, 32 MiB, were a third of the in-memory
 * database) and keeps at most 4 MB of old ones. The segment size is fixed at initdb and
 * Postgres refuses to start when min_wal_size is under two segments, so a database made
 * before (a data directory or a dump with 16 MiB segments) keeps the stock WAL sizes.
 */
const PGLITE_SETTINGS: Record<string, string> = {
  shared_buffers: '16MB',
  maintenance_work_mem: '16MB',
  wal_buffers: '1MB',
  temp_buffers: '2MB',
};
const NEW_DATABASE_WAL_SETTINGS: Record<string, string> = { min_wal_size: '2MB', max_wal_size: '4MB' };

function startParams(settings: Record<string, string>): string[] {
  return [...PGlite.defaultStartParams, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
}

/** PGlite's memory options: the WAL sizes only for a database that initdb is about to create. */
function pgliteMemory(dataDir: string | undefined, loadDataDir: Blob | undefined) {
  const isNew = !loadDataDir && !(dataDir && existsSync(path.join(dataDir, 'PG_VERSION')));
  if (!isNew) return { startParams: startParams(PGLITE_SETTINGS) };
  return { initDbStartParams: ['--wal-segsize=1'], startParams: startParams({ ...PGLITE_SETTINGS, ...NEW_DATABASE_WAL_SETTINGS }) };
}

async function openPGlite(dataDir: string | undefined, loadDataDir: Blob | undefined): Promise<Database> {
  const db = await PGlite.create({
    dataDir,
    loadDataDir,
    extensions: { pgcrypto, pg_trgm, uuid_ossp },
    // Flush every commit to disk at once, so a kill -9 never loses a committed row.
    relaxedDurability: false,
    ...pgliteMemory(dataDir, loadDataDir),
  });

  const wrap = (target: { query: PGlite['query']; exec: PGlite['exec'] }): Queryable => ({
    async query<R>(sql: string, params?: unknown[]) {
      const result = await target.query<R>(sql, params as unknown[]);
      return {
        rows: result.rows,
        rowCount: result.affectedRows ?? result.rows.length,
        fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
      };
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  });

  const runLocked = async <T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> => {
    try {
      return await db.transaction(async (tx) => {
        if (options?.readOnly) await tx.exec('set transaction read only');
        const value = await fn(wrap(tx));
        if (options?.rollback) throw new RollbackWith(value);
        return value;
      });
    } catch (error) {
      if (error instanceof RollbackWith) return error.value as T;
      throw error;
    }
  };
  const afterTransaction = walCheckpointer((fn) => runLocked(fn));
  const transaction = async <T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> => {
    try {
      return await runLocked(fn, options);
    } finally {
      if (!db.closed) afterTransaction();
    }
  };

  return {
    engine: 'pglite',
    pglite: db,
    // Plain statements also go through the transaction lock, so they never land
    // inside another caller's open transaction.
    query: (sql, params) => transaction((tx) => tx.query(sql, params)),
    exec: (sql) => transaction((tx) => tx.exec(sql)),
    transaction,
    async listen(channel, onPayload) {
      const unsubscribe = await db.listen(channel, onPayload);
      return async () => unsubscribe();
    },
    async close() {
      await db.close();
    },
  };
}

async function openPostgres(connectionString: string, max: number): Promise<Database> {
  const types = {
    getTypeParser(oid: number, format?: string) {
      // int8 as a number when it fits, as PGlite does; JSON for the API is made by Postgres.
      if (oid === 20) return (value: string) => {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : value;
      };
      return pg.types.getTypeParser(oid, format as 'text');
    },
  };
  const pool = new pg.Pool({ connectionString, max, types });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  await pool.query('select 1');

  const wrap = (client: pg.PoolClient | pg.Pool): Queryable => ({
    async query<R>(sql: string, params?: unknown[]) {
      const result = await client.query(sql, params);
      return {
        rows: result.rows as R[],
        rowCount: result.rowCount ?? result.rows.length,
        fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
      };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  });

  const listeners: pg.Client[] = [];

  return {
    engine: 'postgres',
    connectionString,
    ...wrap(pool),
    async transaction(fn, options) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query(beginStatement(options));
        try {
          const value = await fn(wrap(client));
          await client.query(options?.rollback ? 'rollback' : 'commit');
          return value;
        } catch (error) {
          await client.query('rollback').catch(() => {
            broken = true;
          });
          throw error;
        }
      } finally {
        client.release(broken);
      }
    },
    async listen(channel, onPayload) {
      const client = new pg.Client({ connectionString });
      client.on('error', () => {});
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === channel) onPayload(message.payload ?? '');
      });
      await client.query(`listen ${pg.escapeIdentifier(channel)}`);
      listeners.push(client);
      return async () => {
        listeners.splice(listeners.indexOf(client), 1);
        await client.end().catch(() => {});
      };
    },
    async close() {
      await Promise.all(listeners.splice(0).map((client) => client.end().catch(() => {})));
      await pool.end();
    },
  };
}
