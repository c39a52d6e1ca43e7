/** SQL for the deliveries table. */
import type { Database, Statement } from "bun:sqlite";

/** Prepared statements over the deliveries table. */
export class DeliveryTable {
  private readonly failPendingStmt: Statement;

  constructor(db: Database) {
    this.failPendingStmt = db.query(`UPDATE deliveries SET status = 'failed', last_error = $reason,
      next_attempt_at = NULL, lease_until = NULL, updated_at = $now
      WHERE endpoint_id = $endpoint_id AND status = 'pending'`);
  }

  /** Ends every pending delivery of an endpoint as failed with `reason`; returns how many. */
  failPendingForEndpoint(endpointId: string, reason: string, now: number): number {
    return this.failPendingStmt.run({ endpoint_id: endpointId, reason, now }).changes;
  }
}
