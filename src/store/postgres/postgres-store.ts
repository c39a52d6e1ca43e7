/**
 * The PostgreSQL backend of the store contract, for any number of hookgate
 * processes on one database: opens a pool, migrates (the first process to
 * get there, under a lock), and composes the facets over the pool. It has
 * no housekeeping of its own: PostgreSQL checkpoints and vacuums itself,
 * and stats are read from the rows they count.
 */
import type { SQL } from "bun";
import type { Store } from "../contract.ts";
import { createDeliveryStore } from "./delivery-store.ts";
import { createEndpointStore } from "./endpoint-store.ts";
import { createEventStore } from "./event-store.ts";
import { createMaintenanceStore } from "./maintenance-store.ts";
import { migrate } from "./migrate.ts";
import { PgClient } from "./pg-client.ts";
import { createStatsStore } from "./stats.ts";
import { listenForDue } from "./due-signal.ts";
import { createWebSessionStore } from "./web-session-store.ts";

export interface OpenPostgresStoreOptions {
  /** postgres://user:password@host:5432/dbname */
  url: string;
  /** Connections this process keeps at most. */
  poolSize: number;
  /** Recorded as the time of any migration applied now. */
  now: number;
  /** Told the versions migrated now (none: already current). */
  onMigrated?: ((versions: number[]) => void) | undefined;
}

/** The Store, plus the pool itself (for tests and tools that need plain SQL). */
export interface PostgresStore extends Store {
  readonly sql: SQL;
}

/**
 * Connects, migrates and builds the store. Rejects with StoreUnavailableError
 * when the database cannot be reached, StartupError when it is newer than
 * this hookgate.
 */
export async function openPostgresStore(o: OpenPostgresStoreOptions): Promise<PostgresStore> {
  const db = new PgClient(o.url, o.poolSize);
  try {
    const applied = await db.run((sql) => migrate(sql, o.now));
    if (applied.length > 0) o.onMigrated?.(applied);
  } catch (err) {
    await db.close();
    throw err;
  }
  return {
    endpoints: createEndpointStore(db),
    events: createEventStore(db),
    deliveries: createDeliveryStore(db),
    maintenance: createMaintenanceStore(db),
    stats: createStatsStore(db),
    webSessions: createWebSessionStore(db),
    sql: db.sql,
    onDueElsewhere(listener, onFailure) {
      return listenForDue(db, listener, onFailure);
    },
    checkWritable() {
      // A row written and deleted in one committed transaction: proves the server takes a commit, leaves no trace.
      return db.tx(async (tx) => {
        await tx`INSERT INTO schema_migrations (version, name, applied_at) VALUES (-1, 'probe', 0)`;
        await tx`DELETE FROM schema_migrations WHERE version = -1`;
      });
    },
    close() {
      return db.close();
    },
  };
}
