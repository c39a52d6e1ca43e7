/** SQL for endpoint_secrets: the current secret and rotated-out ones still signing. */
import type { Database, Statement } from "bun:sqlite";
import type { EndpointSecret } from "../../domain/model.ts";

interface SecretRow {
  secret: string;
  created_at: number;
  expires_at: number | null;
}

/** Prepared statements over the endpoint_secrets table. */
export class EndpointSecretTable {
  private readonly insertStmt: Statement;
  private readonly activeStmt: Statement<SecretRow, [string, number]>;
  private readonly retireStmt: Statement;
  private readonly pruneStmt: Statement;

  constructor(db: Database) {
    this.insertStmt = db.query("INSERT INTO endpoint_secrets (endpoint_id, secret, created_at) VALUES (?, ?, ?)");
    this.activeStmt = db.query(`SELECT secret, created_at, expires_at FROM endpoint_secrets
      WHERE endpoint_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY seq DESC`);
    this.retireStmt = db.query("UPDATE endpoint_secrets SET expires_at = ? WHERE endpoint_id = ? AND expires_at IS NULL");
    // Drops expired secrets and all but the newest `keep` rotated-out ones.
    this.pruneStmt = db.query(`DELETE FROM endpoint_secrets WHERE endpoint_id = $id AND expires_at IS NOT NULL
      AND (expires_at <= $now OR seq NOT IN (SELECT seq FROM endpoint_secrets
        WHERE endpoint_id = $id AND expires_at IS NOT NULL ORDER BY seq DESC LIMIT $keep))`);
  }

  insert(endpointId: string, secret: string, now: number): void {
    this.insertStmt.run(endpointId, secret, now);
  }

  /** Current first, then the rotated-out ones that still sign at `now`, newest first. */
  active(endpointId: string, now: number): EndpointSecret[] {
    return this.activeStmt
      .all(endpointId, now)
      .map((r) => ({ secret: r.secret, createdAt: r.created_at, expiresAt: r.expires_at }))
      .sort((a, b) => (a.expiresAt === null ? -1 : b.expiresAt === null ? 1 : 0));
  }

  /** Marks the current secret as ending at `expiresAt`. */
  retireCurrent(endpointId: string, expiresAt: number): void {
    this.retireStmt.run(expiresAt, endpointId);
  }

  prune(endpointId: string, now: number, keep: number): void {
    this.pruneStmt.run({ id: endpointId, now, keep });
  }
}
