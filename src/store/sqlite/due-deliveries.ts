/**
 * The dispatcher's reads of the deliveries table and its leases, on the
 * lease connection (see sqlite-store.ts): each query an index range or seek
 * whatever the backlog (test/store/sqlite/dispatch-query-plans.test.ts checks
 * their plans).
 */
import type { Database, Statement } from "bun:sqlite";
import type { ClaimedDelivery } from "../contract.ts";
import { deliveryFromRow, type DeliveryRow } from "./delivery-rows.ts";

/**
 * INDEXED BY, because without statistics the planner prefers the
 * (status, id) index, which reads every pending row and sorts them.
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
  /** Whether any lease has run out by now: a seek on the leased rows, of which there are at most as many as slots. */
  expiredLease: `SELECT 1 AS x FROM deliveries INDEXED BY deliveries_leased WHERE lease_until IS NOT NULL AND lease_until <= ?1 AND status = 'pending' LIMIT 1`,
} as const;

type Claimable = DeliveryRow & { payload: string };

export class DueDeliveries {
  private readonly dueWindowStmt: Statement<{ rid: number; endpoint_id: string | null; next_attempt_at: number }, [number, number, number]>;
  private readonly byRowidStmt: Statement<Claimable, [number]>;
  private readonly pendingEndpointsStmt: Statement<{ ep: string }, []>;
  private readonly dueForEndpointStmt: Statement<Claimable, [string, number, number, number]>;
  private readonly dueForCallbacksStmt: Statement<Claimable, [number, number, number]>;
  private readonly earliestStmt: Statement<{ t: number | null }, []>;
  private readonly expiredLeaseStmt: Statement<{ x: number }, [number]>;
  private readonly leaseStmt: Statement;

  constructor(db: Database) {
    this.dueWindowStmt = db.query(DISPATCH_QUERIES.dueWindow);
    this.byRowidStmt = db.query(`SELECT d.*, e.payload FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.rowid = ?`);
    this.pendingEndpointsStmt = db.query(DISPATCH_QUERIES.pendingEndpoints);
    this.dueForEndpointStmt = db.query(DISPATCH_QUERIES.dueForEndpoint);
    this.dueForCallbacksStmt = db.query(DISPATCH_QUERIES.dueForCallbacks);
    this.earliestStmt = db.query(DISPATCH_QUERIES.earliestDue);
    this.expiredLeaseStmt = db.query(DISPATCH_QUERIES.expiredLease);
    // A lease is a due time in the future: if the holder dies, the delivery
    // simply becomes due again when the lease runs out.
    this.leaseStmt = db.query("UPDATE deliveries SET lease_until = $until, next_attempt_at = $until, leased_at = $now, lease_owner = $owner WHERE id = $id");
  }

  /**
   * The earliest due deliveries as (rowid, endpoint) pairs, read from the
   * index alone: cheap enough to look further than what can be taken.
   */
  window(now: number, limit: number, maxRowid: number): { rid: number; endpointId: string | null }[] {
    return this.dueWindowStmt.all(now, limit, maxRowid).map((r) => ({ rid: r.rid, endpointId: r.endpoint_id }));
  }

  /** One delivery with its payload, by rowid (from window). */
  byRowid(rid: number): ClaimedDelivery | null {
    const r = this.byRowidStmt.get(rid);
    return r ? { delivery: deliveryFromRow(r), payload: r.payload } : null;
  }

  /** Ids of the endpoints that have any pending delivery, due or not. */
  pendingEndpoints(): string[] {
    return this.pendingEndpointsStmt.all().map((r) => r.ep);
  }

  /** The earliest due deliveries of one endpoint (null: one-off callback_url deliveries), at rowids up to `maxRowid`. */
  dueFor(endpointId: string | null, now: number, limit: number, maxRowid: number): ClaimedDelivery[] {
    const rows = endpointId === null ? this.dueForCallbacksStmt.all(now, limit, maxRowid) : this.dueForEndpointStmt.all(endpointId, now, limit, maxRowid);
    return rows.map((r) => ({ delivery: deliveryFromRow(r), payload: r.payload }));
  }

  earliestDue(): number | null {
    return this.earliestStmt.get()?.t ?? null;
  }

  anyLeaseExpired(now: number): boolean {
    return this.expiredLeaseStmt.get(now) != null;
  }

  lease(id: string, lease: { owner: string; until: number; at: number }): void {
    this.leaseStmt.run({ id, until: lease.until, now: lease.at, owner: lease.owner });
  }
}
