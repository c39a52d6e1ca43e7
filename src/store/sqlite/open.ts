/**
 * Opening the SQLite database in the data dir (created and locked by
 * ../data-dir.ts) with its pragmas.
 */
import { Database, SQLiteError } from "bun:sqlite";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { StartupError } from "../../startup-error.ts";
import { lockDataDir } from "../data-dir.ts";

export const DATABASE_FILE = "hookgate.db";

export interface OpenedDatabase {
  db: Database;
  path: string;
  /** Releases the data dir lock and closes the database. */
  close(): void;
}

/** Creates the data dir (0700) if needed, locks it, and opens the database. */
export function openDatabase(dataDir: string): OpenedDatabase {
  const lock = lockDataDir(dataDir);
  const path = join(lock.dir, DATABASE_FILE);
  let db: Database | undefined;
  try {
    db = new Database(path, { create: true, strict: true });
    applyPragmas(db);
    chmodSync(path, 0o600);
  } catch (err) {
    db?.close();
    lock.release();
    throw unusableDatabase(err, path) ?? err;
  }
  const opened = db;
  return {
    db: opened,
    path,
    close() {
      opened.close();
      lock.release();
    },
  };
}

/**
 * A StartupError explaining that the database file itself is the problem
 * (not SQLite, damaged, unreadable), for an error met while opening or first
 * using it; null for any other error. Damage can surface after the open, when
 * start-up first reads or writes a damaged page, so daemon.ts asks too. The
 * error may come wrapped (a failed group commit keeps it as its cause).
 */
export function unusableDatabase(err: unknown, path: string): StartupError | null {
  const sqlite = err instanceof SQLiteError ? err : (err as { cause?: unknown } | null)?.cause;
  if (!(sqlite instanceof SQLiteError) || !/^SQLITE_(NOTADB|CORRUPT|CANTOPEN|IOERR|PERM|READONLY)/.test(sqlite.code ?? "")) return null;
  return new StartupError(
    `cannot use the database ${path}: ${sqlite.message} (${sqlite.code}). ` +
      "hookgate will not replace it; restore it from a backup or move it away to start empty",
  );
}

/**
 * Order matters. busy_timeout first, so the statements after it wait out a
 * brief lock instead of failing. WAL so readers never block the writer.
 * synchronous=FULL so a committed transaction survives power loss, which is
 * what a 202 promises. foreign_keys because SQLite leaves them off.
 * temp_store=MEMORY because every write runs inside a savepoint (the
 * WriteQueue's), whose statement journal otherwise spills to a temp file
 * past 64 KiB: measured, that file I/O was a third of the CPU time of an
 * ingest and of recording an attempt. Temp tables of large sorts live in
 * memory too; hookgate's runtime queries sort small sets (the one large
 * sort is an upgrade's stats backfill, once).
 */
function applyPragmas(db: Database): void {
  db.run("PRAGMA busy_timeout = 5000");
  const mode = db.query("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
  if (mode.journal_mode !== "wal") throw new StartupError(`cannot switch ${db.filename} to WAL mode (got ${mode.journal_mode})`);
  db.run("PRAGMA synchronous = FULL");
  db.run("PRAGMA foreign_keys = ON");
  db.run("PRAGMA temp_store = MEMORY");
  // Checkpoints run from a job between batches, not inside whichever commit
  // happens to cross the threshold (that commit's callers would wait for it).
  db.run("PRAGMA wal_autocheckpoint = 0");
}

/**
 * A second connection for dispatcher leases, which need no durability: a
 * lease lost in a crash leaves its delivery due, and start-up releases every
 * lease anyway. synchronous=OFF keeps claiming off the fsync path; the next
 * durable commit on the main connection syncs the shared WAL regardless.
 */
export function openLeaseConnection(path: string): Database {
  const db = new Database(path, { strict: true });
  db.run("PRAGMA busy_timeout = 5000");
  db.run("PRAGMA synchronous = OFF");
  db.run("PRAGMA foreign_keys = ON");
  db.run("PRAGMA wal_autocheckpoint = 0");
  return db;
}
