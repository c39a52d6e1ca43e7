/**
 * The SQLite backend of the store contract: opens the data dir, composes the
 * facets over one database, group-commits the hot writes (ingest, attempt
 * records) through the WriteQueue, and runs its own housekeeping.
 */
import type { Database } from "bun:sqlite";
import type { Store } from "../contract.ts";
import { createDeliveryStore } from "./delivery-store.ts";
import { createEndpointStore } from "./endpoint-store.ts";
import { createEventStore } from "./event-store.ts";
import { SqliteHousekeeping, type ChoreErrorHandler } from "./housekeeping.ts";
import { createMaintenanceStore } from "./maintenance-store.ts";
import { migrate } from "./migrate.ts";
import { openDatabase, openLeaseConnection } from "./open.ts";
import { createParts } from "./parts.ts";
import { createWebSessionStore } from "./web-session-store.ts";
import { StatsCounter } from "./stats-counter.ts";
import { walSync, type WalSync } from "./wal-sync.ts";
import { WriteQueue } from "./write-queue.ts";

export interface SqliteStoreOptions {
  /** Where checkpoint-worker.ts is, when not beside this module (the compiled executable). */
  checkpointWorkerUrl?: string | undefined;
  /** How the WAL is synced; by default an fsync of `<db>-wal` (tests pass one they finish by hand). */
  walSync?: WalSync | undefined;
  /** Starts the housekeeping timers, reporting failed chores here; without it they run only when called. */
  onChoreError?: ChoreErrorHandler | undefined;
}

/** The Store, plus what only the SQLite backend has: its chores, callable by hand, and the open database. */
export interface SqliteStore extends Store {
  housekeeping: Pick<SqliteHousekeeping, "checkpoint" | "foldStats">;
  db: Database;
}

/** Builds the store over an opened, migrated database; `close` (releasing it) is called last on close(). */
export function createSqliteStore(db: Database, close: () => void = () => db.close(), options: SqliteStoreOptions = {}): SqliteStore {
  const counter = new StatsCounter(db);
  // An in-memory database has no WAL to sync: it commits the plain way.
  const onDisk = Boolean(db.filename) && db.filename !== ":memory:";
  const wal = options.walSync ?? (onDisk ? walSync(db.filename) : null);
  const writes = new WriteQueue(db, { participant: counter, ...(wal && { syncWal: wal.sync, syncWalNow: wal.syncNow }) });
  let closed = false;
  const leaseDb = openLeaseConnection(db.filename);
  const parts = createParts(db, leaseDb, writes, counter, () => closed);
  const housekeeping = new SqliteHousekeeping(db, writes, parts.statsTable, wal !== null, options.checkpointWorkerUrl);
  if (options.onChoreError) housekeeping.start(options.onChoreError);
  const probe = db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (-1, 'probe', 0)");
  const unprobe = db.query("DELETE FROM schema_migrations WHERE version = -1");

  return {
    endpoints: createEndpointStore(parts),
    events: createEventStore(parts),
    deliveries: createDeliveryStore(parts),
    maintenance: createMaintenanceStore(parts),
    webSessions: createWebSessionStore(parts),
    // Reads only: the rollups plus the minute rows the counter wrote since
    // the last fold, so a report is exact whenever it runs.
    stats: {
      async report(query) {
        return parts.statsTable.report(query);
      },
      async backlog() {
        return parts.statsTable.backlog();
      },
    },
    housekeeping,
    db,
    // The data dir lock: no other process writes this database.
    onDueElsewhere() {
      return () => {};
    },
    async checkWritable() {
      // A row written and deleted in one transaction: proves a commit reaches the disk, leaves no trace.
      await writes.run(() => {
        probe.run();
        unprobe.run();
      });
    },
    async close() {
      // Twice is harmless: the second call finds everything closed.
      if (closed) return;
      closed = true;
      writes.close();
      // Before the main connection, so that one closes last and removes the WAL.
      const stopping = housekeeping.stop();
      if (stopping) await stopping;
      // The last checkpoint on this thread: nothing is left to keep waiting
      // (a worker starting now would not even keep the process alive).
      db.run("PRAGMA wal_checkpoint(PASSIVE)");
      leaseDb.close();
      close();
      wal?.close();
    },
  };
}

export interface OpenSqliteStoreOptions extends SqliteStoreOptions {
  dataDir: string;
  /** Recorded as the time of any migration applied now. */
  now: number;
  /** Told the versions migrated now (none: already current). */
  onMigrated?: ((versions: number[], path: string) => void) | undefined;
}

/** Creates (0700), locks and migrates the data dir, and builds the store; its close() releases the lock. */
export function openSqliteStore(options: OpenSqliteStoreOptions): SqliteStore {
  const opened = openDatabase(options.dataDir);
  try {
    const applied = migrate(opened.db, options.now);
    if (applied.length > 0) options.onMigrated?.(applied, opened.path);
    return createSqliteStore(opened.db, opened.close, options);
  } catch (err) {
    opened.close();
    throw err;
  }
}
