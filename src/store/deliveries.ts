/** SQL for the deliveries table: the outbox the dispatcher works from. */
import type { Database, Statement } from "bun:sqlite";
import type { CountedDelivery, StatsCounter } from "./stats-counter.ts";
import type { ClaimedDelivery, Delivery, DeliveryQuery, DeliveryStatus, NewDelivery } from "./types.ts";

interface DeliveryRow {
  id: string;
  event_id: string;
  tenant: string;
  event_type: string;
  endpoint_id: string | null;
  url: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: number | null;
  lease_until: number | null;
  last_error: string | null;
  schedule_start: number;
  is_test: number;
  created_at: number;
  updated_at: number;
}

function fromRow(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    eventId: r.event_id,
    tenant: r.tenant,
    eventType: r.event_type,
    endpointId: r.endpoint_id,
    url: r.url,
    status: r.status,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    lastError: r.last_error,
    scheduleStart: r.schedule_start,
    isTest: r.is_test === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const MAX_ID = "\uffff";

/** What a status change hands the stats counter, from RETURNING. */
const COUNTED = "RETURNING endpoint_id, tenant, created_at, is_test";
interface CountedRow {
  endpoint_id: string | null;
  tenant: string;
  created_at: number;
  is_test: number;
}

function counted(r: CountedRow): CountedDelivery {
  return { endpointId: r.endpoint_id, tenant: r.tenant, createdAt: r.created_at, isTest: r.is_test === 1 };
}

/**
 * The dispatcher's hot queries, each an index range or seek whatever the
 * backlog (a test checks their plans). INDEXED BY, because without
 * statistics the planner prefers the (status, id) index, which reads every
 * pending row and sorts them.
 */
export const DISPATCH_QUERIES = {
  /** The earliest due deliveries as (rowid, endpoint), from the index alone. */
  dueWindow: `SELECT d.rowid AS rid, d.endpoint_id, d.next_attempt_at FROM deliveries d INDEXED BY deliveries_due
    WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND d.rowid <= ?3 ORDER BY d.next_attempt_at LIMIT ?2`,
  /** Every endpoint with pending work, one seek each (a loose index scan; SQLite has no skip-scan without statistics). */
  pendingEndpoints: `WITH RECURSIVE eps(ep) AS (
      SELECT min(endpoint_id) FROM deliveries INDEXED BY deliveries_due_by_endpoint WHERE status = 'pending'
      UNION ALL
      SELECT (SELECT min(endpoint_id) FROM deliveries INDEXED BY deliveries_due_by_endpoint
              WHERE status = 'pending' AND endpoint_id > eps.ep)
      FROM eps WHERE eps.ep IS NOT NULL)
    SELECT ep FROM eps WHERE ep IS NOT NULL`,
  dueForEndpoint: `SELECT d.*, e.payload FROM deliveries d INDEXED BY deliveries_due_by_endpoint JOIN events e ON e.id = d.event_id
    WHERE d.status = 'pending' AND d.endpoint_id = ?1 AND d.next_attempt_at <= ?2 AND d.rowid <= ?4 ORDER BY d.next_attempt_at LIMIT ?3`,
  dueForCallbacks: `SELECT d.*, e.payload FROM deliveries d INDEXED BY deliveries_due_by_endpoint JOIN events e ON e.id = d.event_id
    WHERE d.status = 'pending' AND d.endpoint_id IS NULL AND d.next_attempt_at <= ?1 AND d.rowid <= ?3 ORDER BY d.next_attempt_at LIMIT ?2`,
  earliestDue: `SELECT min(next_attempt_at) AS t FROM deliveries INDEXED BY deliveries_due WHERE status = 'pending'`,
} as const;

/** A lease a dead process left behind: the attempt it was making was cut off. */
export interface LeftLease {
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

/**
 * Statements over the deliveries table. Every statement that creates a
 * delivery or changes its status also counts it for stats (StatsCounter).
 */
export class DeliveryTable {
  private readonly db: Database;
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<DeliveryRow, [string]>;
  private readonly forEventStmt: Statement<DeliveryRow, [string]>;
  private readonly dueWindowStmt: Statement<{ rid: number; endpoint_id: string | null; next_attempt_at: number }, [number, number, number]>;
  private readonly maxRowidStmt: Statement;
  private readonly byRowidStmt: Statement<DeliveryRow & { payload: string }, [number]>;
  private readonly pendingEndpointsStmt: Statement<{ ep: string }, []>;
  private readonly dueForEndpointStmt: Statement<DeliveryRow & { payload: string }, [string, number, number, number]>;
  private readonly dueForCallbacksStmt: Statement<DeliveryRow & { payload: string }, [number, number, number]>;
  private readonly leaseStmt: Statement;
  private readonly finishStmt: Statement;
  private readonly failPendingStmt: Statement<CountedRow>;
  private readonly requeueStmt: Statement<CountedRow>;
  private readonly recoverStmt: Statement<CountedRow>;
  private readonly earliestStmt: Statement<{ t: number | null }, []>;
  private readonly leftLeasesStmt: Statement<
    { id: string; endpoint_id: string | null; tenant: string; created_at: number; attempt_count: number; leased_at: number | null; lease_until: number; is_test: number },
    []
  >;
  private readonly cutStmt: Statement<CountedRow>;
  private readonly shiftStmt: Statement;

  constructor(
    db: Database,
    private readonly counter: StatsCounter,
  ) {
    this.db = db;
    this.insertStmt = db.query(`INSERT INTO deliveries (id, event_id, tenant, event_type, endpoint_id, url, status,
      attempt_count, next_attempt_at, lease_until, leased_at, last_error, is_test, created_at, updated_at)
      VALUES ($id, $event_id, $tenant, $event_type, $endpoint_id, $url, $status, $attempt_count, $next_attempt_at,
      $lease_until, CASE WHEN $lease_until IS NULL THEN NULL ELSE $now END, $last_error, $is_test, $now, $now)`);
    this.getStmt = db.query("SELECT * FROM deliveries WHERE id = ?");
    this.forEventStmt = db.query("SELECT * FROM deliveries WHERE event_id = ? ORDER BY id");
    this.dueWindowStmt = db.query(DISPATCH_QUERIES.dueWindow);
    this.maxRowidStmt = db.query("SELECT max(rowid) AS m FROM deliveries");
    this.byRowidStmt = db.query(`SELECT d.*, e.payload FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.rowid = ?`);
    this.pendingEndpointsStmt = db.query(DISPATCH_QUERIES.pendingEndpoints);
    this.dueForEndpointStmt = db.query(DISPATCH_QUERIES.dueForEndpoint);
    this.dueForCallbacksStmt = db.query(DISPATCH_QUERIES.dueForCallbacks);
    // A lease is a due time in the future: if the holder dies, the delivery
    // simply becomes due again when the lease runs out.
    this.leaseStmt = db.query("UPDATE deliveries SET lease_until = $until, next_attempt_at = $until, leased_at = $now WHERE id = $id");
    this.finishStmt = db.query(`UPDATE deliveries SET status = $status, attempt_count = attempt_count + 1,
      next_attempt_at = $next_attempt_at, lease_until = NULL, leased_at = NULL, last_error = $last_error, updated_at = $now
      WHERE id = $id AND status = 'pending'`);
    this.failPendingStmt = db.query(`UPDATE deliveries SET status = 'failed', last_error = $reason,
      next_attempt_at = NULL, lease_until = NULL, leased_at = NULL, updated_at = $now
      WHERE endpoint_id = $endpoint_id AND status = 'pending' ${COUNTED}`);
    this.requeueStmt = db.query(`UPDATE deliveries SET status = 'pending', next_attempt_at = $now, lease_until = NULL,
      leased_at = NULL, schedule_start = attempt_count, updated_at = $now WHERE id = $id AND status = $from ${COUNTED}`);
    this.recoverStmt = db.query(`UPDATE deliveries SET status = 'pending', next_attempt_at = $now, lease_until = NULL,
      leased_at = NULL, schedule_start = attempt_count, updated_at = $now
      WHERE endpoint_id = $endpoint_id AND status = 'failed' AND is_test = 0 AND created_at >= $since ${COUNTED}`);
    this.earliestStmt = db.query(DISPATCH_QUERIES.earliestDue);
    this.leftLeasesStmt = db.query(`SELECT id, endpoint_id, tenant, created_at, attempt_count, leased_at, lease_until, is_test FROM deliveries
      INDEXED BY deliveries_leased WHERE lease_until IS NOT NULL AND status = 'pending' ORDER BY id`);
    this.cutStmt = db.query(`UPDATE deliveries SET status = $status, attempt_count = attempt_count + 1,
      next_attempt_at = $next_attempt_at, lease_until = NULL, leased_at = NULL, last_error = 'interrupted', updated_at = $now
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
    const { lastInsertRowid } = this.insertStmt.run({
      id: d.id,
      event_id: event.id,
      tenant: event.tenant,
      event_type: event.type,
      endpoint_id: d.endpointId,
      url: d.url,
      status: d.status,
      attempt_count: attemptCount,
      next_attempt_at: d.status === "pending" ? d.dueAt : null,
      lease_until: d.status === "pending" ? d.leaseUntil : null,
      last_error: d.lastError,
      is_test: event.isTest ? 1 : 0,
      now,
    });
    this.counter.created({ endpointId: d.endpointId, tenant: event.tenant, createdAt: now, isTest: event.isTest }, d.status);
    return Number(lastInsertRowid);
  }

  /** The highest rowid in the table, 0 when empty. */
  maxRowid(): number {
    return (this.maxRowidStmt.get() as { m: number | null }).m ?? 0;
  }

  get(id: string): Delivery | null {
    const row = this.getStmt.get(id);
    return row ? fromRow(row) : null;
  }

  forEvent(eventId: string): Delivery[] {
    return this.forEventStmt.all(eventId).map(fromRow);
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
    return (this.db.query(sql).all(params) as DeliveryRow[]).map(fromRow);
  }

  /**
   * The earliest due deliveries as (rowid, endpoint) pairs, read from the
   * index alone: cheap enough to look further than what can be taken.
   */
  dueWindow(now: number, limit: number, maxRowid: number): { rid: number; endpointId: string | null }[] {
    return this.dueWindowStmt.all(now, limit, maxRowid).map((r) => ({ rid: r.rid, endpointId: r.endpoint_id }));
  }

  /** One delivery with its payload, by rowid (from dueWindow). */
  byRowid(rid: number): ClaimedDelivery | null {
    const r = this.byRowidStmt.get(rid);
    return r ? { delivery: fromRow(r), payload: r.payload } : null;
  }

  /** Ids of the endpoints that have any pending delivery, due or not. */
  pendingEndpoints(): string[] {
    return this.pendingEndpointsStmt.all().map((r) => r.ep);
  }

  /** The earliest due deliveries of one endpoint (null: one-off callback_url deliveries), at rowids up to `maxRowid`. */
  dueFor(endpointId: string | null, now: number, limit: number, maxRowid: number): ClaimedDelivery[] {
    const rows = endpointId === null ? this.dueForCallbacksStmt.all(now, limit, maxRowid) : this.dueForEndpointStmt.all(endpointId, now, limit, maxRowid);
    return rows.map((r) => ({ delivery: fromRow(r), payload: r.payload }));
  }

  lease(id: string, until: number, now: number): void {
    this.leaseStmt.run({ id, until, now });
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

  earliestDue(): number | null {
    return this.earliestStmt.get()?.t ?? null;
  }

  /** Pending deliveries still leased: at start-up, the ones a dead process was attempting. */
  leftLeases(): LeftLease[] {
    return this.leftLeasesStmt.all().map((r) => ({
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
  cut(id: string, nextAttemptAt: number | null, now: number): void {
    const status = nextAttemptAt === null ? "failed" : "pending";
    const row = this.cutStmt.get({ id, status, next_attempt_at: nextAttemptAt, now });
    if (row) this.counter.moved(counted(row), "pending", status);
  }

  /** Moves the due times and leases of pending deliveries written at or before `before` by `stepMs`; returns how many. */
  shift(stepMs: number, before: number): number {
    return this.shiftStmt.run({ step: stepMs, before }).changes;
  }
}
