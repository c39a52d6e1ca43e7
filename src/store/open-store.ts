/**
 * Opening the configured backend (storage.driver): the one place that
 * chooses between SQLite and PostgreSQL, so that daemon.ts wires a Store
 * without knowing which one runs. It also answers what differs between
 * them at start: this process's node id, whose leases are a dead process's,
 * how to name the database in a message, and how to explain a failure.
 *
 * - sqlite: one process holds the data dir and so the whole database; every
 *   lease found at start is a dead run's ("all"), and an id per run is
 *   enough.
 * - postgres: many processes share the database, each with its own locked
 *   data dir. A process takes back only its own leases at start, so its id
 *   must survive a restart (node-id.ts); the others' leases expire.
 */
import { join, resolve } from "node:path";
import type { Config } from "../config/schema.ts";
import { describePostgresUrl } from "../domain/postgres-url.ts";
import { resolveNodeId } from "../node-id.ts";
import { StartupError } from "../startup-error.ts";
import type { Store } from "./contract.ts";
import { lockDataDir } from "./data-dir.ts";
import { StoreUnavailableError } from "./errors.ts";
import type { ChoreErrorHandler } from "./sqlite/housekeeping.ts";
import { DATABASE_FILE, unusableDatabase } from "./sqlite/open.ts";
import { openSqliteStore } from "./sqlite/sqlite-store.ts";

export interface OpenStoreDeps {
  /** Recorded as the time of any migration applied now. */
  now: number;
  randomBytes: (n: number) => Uint8Array;
  /** A new node id for this run (SQLite's owner of its leases). */
  runNodeId: () => string;
  /** Told the versions migrated now and where (none: already current). */
  onMigrated: (versions: number[], where: string) => void;
  /** Where SQLite's checkpoint worker is; resolved by the caller, beside main.ts (see daemon.ts). */
  checkpointWorkerUrl: string;
  /** SQLite's housekeeping chores report their failures here. */
  onChoreError: ChoreErrorHandler;
}

export interface OpenedStore {
  store: Store;
  /** This process's node id: the owner of the leases it takes. */
  owner: string;
  /** Whose leases are a dead process's at start: the dispatcher records their attempts interrupted. */
  deadAtStart: string[] | "all";
  /** The database, for logs and messages: the SQLite file, or the PostgreSQL URL without its password. */
  describe: string;
  /**
   * A StartupError for a failure met while starting on this store after it
   * opened (a damaged database, a full disk, …); null for any other error.
   */
  explain(err: unknown): StartupError | null;
}

/** Opens (creating, locking and migrating as needed) the backend storage.driver names; throws StartupError for what the operator must fix. */
export async function openStore(config: Config, deps: OpenStoreDeps): Promise<OpenedStore> {
  return config.storage.driver === "postgres" ? openPostgres(config.storage, deps) : openSqlite(config.storage, deps);
}

function openSqlite(storage: Config["storage"], deps: OpenStoreDeps): OpenedStore {
  const databasePath = join(resolve(storage.data_dir), DATABASE_FILE);
  let store: Store;
  try {
    store = openSqliteStore({
      dataDir: storage.data_dir,
      now: deps.now,
      onMigrated: deps.onMigrated,
      checkpointWorkerUrl: deps.checkpointWorkerUrl,
      onChoreError: deps.onChoreError,
    });
  } catch (err) {
    throw unusableDatabase(err, databasePath) ?? err;
  }
  return {
    store,
    // SQLite holds the data dir lock, so every lease found at start is a dead process's.
    owner: deps.runNodeId(),
    deadAtStart: "all",
    describe: databasePath,
    explain(err) {
      const damaged = unusableDatabase(err, databasePath);
      if (damaged) return damaged;
      // Start-up commits (taking over a dead run's leases): a full or read-only disk is the operator's to fix.
      if (err instanceof StoreUnavailableError) {
        return new StartupError(`cannot write to the database ${databasePath} at start-up: ${err.message} (is its disk full or read-only?)`);
      }
      return null;
    },
  };
}

async function openPostgres(storage: Config["storage"], deps: OpenStoreDeps): Promise<OpenedStore> {
  const describe = describePostgresUrl(storage.url);
  // The data dir first: its lock keeps a second process off this node id.
  const lock = lockDataDir(storage.data_dir);
  let store: Store;
  let owner: string;
  try {
    owner = resolveNodeId(lock.dir, deps.randomBytes).id;
    store = await connectPostgres(storage, deps);
  } catch (err) {
    lock.release();
    throw err;
  }
  return {
    store: releasingOnClose(store, lock.release),
    owner,
    // The others' leases are theirs until they expire; this node's own are a dead run's.
    deadAtStart: [owner],
    describe,
    explain(err) {
      if (err instanceof StoreUnavailableError) return new StartupError(`the database ${describe} failed at start-up: ${err.message}`);
      return null;
    },
  };
}

/**
 * The PostgreSQL backend is built beside this branch (src/store/postgres/);
 * plugging it in is this function's body:
 *   return openPostgresStore({ url: storage.url, poolSize: storage.pool_size, now: deps.now, onMigrated: … });
 */
async function connectPostgres(_storage: Config["storage"], _deps: OpenStoreDeps): Promise<Store> {
  throw new StartupError("the postgres driver is not in this build yet");
}

/** `store`, whose close() also drops the data dir lock, after the store itself is closed. */
function releasingOnClose(store: Store, release: () => void): Store {
  return {
    endpoints: store.endpoints,
    events: store.events,
    deliveries: store.deliveries,
    maintenance: store.maintenance,
    stats: store.stats,
    webSessions: store.webSessions,
    checkWritable: () => store.checkWritable(),
    onDueElsewhere: (listener) => store.onDueElsewhere(listener),
    async close() {
      try {
        await store.close();
      } finally {
        release();
      }
    },
  };
}
