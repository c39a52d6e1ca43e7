/**
 * A freshly migrated database in its own temp dir, opened the way the daemon
 * opens it (src/db/open.ts, then src/db/migrate.ts), so tests see the real
 * pragmas, the real schema and the data dir lock.
 */
import type { Database } from "bun:sqlite";
import { migrate } from "../../src/store/sqlite/migrate.ts";
import { openDatabase, type OpenedDatabase } from "../../src/store/sqlite/open.ts";
import { createTempDir } from "./temp-dir.ts";

export interface FreshDb {
  db: Database;
  /** The data dir holding hookgate.db and its lock. */
  dataDir: string;
  opened: OpenedDatabase;
  /** Closes the database (if still open) and removes the temp dir. */
  cleanup(): void;
}

/** Opens and migrates a new database; `now` is recorded as the migration time. */
export function openFreshDb(now = Date.UTC(2026, 0, 1)): FreshDb {
  const dir = createTempDir("hookgate-db-");
  const dataDir = dir.join("data");
  let opened: OpenedDatabase;
  try {
    opened = openDatabase(dataDir);
  } catch (err) {
    dir.cleanup();
    throw err;
  }
  try {
    migrate(opened.db, now);
  } catch (err) {
    opened.close();
    dir.cleanup();
    throw err;
  }
  let closed = false;
  return {
    db: opened.db,
    dataDir,
    opened,
    cleanup() {
      if (!closed) {
        closed = true;
        opened.close();
      }
      dir.cleanup();
    },
  };
}
