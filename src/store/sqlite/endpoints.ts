/** SQL for the endpoints table. Synchronous; endpoint-store.ts and delivery-store.ts wrap it. */
import type { Database, Statement } from "bun:sqlite";
import type { DisabledReason, Endpoint } from "../../domain/model.ts";
import type { EndpointPatch, NewEndpoint } from "../contract.ts";

interface EndpointRow {
  id: string;
  tenant: string;
  url: string;
  description: string;
  event_types: string;
  headers: string;
  metadata: string;
  state: "enabled" | "disabled";
  disabled_reason: DisabledReason | null;
  failing_since: number | null;
  last_success_at: number | null;
  consecutive_failures: number;
  created_at: number;
  updated_at: number;
}

function fromRow(row: EndpointRow): Endpoint {
  return {
    id: row.id,
    tenant: row.tenant,
    url: row.url,
    description: row.description,
    eventTypes: JSON.parse(row.event_types) as string[],
    headers: JSON.parse(row.headers) as Record<string, string>,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    state: row.state,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    lastSuccessAt: row.last_success_at,
    consecutiveFailures: row.consecutive_failures,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const MAX_ID = "\uffff";

/** Statements over the endpoints table (db.query: compiled once, finalized when the database closes). */
export class EndpointTable {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<EndpointRow, [string]>;
  private readonly listAllStmt: Statement<EndpointRow, [string, number]>;
  private readonly listTenantStmt: Statement<EndpointRow, [string, string, number]>;
  private readonly updateStmt: Statement;
  private readonly enableStmt: Statement;
  private readonly disableStmt: Statement;
  private readonly deleteStmt: Statement;
  private readonly forTenantStmt: Statement<EndpointRow, [string]>;
  private readonly failingStmt: Statement<{ failing_since: number | null }, [string]>;
  private readonly healthySuccessStmt: Statement;
  private readonly successStmt: Statement;
  private readonly failureStmt: Statement<{ consecutive_failures: number; failing_since: number; state: "enabled" | "disabled" }>;
  private readonly failingLongStmt: Statement<{ id: string }, [number]>;

  constructor(db: Database) {
    this.insertStmt = db.query(`INSERT INTO endpoints
      (id, tenant, url, description, event_types, headers, metadata, state, created_at, updated_at)
      VALUES ($id, $tenant, $url, $description, $event_types, $headers, $metadata, 'enabled', $now, $now)`);
    this.getStmt = db.query("SELECT * FROM endpoints WHERE id = ?");
    this.listAllStmt = db.query("SELECT * FROM endpoints WHERE id < ? ORDER BY id DESC LIMIT ?");
    this.listTenantStmt = db.query("SELECT * FROM endpoints WHERE tenant = ? AND id < ? ORDER BY id DESC LIMIT ?");
    this.updateStmt = db.query(`UPDATE endpoints SET url = $url, description = $description,
      event_types = $event_types, headers = $headers, metadata = $metadata, updated_at = $now WHERE id = $id`);
    this.enableStmt = db.query(`UPDATE endpoints SET state = 'enabled', disabled_reason = NULL,
      consecutive_failures = 0, failing_since = NULL, updated_at = $now WHERE id = $id`);
    this.disableStmt = db.query(`UPDATE endpoints SET state = 'disabled', disabled_reason = $reason,
      updated_at = $now WHERE id = $id`);
    this.deleteStmt = db.query("DELETE FROM endpoints WHERE id = ?");
    this.forTenantStmt = db.query("SELECT * FROM endpoints WHERE tenant = ? ORDER BY id");
    // Health is not configuration: updated_at stays as the operator left it.
    this.failingStmt = db.query("SELECT failing_since FROM endpoints WHERE id = ?");
    this.healthySuccessStmt = db.query(`UPDATE endpoints SET last_success_at = $at
      WHERE id = $id AND failing_since IS NULL AND consecutive_failures = 0`);
    this.successStmt = db.query(`UPDATE endpoints SET consecutive_failures = 0, failing_since = NULL,
      last_success_at = $at WHERE id = $id`);
    this.failureStmt = db.query(`UPDATE endpoints SET consecutive_failures = consecutive_failures + 1,
      failing_since = coalesce(failing_since, $at) WHERE id = $id RETURNING consecutive_failures, failing_since, state`);
    this.failingLongStmt = db.query(`SELECT id FROM endpoints WHERE state = 'enabled' AND failing_since IS NOT NULL
      AND failing_since <= ?`);
  }

  /** Every endpoint of a tenant, oldest first. */
  forTenant(tenant: string): Endpoint[] {
    return this.forTenantStmt.all(tenant).map(fromRow);
  }

  /** A success ends the failure streak; answers when the streak it ended began (null: none), or undefined for no such endpoint. */
  recordSuccess(id: string, at: number): { endedStreakSince: number | null } | undefined {
    // The common case, an endpoint that was not failing: one statement on the hot path.
    if (this.healthySuccessStmt.run({ id, at }).changes > 0) return { endedStreakSince: null };
    const row = this.failingStmt.get(id);
    if (!row) return undefined;
    this.successStmt.run({ id, at });
    return { endedStreakSince: row.failing_since };
  }

  /** A failure extends the streak; `at` starts it when there was none. undefined for no such endpoint. */
  recordFailure(id: string, at: number): { startedStreak: boolean; failingSince: number; enabled: boolean } | undefined {
    const row = this.failureStmt.get({ id, at });
    if (!row) return undefined;
    return { startedStreak: row.consecutive_failures === 1, failingSince: row.failing_since, enabled: row.state === "enabled" };
  }

  /** Enabled endpoints whose failure streak started at or before `failingSince`. */
  failingSince(failingSince: number): string[] {
    return this.failingLongStmt.all(failingSince).map((r) => r.id);
  }

  insert(e: NewEndpoint, now: number): void {
    this.insertStmt.run({
      id: e.id,
      tenant: e.tenant,
      url: e.url,
      description: e.description,
      event_types: JSON.stringify(e.eventTypes),
      headers: JSON.stringify(e.headers),
      metadata: JSON.stringify(e.metadata),
      now,
    });
  }

  get(id: string): Endpoint | null {
    const row = this.getStmt.get(id);
    return row ? fromRow(row) : null;
  }

  list(limit: number, before: string | undefined, tenant: string | undefined): Endpoint[] {
    const rows =
      tenant === undefined
        ? this.listAllStmt.all(before ?? MAX_ID, limit)
        : this.listTenantStmt.all(tenant, before ?? MAX_ID, limit);
    return rows.map(fromRow);
  }

  update(current: Endpoint, patch: EndpointPatch, now: number): void {
    this.updateStmt.run({
      id: current.id,
      url: patch.url ?? current.url,
      description: patch.description ?? current.description,
      event_types: JSON.stringify(patch.eventTypes ?? current.eventTypes),
      headers: JSON.stringify(patch.headers ?? current.headers),
      metadata: JSON.stringify(patch.metadata ?? current.metadata),
      now,
    });
  }

  enable(id: string, now: number): void {
    this.enableStmt.run({ id, now });
  }

  disable(id: string, reason: DisabledReason, now: number): void {
    this.disableStmt.run({ id, reason, now });
  }

  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}
