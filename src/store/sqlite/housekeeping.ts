/**
 * What the SQLite backend does for itself, on its own timers, between its
 * open and its close: WAL checkpoints (on a worker, see checkpointer.ts) and
 * folding the per-minute stats into the rollups. Not part of the contract:
 * another backend has other chores, or none.
 */
import type { Database } from "bun:sqlite";
import { Checkpointer } from "./checkpointer.ts";
import type { StatsTable } from "./stats.ts";
import type { WriteQueue } from "./write-queue.ts";

/** Each second: the WAL stays short, and the checkpoint syncs it (making unsynced attempt records durable). */
const CHECKPOINT_EVERY_MS = 1000;
/** Reports are exact between folds too; folding keeps them to a few rows per bucket. */
const FOLD_EVERY_MS = 10_000;

export type Chore = "checkpoint" | "fold_stats";
/** Told of a chore that failed (it runs again at its next time). */
export type ChoreErrorHandler = (chore: Chore, err: unknown) => void;

export class SqliteHousekeeping {
  private readonly checkpointer: Checkpointer | null;
  private timers: ReturnType<typeof setInterval>[] = [];

  constructor(
    private readonly db: Database,
    private readonly writes: WriteQueue,
    private readonly stats: StatsTable,
    /** False for an in-memory database: there is no WAL to checkpoint. */
    hasWal: boolean,
    checkpointWorkerUrl?: string,
  ) {
    this.checkpointer = hasWal ? new Checkpointer(db.filename, checkpointWorkerUrl) : null;
  }

  /** Starts the timers; the chores can also be called by hand (tests). */
  start(onError: ChoreErrorHandler): void {
    const every = (ms: number, chore: Chore, run: () => Promise<unknown>) => {
      const timer = setInterval(() => void run().catch((err: unknown) => onError(chore, err)), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(CHECKPOINT_EVERY_MS, "checkpoint", () => this.checkpoint());
    every(FOLD_EVERY_MS, "fold_stats", () => this.foldStats());
  }

  /** Moves the WAL into the database file without blocking writers for long. */
  async checkpoint(): Promise<void> {
    if (this.checkpointer) await this.checkpointer.checkpoint();
    else this.db.run("PRAGMA wal_checkpoint(PASSIVE)");
  }

  /** Moves the stats counted per minute since the last fold into the rollups; returns how many minute rows. */
  foldStats(): Promise<number> {
    return this.writes.run(() => this.stats.fold());
  }

  /**
   * Stops the timers, and the checkpoint worker if one started: only then is
   * there a promise to wait for. Otherwise it is done in this turn, as
   * callers that close the database right after expect.
   */
  stop(): Promise<void> | null {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    return this.checkpointer?.started ? this.checkpointer.close() : null;
  }
}
