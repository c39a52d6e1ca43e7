/** SQL for the deliveries table: the outbox, its status changes and its leases. */
import type { Database, Statement } from "bun:sqlite";
import type { Delivery, DeliveryStatus } from "../../domain/model.ts";
import type { DeliveryQuery, NewDelivery } from "../contract.ts";
import { COUNTED, counted, deliveryFromRow, type CountedRow, type DeliveryRow } from "./delivery-rows.ts";
import type { CountedDelivery, StatsCounter } from "./stats-counter.ts";

const MAX_ID = "\uffff";
/** Later than any lease: "whatever their expiry". */
const NO_EXPIRY_LIMIT = Number.MAX_SAFE_INTEGER;

/** A lease found to be dead: the attempt it covered was cut off. */
export interface DeadLease {
  id: string;
  endpointId: string | null;
  tenant: string;
  createdAt: number;
  /** attempt_count before the cut attempt. */
  attemptCount: number;
  /** When the lease was taken; null for leases older than that column. */
  leasedAt: number | null;
  leaseUntil: number;
  isTest: boolean;
}

/** Which leases: those of some owners (or all), expired by some time (or whatever their expiry). */
export interface LeaseFilter {
  owners: readonly string[] | "all";
  expiredBy?: number | undefined;
}

/**
 * Statements over the deliveries table on the main connection. Every
 * statement that creates a delivery or changes its status also counts it for
 * stats (StatsCounter). The claim's reads and leases are in due-deliveries.ts.
 */
export class DeliveryTable {
  private readonly db: Database;
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<DeliveryRow, [string]>;
  private readonly forEventStmt: Statement<DeliveryRow, [string]>;
  private readonly maxRowidStmt: Statement<{ m: number | null }, []>;
  private readonly finishStmt: Statement;
  private readonly failPendingStmt: Statement<CountedRow>;
  private readonly requeueStmt: Statement<CountedRow>;
  private readonly recoverStmt: Statement<CountedRow>;
  private readonly leasesStmt: Statement<
    { id: string; endpoint_id: string | null; tenant: string; created_at: number; attempt_count: number; leased_at: number | null; lease_until: number; is_test: number }
  >;
  private readonly interruptedStmt: Statement<CountedRow>;
  private readonly shiftStmt: Statement;

  constructor(
    db: Database,
    private readonly counter: StatsCounter,
  ) {
    this.db = db;
    this.insertStmt = db.query(`INSERT INTO deliveries (id, event_id, tenant, event_type, endpoint_id, url, status,
      attempt_count, next_attempt_at, lease_until, leased_at, lease_owner, last_error, is_test, created_at, updated_at)
      VALUES ($id, $event_id, $tenant, $event_type, $endpoint_id, $url, $status, $attempt_count, $next_attempt_at,
      $lease_until, CASE WHEN $lease_until IS NULL THEN NULL ELSE $now END, $lease_owner, $last_error, $is_test, $now, $now)`);
    this.getStmt = db.query("SELECT * FROM deliveries WHERE id = ?");
    this.forEventStmt = db.query("SELECT * FROM deliveries WHERE event_id = ? ORDER BY id");
    this.maxRowidStmt = db.query("SELECT max(rowid) AS m FROM deliveries");
    this.finishStmt = db.query(`UPDATE deliveries SET status = $status, attempt_count = attempt_count + 1,
      next_attempt_at = $next_attempt_at, lease_until = NULL, leased_at = NULL, lease_owner = NULL, last_error = $last_error, updated_at = $now
      WHERE id = $id AND status = 'pending'`);
    this.failPendingStmt = db.query(`UPDATE deliveries SET status = 'failed', last_error = $reason,
      next_attempt_at = NULL, lease_until = NULL, leased_at = NULL, lease_owner = NULL, updated_at = $now
      WHERE endpoint_id = $endpoint_id AND status = 'pending' ${COUNTED}`);
    this.requeueStmt = db.query(`UPDATE deliveries SET status = 'pending', next_attempt_at = $now, lease_until = NULL,
      leased_at = NULL, lease_owner = NULL, schedule_start = attempt_count, updated_at = $now WHERE id = $id AND status = $from ${COUNTED}`);
    this.recoverStmt = db.query(`UPDATE deliveries SET status = 'pending', next_attempt_at = $now, lease_until = NULL,
      leased_at = NULL, lease_owner = NULL, schedule_start = attempt_count, updated_at = $now
      WHERE endpoint_id = $endpoint_id AND status = 'failed' AND is_test = 0 AND created_at >= $since ${COUNTED}`);
    // Owners as a JSON array: one cached statement for any number of them.
    this.leasesStmt = db.query(`SELECT id, endpoint_id, tenant, created_at, attempt_count, leased_at, lease_until, is_test
      FROM deliveries INDEXED BY deliveries_leased
      WHERE lease_until IS NOT NULL AND lease_until <= $expired_by AND status = 'pending'
        AND ($all = 1 OR lease_owner IN (SELECT value FROM json_each($owners)))
      ORDER BY id`);
    this.interruptedStmt = db.query(`UPDATE deliveries SET status = $status, attempt_count = attempt_count + 1,
      next_attempt_at = $next_attempt_at, lease_until = NULL, leased_at = NULL, lease_owner = NULL, last_error = 'interrupted', updated_at = $now
      WHERE id = $id AND status = 'pending' ${COUNTED}`);
    // Only rows whose times were written before the step: a row written
    // since (an ingest, a recorded attempt) already carries stepped times.
    // Those are told apart by updated_at (or leased_at, when the lease is
    // newer) on the old side of `before`; exact for a forward step longer
    // than the time since the last look. Rows written between a backward
    // step and its detection move too: they only come due early.
    this.shiftStmt = db.query(`UPDATE deliveries SET next_attempt_at = next_attempt_at + $step,
      lease_until = lease_until + $step, leased_at = leased_at + $step
      WHERE status = 'pending' AND max(updated_at, coalesce(leased_at, updated_at)) <= $before`);
  }

