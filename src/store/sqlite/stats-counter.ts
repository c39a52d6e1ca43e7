/**
 * The write side of stats: counts each delivery, status change and attempt
 * into per-minute rows (stats_live, stats_live_counts, migration 0005). The
 * deliveries and attempts modules call it from every statement that creates
 * a row or changes a status, so no code path writes one uncounted; the
 * fold-stats job moves the minute rows into the rollups (StatsTable.fold).
 *
 * Counts gather in memory through one WriteQueue batch and are written just
 * before its COMMIT, one upsert per minute row touched: a batch of a hundred
 * attempts on one endpoint writes a handful of rows, outside the
 * operations' savepoints, whose journal copies of every touched page are
 * most of a write's cost. An operation rolled back takes its counts with it
 * (opEnded(false)). Counting outside a batch throws, so a write path that
 * bypasses the queue fails loudly instead of going uncounted.
 */
import type { Database, Statement } from "bun:sqlite";
import { measuresLatency } from "../../domain/outcome.ts";
import { LatencyBins } from "./stats-histogram.ts";
import type { DeliveryStatus } from "../../domain/model.ts";
import type { BatchParticipant } from "./write-queue.ts";

const MINUTE = 60_000;

/** What a count needs to know of a delivery. */
export interface CountedDelivery {
  endpointId: string | null;
  tenant: string;
  createdAt: number;
  isTest: boolean;
}

/** What a count needs to know of an attempt. */
export interface CountedAttempt {
  endpointId: string | null;
  startedAt: number;
  durationMs: number;
  error: string | null;
  isTest: boolean;
}

type Measure = "errors" | "latency" | "ttd";

/** Deltas for one minute row: attempts, failures, pending, succeeded, failed. */
interface RowTally {
  minute: number;
  endpointKey: string;
  tenant: string;
  counts: [number, number, number, number, number];
}

interface EntryTally {
  minute: number;
  endpointKey: string;
  tenant: string;
  measure: Measure;
  key: string;
  n: number;
}

/** Counts by minute row and histogram entry, keyed by their primary keys joined. */
class Tally {
  readonly rows = new Map<string, RowTally>();
  readonly entries = new Map<string, EntryTally>();

  row(minute: number, endpointKey: string, tenant: string): RowTally["counts"] {
    const id = `${minute}|${endpointKey}|${tenant}`;
    let r = this.rows.get(id);
    if (!r) {
      r = { minute, endpointKey, tenant, counts: [0, 0, 0, 0, 0] };
      this.rows.set(id, r);
    }
    return r.counts;
  }

  entry(minute: number, endpointKey: string, tenant: string, measure: Measure, key: string, n: number): void {
    const id = `${minute}|${endpointKey}|${tenant}|${measure}|${key}`;
    const e = this.entries.get(id);
    if (e) e.n += n;
    else this.entries.set(id, { minute, endpointKey, tenant, measure, key, n });
  }

  addTo(other: Tally): void {
    for (const r of this.rows.values()) {
      const c = other.row(r.minute, r.endpointKey, r.tenant);
      for (let i = 0; i < 5; i++) c[i]! += r.counts[i]!;
    }
    for (const e of this.entries.values()) other.entry(e.minute, e.endpointKey, e.tenant, e.measure, e.key, e.n);
  }

  clear(): void {
    this.rows.clear();
    this.entries.clear();
  }
}

const ATTEMPTS = 0;
const FAILURES = 1;
const STATUS_COLUMN: Record<DeliveryStatus, number> = { pending: 2, succeeded: 3, failed: 4 };

/** Gathers counts per batch and upserts them into the minute rows before the COMMIT. */
export class StatsCounter implements BatchParticipant {
  private readonly bins: LatencyBins;
  private readonly rowStmt: Statement<unknown, [number, string, string, number, number, number, number, number]>;
  private readonly entryStmt: Statement<unknown, [number, string, string, Measure, string, number]>;
  /** What the running operation counted, and what the batch's kept operations did. */
  private readonly op = new Tally();
  private readonly batch = new Tally();
  private inBatch = false;

  constructor(db: Database) {
    this.bins = LatencyBins.load(db);
    this.rowStmt = db.query(`INSERT INTO stats_live (bucket_start, endpoint_key, tenant, attempts, failures, pending, succeeded, failed)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
      ON CONFLICT DO UPDATE SET attempts = attempts + excluded.attempts, failures = failures + excluded.failures,
        pending = pending + excluded.pending, succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed`);
    this.entryStmt = db.query(`INSERT INTO stats_live_counts (bucket_start, endpoint_key, tenant, measure, key, n)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET n = n + excluded.n`);
  }

  /** A new delivery counts once, in the minute of its creation, under its status. */
  created(d: CountedDelivery, status: DeliveryStatus): void {
    if (d.isTest) return;
    this.tally().row(minuteOf(d.createdAt), d.endpointId ?? "", d.tenant)[STATUS_COLUMN[status]]! += 1;
  }

  /** ... and moves between statuses with it. */
  moved(d: CountedDelivery, from: DeliveryStatus, to: DeliveryStatus): void {
    if (d.isTest || from === to) return;
    const c = this.tally().row(minuteOf(d.createdAt), d.endpointId ?? "", d.tenant);
    c[STATUS_COLUMN[from]]! -= 1;
    c[STATUS_COLUMN[to]]! += 1;
  }

  /**
   * An attempt counts in the minute it started. Its duration enters the
   * latency bins unless it measured no receiver (measuresLatency: nothing
   * sent, or cut off by hookgate); a successful
   * one adds its time to delivery: the event's acceptance (the delivery's
   * created_at) to the end of the attempt.
   */
  attempt(a: CountedAttempt, d: Pick<CountedDelivery, "tenant" | "createdAt">): void {
    if (a.isTest) return;
    const t = this.tally();
    const minute = minuteOf(a.startedAt);
    const ep = a.endpointId ?? "";
    const c = t.row(minute, ep, d.tenant);
    c[ATTEMPTS]! += 1;
    if (a.error !== null) {
      c[FAILURES]! += 1;
      t.entry(minute, ep, d.tenant, "errors", a.error, 1);
    }
    if (measuresLatency(a.error)) t.entry(minute, ep, d.tenant, "latency", String(this.bins.binOf(a.durationMs)), 1);
    if (a.error === null) t.entry(minute, ep, d.tenant, "ttd", String(this.bins.binOf(a.startedAt + a.durationMs - d.createdAt)), 1);
  }

  begin(): void {
    this.inBatch = true;
  }

  opEnded(kept: boolean): void {
    if (kept) this.op.addTo(this.batch);
    this.op.clear();
  }

  beforeCommit(): void {
    for (const r of this.batch.rows.values()) {
      const [attempts, failures, pending, succeeded, failed] = r.counts;
      if (attempts || failures || pending || succeeded || failed) {
        this.rowStmt.run(r.minute, r.endpointKey, r.tenant, attempts, failures, pending, succeeded, failed);
      }
    }
    for (const e of this.batch.entries.values()) this.entryStmt.run(e.minute, e.endpointKey, e.tenant, e.measure, e.key, e.n);
    this.batch.clear();
  }

  end(): void {
    this.inBatch = false;
    this.op.clear();
    this.batch.clear();
  }

  private tally(): Tally {
    if (!this.inBatch) throw new Error("stats counted outside a write batch: run the write through the WriteQueue");
    return this.op;
  }
}

function minuteOf(t: number): number {
  return t - (t % MINUTE);
}
