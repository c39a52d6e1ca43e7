/**
 * The write side of stats: counts each delivery, status change and attempt
 * into per-minute rows (stats_live, stats_live_counts, migration 0005), in
 * the transaction of the write it counts. The deliveries and attempts
 * modules call it from every statement that creates a row or changes a
 * status, so no code path can write one uncounted; the fold-stats job moves
 * the minute rows into the rollups (StatsTable.fold).
 *
 * Single-row upserts, one to three per write: they touch a handful of hot
 * pages and open no statement journal, which is what made the triggers this
 * replaces cost several times as much (see the migration).
 */
import type { Database, Statement } from "bun:sqlite";
import { LatencyBins } from "./stats-histogram.ts";
import type { DeliveryStatus } from "./types.ts";

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

/** Upserts into the minute rows. */
export class StatsCounter {
  private readonly bins: LatencyBins;
  private readonly statusStmt: Statement<unknown, [number, string, string, number, number, number]>;
  private readonly attemptStmt: Statement<unknown, [number, string, string, number]>;
  private readonly measureStmt: Statement<unknown, [number, string, string, Measure, string]>;

  constructor(db: Database) {
    this.bins = LatencyBins.load(db);
    this.statusStmt = db.query(`INSERT INTO stats_live (bucket_start, endpoint_key, tenant, pending, succeeded, failed)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6)
      ON CONFLICT DO UPDATE SET pending = pending + excluded.pending, succeeded = succeeded + excluded.succeeded,
        failed = failed + excluded.failed`);
    this.attemptStmt = db.query(`INSERT INTO stats_live (bucket_start, endpoint_key, tenant, attempts, failures)
      VALUES (?1, ?2, ?3, 1, ?4) ON CONFLICT DO UPDATE SET attempts = attempts + 1, failures = failures + excluded.failures`);
    this.measureStmt = db.query(`INSERT INTO stats_live_counts (bucket_start, endpoint_key, tenant, measure, key, n)
      VALUES (?1, ?2, ?3, ?4, ?5, 1) ON CONFLICT DO UPDATE SET n = n + 1`);
  }

  /** A new delivery counts once, in the minute of its creation, under its status. */
  created(d: CountedDelivery, status: DeliveryStatus): void {
    if (d.isTest) return;
    this.statusStmt.run(minuteOf(d.createdAt), d.endpointId ?? "", d.tenant, +(status === "pending"), +(status === "succeeded"), +(status === "failed"));
  }

  /** ... and moves between statuses with it. */
  moved(d: CountedDelivery, from: DeliveryStatus, to: DeliveryStatus): void {
    if (d.isTest || from === to) return;
    const delta = (s: DeliveryStatus) => (to === s ? 1 : 0) - (from === s ? 1 : 0);
    this.statusStmt.run(minuteOf(d.createdAt), d.endpointId ?? "", d.tenant, delta("pending"), delta("succeeded"), delta("failed"));
  }

  /**
   * An attempt counts in the minute it started. Its duration enters the
   * latency bins unless it sent no request (endpoint_disabled); a successful
   * one adds its time to delivery: the event's acceptance (the delivery's
   * created_at) to the end of the attempt.
   */
  attempt(a: CountedAttempt, d: Pick<CountedDelivery, "tenant" | "createdAt">): void {
    if (a.isTest) return;
    const minute = minuteOf(a.startedAt);
    const ep = a.endpointId ?? "";
    this.attemptStmt.run(minute, ep, d.tenant, a.error === null ? 0 : 1);
    if (a.error !== null) this.measureStmt.run(minute, ep, d.tenant, "errors", a.error);
    if (a.error !== "endpoint_disabled") this.measureStmt.run(minute, ep, d.tenant, "latency", String(this.bins.binOf(a.durationMs)));
    if (a.error === null) this.measureStmt.run(minute, ep, d.tenant, "ttd", String(this.bins.binOf(a.startedAt + a.durationMs - d.createdAt)));
  }
}

function minuteOf(t: number): number {
  return t - (t % MINUTE);
}
