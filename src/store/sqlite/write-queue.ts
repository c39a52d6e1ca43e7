/**
 * Group commit for SQLite. Writers queue a synchronous operation; every
 * operation queued before the next turn of the event loop runs in one
 * transaction, each inside its own savepoint, and all of them resolve only
 * once the COMMIT is on disk. An operation that throws rolls back only
 * itself; a COMMIT that fails (disk full, I/O error) rejects the whole batch
 * with StoreUnavailableError, so no caller is told "done" for a write that
 * did not reach the disk.
 *
 * The fsync happens off the event loop. With synchronous=FULL, SQLite would
 * fsync the WAL inside COMMIT, on the thread that serves every request:
 * about a millisecond per batch in which nothing else runs, which at a
 * moderate, spread-out rate (one small batch per event) dominated both the
 * time to answer and the time to deliver. So a batch commits with
 * synchronous=NORMAL (the WAL frames are written, not synced) and its callers
 * wait for `syncWal`, an fsync of the WAL file on a worker thread. One fsync
 * covers every batch committed before it started; batches committed while it
 * runs wait for the next one. The promise a caller gets is the same as with
 * FULL: resolved only after the commit's WAL frames are on disk. Every other
 * write on the connection (endpoint changes, checkpoints) keeps FULL.
 *
 * A participant (the stats counter) can gather what the kept operations did
 * and write it once per batch, just before the COMMIT.
 */
import { StoreUnavailableError } from "../errors.ts";
import type { Database } from "bun:sqlite";

/** The database could not commit; callers answer 503 and nothing was written. */
export { StoreUnavailableError };

/** Told how a batch goes, to write its own summary of it in the same transaction. */
export interface BatchParticipant {
  /** The batch's transaction began. */
  begin(): void;
  /** The operation just run was kept (true) or rolled back to its savepoint (false). */
  opEnded(kept: boolean): void;
  /** After the last operation, inside the transaction, outside any savepoint. */
  beforeCommit(): void;
  /** The batch is over: committed, or rolled back as a whole. */
  end(): void;
}

interface Pending {
  op: () => unknown;
  durable: boolean;
  resolve: (value: any) => void;
  reject: (err: unknown) => void;
}

export interface RunOptions {
  /**
   * false: answer as soon as the COMMIT is done, without waiting for (or
   * asking for) the fsync. The write survives the process being killed (the
   * WAL is in the OS) and is made durable by the next fsync, a moment later;
   * only a power cut in between can lose it. For writes whose loss only
   * repeats work that at-least-once delivery allows to repeat: an attempt's
   * record. Default true.
   */
  durable?: boolean;
}

/** A committed batch's answers, released once its WAL frames are synced. */
type Release = (syncError: Error | null) => void;

export interface WriteQueueOptions {
  /** Most operations in one transaction. */
  maxBatch?: number;
  /**
   * Syncs the WAL file to disk without blocking the event loop. Absent (an
   * in-memory database, some tests): commits sync inside COMMIT as usual.
   */
  syncWal?: () => Promise<void>;
  /** The same, blocking: for close(), when the event loop may not turn again. */
  syncWalNow?: () => void;
  /** Writes a summary of each batch before its COMMIT (the stats counter). */
  participant?: BatchParticipant;
}

/** Serialises and batches writes on one connection. */
export class WriteQueue {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly maxBatch: number;
  /** Committed batches waiting for the next fsync. */
  private unsynced: Release[] = [];
  private syncing = false;

  constructor(
    private readonly db: Database,
    private readonly options: WriteQueueOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 4096;
  }

  /** Runs `op` inside the next batch's transaction; resolves after the commit. */
  run<T>(op: () => T, options: RunOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError("the database is closed (hookgate is stopping); nothing was written"));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, durable: options.durable ?? true, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Commits what is queued now, synchronously, and refuses every later
   * write: the database closes next. Without it, an attempt finishing during
   * shutdown would queue a batch that runs on a closed connection.
   */
  close(): void {
    while (this.queue.length > 0) this.flush();
    this.closed = true;
    if (this.unsynced.length > 0) {
      const waiting = this.unsynced.splice(0);
      let error: Error | null = null;
      try {
        this.options.syncWalNow?.();
      } catch (err) {
        error = err as Error;
      }
      for (const release of waiting) release(error);
    }
  }

  private flush(): void {
    if (this.closed) return;
    this.scheduled = false;
    const batch = this.queue.splice(0, this.maxBatch);
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const deferSync = this.options.syncWal !== undefined;
    const { participant } = this.options;
    try {
      if (deferSync) this.db.run("PRAGMA synchronous = NORMAL");
      this.db.run("BEGIN IMMEDIATE");
      participant?.begin();
      for (const item of batch) {
        this.db.run("SAVEPOINT op");
        try {
          const value = item.op();
          this.db.run("RELEASE op");
          participant?.opEnded(true);
          outcomes.push({ ok: true, value });
        } catch (error) {
          // On some errors (disk full, I/O) SQLite has already rolled back the
          // whole transaction: the batch is lost, and this error is its cause.
          if (!this.db.inTransaction) throw error;
          this.db.run("ROLLBACK TO op");
          this.db.run("RELEASE op");
          participant?.opEnded(false);
          outcomes.push({ ok: false, error });
        }
      }
      participant?.beforeCommit();
      this.db.run("COMMIT");
    } catch (err) {
      const rollbackError = this.rollback();
      const also = rollbackError ? `; the rollback failed too: ${rollbackError.message}` : "";
      const failure = new StoreUnavailableError(`database write failed: ${(err as Error).message}${also}`, { cause: err });
      for (const item of batch) item.reject(failure);
      return;
    } finally {
      participant?.end();
      if (deferSync) this.db.run("PRAGMA synchronous = FULL");
    }
    const settle = (items: number[], syncError: Error | null) => {
      for (const i of items) {
        const item = batch[i]!;
        const outcome = outcomes[i]!;
        if (syncError) item.reject(new StoreUnavailableError(`committed, but the WAL could not be synced to disk: ${syncError.message}`, { cause: syncError }));
        else if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      }
    };
    const waiting: number[] = [];
    const now: number[] = [];
    batch.forEach((item, i) => (deferSync && item.durable ? waiting : now).push(i));
    settle(now, null);
    if (waiting.length === 0) return;
    this.unsynced.push((syncError) => settle(waiting, syncError));
    this.startSync();
  }

  /** One fsync at a time; each covers every batch committed before it began. */
  private startSync(): void {
    if (this.syncing || this.unsynced.length === 0) return;
    this.syncing = true;
    const covered = this.unsynced.splice(0);
    this.options.syncWal!().then(
      () => this.finishSync(covered, null),
      (err: unknown) => this.finishSync(covered, err instanceof Error ? err : new Error(String(err))),
    );
  }

  private finishSync(covered: Release[], error: Error | null): void {
    this.syncing = false;
    for (const release of covered) release(error);
    this.startSync();
  }

  /** After a failed BEGIN or COMMIT the transaction may still be open; returns the rollback's own error. */
  private rollback(): Error | null {
    if (!this.db.inTransaction) return null;
    try {
      this.db.run("ROLLBACK");
      return null;
    } catch (err) {
      return err as Error;
    }
  }
}
