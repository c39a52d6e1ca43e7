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
import { openPostgresStore, type PostgresStore } from "./postgres/postgres-store.ts";

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
  /** Told of a setting that weakens a promise (PostgreSQL's synchronous_commit off). */
  onWarning: (fields: Record<string, unknown>, message: string) => void;
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
 * Connects and migrates. An unreachable database at start is the operator's
 * to fix: one line naming the host (exit 1), not a retry loop. A server that
 * does not wait for its WAL flush at commit could lose a 202 in a crash:
 * said at start, as the README's PostgreSQL settings ask for it on.
 */
async function connectPostgres(storage: Config["storage"], deps: OpenStoreDeps): Promise<Store> {
  const where = describePostgresUrl(storage.url);
  let store: PostgresStore;
  try {
    store = await openPostgresStore({ url: storage.url, poolSize: storage.pool_size, now: deps.now, onMigrated: (versions) => deps.onMigrated(versions, where) });
  } catch (err) {
    if (err instanceof StoreUnavailableError) {
      throw new StartupError(`cannot reach the database at ${postgresHost(storage.url)} (${where}): ${causeText(err)}`);
    }
    throw err;
  }
  const [row] = (await store.sql`SHOW synchronous_commit`.catch(() => [])) as { synchronous_commit?: string }[];
  if (row?.synchronous_commit === "off" || row?.synchronous_commit === "local") {
    deps.onWarning(
      { synchronous_commit: row.synchronous_commit, database: where },
      "the database does not wait for a durable commit (synchronous_commit): a 202 may not survive a database crash; set it to on",
    );
  }
  return store;
}

function postgresHost(url: string): string {
  try {
    const u = new URL(url);
    return u.port ? `${u.hostname}:${u.port}` : u.hostname;
  } catch {
    return "the configured host";
  }
}

function causeText(err: StoreUnavailableError): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : err.message;
}

/** `store`, whose close() also drops the data dir lock, after the store itself is closed. */
function releasingOnClose(store: Store, release: () => void): Store {
  // Both backends build their Store as a plain object of closures: spreading it passes every member on.
  return {
    ...store,
    async close() {
      try {
        await store.close();
      } finally {
        release();
      }
    },
  };
}
