/** SQL for idempotency_keys: the first answer to each (tenant, key). */
import type { Database, Statement } from "bun:sqlite";

interface KeyRow {
  request_hash: string;
  response: string;
}

/** Statements over the idempotency_keys table. */
export class IdempotencyKeyTable {
  private readonly getStmt: Statement<KeyRow, [string, string]>;
  private readonly insertStmt: Statement;
  private readonly pruneStmt: Statement;

  constructor(db: Database) {
    this.getStmt = db.query("SELECT request_hash, response FROM idempotency_keys WHERE tenant = ? AND key = ?");
    this.insertStmt = db.query(`INSERT INTO idempotency_keys (tenant, key, request_hash, response, created_at)
      VALUES ($tenant, $key, $request_hash, $response, $now)`);
    this.pruneStmt = db.query("DELETE FROM idempotency_keys WHERE created_at < ?");
  }

  get(tenant: string, key: string): KeyRow | null {
    return this.getStmt.get(tenant, key);
  }

  insert(tenant: string, key: string, requestHash: string, response: string, now: number): void {
    this.insertStmt.run({ tenant, key, request_hash: requestHash, response, now });
  }

  prune(before: number): number {
    return this.pruneStmt.run(before).changes;
  }
}
