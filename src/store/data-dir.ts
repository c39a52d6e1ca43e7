/**
 * The data dir of one process, whichever the driver: created 0700 if
 * needed and locked against a second hookgate. It holds this process's lock,
 * node id and generated secrets, and with SQLite the database too; with
 * PostgreSQL every process still has a data dir of its own.
 */
import { Database, SQLiteError } from "bun:sqlite";
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { StartupError } from "../startup-error.ts";

export const LOCK_FILE = "hookgate.lock";

export interface DataDirLock {
  /** The data dir, as an absolute path. */
  dir: string;
  /** Drops the lock; a second call does nothing. */
  release(): void;
}

/** Creates the data dir (0700) if needed and locks it for the life of the process (or until release()). */
export function lockDataDir(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  ensureDataDir(dir);
  return { dir, release: holdLock(dir) };
}

function ensureDataDir(dir: string): void {
  if (!existsSync(dir)) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700); // mkdir's mode is filtered by the umask
    } catch (err) {
      // No permission, a read-only file system, a file where a parent
      // directory should be: the operator's to fix, so one line, no stack.
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code === "string") throw new StartupError(`cannot create data_dir ${dir}: ${(err as Error).message}`);
      throw err;
    }
  } else if (!statSync(dir).isDirectory()) {
    throw new StartupError(`data_dir ${dir} exists and is not a directory`);
  }
}

/**
 * Holds an exclusive SQLite lock on <data_dir>/hookgate.lock for the life of
 * the process. The OS drops it when the process dies (even by kill -9), so a
 * crash never leaves a stale lock behind, unlike a PID file.
 */
function holdLock(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const lock = new Database(path, { create: true });
  chmodSync(path, 0o600);
  try {
    // In EXCLUSIVE locking mode the first write takes the file lock and
    // keeps it until the connection closes.
    lock.run("PRAGMA busy_timeout = 0");
    lock.run("PRAGMA locking_mode = EXCLUSIVE");
    lock.run("CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)");
    lock.run("DELETE FROM holder");
    lock.run("INSERT INTO holder (pid) VALUES (?)", [process.pid]);
  } catch (err) {
    lock.close();
    if (err instanceof SQLiteError && err.code?.startsWith("SQLITE_BUSY")) {
      throw new StartupError(`another hookgate is already running on data_dir ${dir} (it holds ${path}); stop it first`);
    }
    throw err;
  }
  // A collected Database closes itself and would drop the lock: keep it reachable.
  heldLocks.add(lock);
  return () => {
    if (!heldLocks.delete(lock)) return;
    lock.close();
  };
}

const heldLocks = new Set<Database>();