  /** Inserts the delivery; returns its rowid. */
  insert(d: NewDelivery, event: { id: string; tenant: string; type: string; isTest: boolean }, attemptCount: number, now: number): number {
    const pending = d.status === "pending";
    const { lastInsertRowid } = this.insertStmt.run({
      id: d.id,
      event_id: event.id,
      tenant: event.tenant,
      event_type: event.type,
      endpoint_id: d.endpointId,
      url: d.url,
      status: d.status,
      attempt_count: attemptCount,
      next_attempt_at: pending ? d.dueAt : null,
      lease_until: pending ? (d.lease?.until ?? null) : null,
      lease_owner: pending ? (d.lease?.owner ?? null) : null,
      last_error: d.lastError,
      is_test: event.isTest ? 1 : 0,
      now,
    });
    this.counter.created({ endpointId: d.endpointId, tenant: event.tenant, createdAt: now, isTest: event.isTest }, d.status);
    return Number(lastInsertRowid);
  }

  /** The highest rowid in the table, 0 when empty. */
  maxRowid(): number {
    return this.maxRowidStmt.get()?.m ?? 0;
  }

  get(id: string): Delivery | null {
    const row = this.getStmt.get(id);
    return row ? deliveryFromRow(row) : null;
  }

  forEvent(eventId: string): Delivery[] {
    return this.forEventStmt.all(eventId).map(deliveryFromRow);
  }

  /** Newest first, with the filters given; each combination is one cached statement. */
  list(q: DeliveryQuery): Delivery[] {
    const where = ["id < $before"];
    const params: Record<string, string | number> = { before: q.before ?? MAX_ID, limit: q.limit };
    if (q.status !== undefined) (where.push("status = $status"), (params.status = q.status));
    if (q.endpointId !== undefined) (where.push("endpoint_id = $endpoint_id"), (params.endpoint_id = q.endpointId));
    if (q.tenant !== undefined) (where.push("tenant = $tenant"), (params.tenant = q.tenant));
    if (q.eventType !== undefined) (where.push("event_type = $event_type"), (params.event_type = q.eventType));
    const sql = `SELECT * FROM deliveries WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT $limit`;
    return (this.db.query(sql).all(params) as DeliveryRow[]).map(deliveryFromRow);
  }

  /**
   * Records the state after an attempt; false when the delivery was no longer
   * pending (deleted endpoint). The caller's copy of the delivery is what
   * stats count it under, not a RETURNING clause: that would double the
   * statement's cost on the hottest path.
   */
  finish(d: CountedDelivery & { id: string }, status: DeliveryStatus, nextAttemptAt: number | null, lastError: string | null, now: number): boolean {
    if (this.finishStmt.run({ id: d.id, status, next_attempt_at: nextAttemptAt, last_error: lastError, now }).changes === 0) return false;
    this.counter.moved(d, "pending", status);
    return true;
  }

  /** Ends every pending delivery of an endpoint as failed with `reason`; returns how many. */
  failPendingForEndpoint(endpointId: string, reason: string, now: number): number {
    return this.countMoves(this.failPendingStmt.all({ endpoint_id: endpointId, reason, now }), "pending", "failed");
  }

  /** Makes a finished delivery pending again; false when it is pending already (or gone). */
  requeue(id: string, now: number): boolean {
    const from = this.getStmt.get(id)?.status;
    if (from === undefined || from === "pending") return false;
    return this.countMoves(this.requeueStmt.all({ id, from, now }), from, "pending") > 0;
  }

  recover(endpointId: string, since: number, now: number): number {
    return this.countMoves(this.recoverStmt.all({ endpoint_id: endpointId, since, now }), "failed", "pending");
  }

  private countMoves(rows: CountedRow[], from: DeliveryStatus, to: DeliveryStatus): number {
    for (const r of rows) this.counter.moved(counted(r), from, to);
    return rows.length;
  }

  /** Pending deliveries leased by the filter's owners, in id order. */
  leases(filter: LeaseFilter): DeadLease[] {
    const all = filter.owners === "all";
    return this.leasesStmt
      .all({ expired_by: filter.expiredBy ?? NO_EXPIRY_LIMIT, all: all ? 1 : 0, owners: JSON.stringify(all ? [] : filter.owners) })
      .map((r) => ({
        id: r.id,
        endpointId: r.endpoint_id,
        tenant: r.tenant,
        createdAt: r.created_at,
        attemptCount: r.attempt_count,
        leasedAt: r.leased_at,
        leaseUntil: r.lease_until,
        isTest: r.is_test === 1,
      }));
  }

  /** Counts a cut-off (interrupted) attempt and ends the lease: due again at `nextAttemptAt`, or failed when null. */
  endInterrupted(id: string, nextAttemptAt: number | null, now: number): void {
    const status = nextAttemptAt === null ? "failed" : "pending";
    const row = this.interruptedStmt.get({ id, status, next_attempt_at: nextAttemptAt, now });
    if (row) this.counter.moved(counted(row), "pending", status);
  }

  /** Moves the due times and leases of pending deliveries written at or before `before` by `stepMs`; returns how many. */
  shift(stepMs: number, before: number): number {
    return this.shiftStmt.run({ step: stepMs, before }).changes;
  }
}
