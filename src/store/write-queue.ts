/**
 * Group commit for SQLite. Writers queue a synchronous operation; every
 * operation queued before the next turn of the event loop runs in one
 * transaction, each inside its own savepoint, and all of them resolve only
 * after the COMMIT (one fsync for the whole batch). An operation that throws
 * rolls back only itself; a COMMIT that fails (disk full, I/O error) rejects
 * the whole batch with StoreUnavailableError, so no caller is told "done"
 * for a write that did not reach the disk. A participant (the stats
 * counter) can gather what the kept operations did and write it once per
 * batch, just before the COMMIT.
 */
import type { Database } from "bun:sqlite";

/** The database could not commit; callers answer 503 and nothing was written. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
}

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
  resolve: (value: any) => void;
  reject: (err: unknown) => void;
}

/** Serialises and batches writes on one connection. */
export class WriteQueue {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly participant: BatchParticipant | null = null,
    private readonly maxBatch = 4096,
  ) {}

  /** Runs `op` inside the next batch's transaction; resolves after the commit. */
  run<T>(op: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError("the database is closed (hookgate is stopping); nothing was written"));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
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
    const { participant } = this;
    try {
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
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
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
