/** SQL for the events table. */
import type { Database, Statement } from "bun:sqlite";
import type { StoredEvent } from "../../domain/model.ts";

interface EventRow {
  id: string;
  tenant: string;
  type: string;
  payload: string;
  occurred_at: number;
  callback_url: string | null;
  is_test: number;
  created_at: number;
}

function fromRow(r: EventRow): StoredEvent {
  return {
    id: r.id,
    tenant: r.tenant,
    type: r.type,
    payload: r.payload,
    occurredAt: r.occurred_at,
    callbackUrl: r.callback_url,
    isTest: r.is_test === 1,
    createdAt: r.created_at,
  };
}

/** Statements over the events table. */
export class EventTable {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<EventRow, [string]>;
  private readonly pruneStmt: Statement;

  constructor(db: Database) {
    this.insertStmt = db.query(`INSERT INTO events (id, tenant, type, payload, occurred_at, callback_url, is_test, created_at)
      VALUES ($id, $tenant, $type, $payload, $occurred_at, $callback_url, $is_test, $now)`);
    this.getStmt = db.query("SELECT * FROM events WHERE id = ?");
    // Oldest first, and only events none of whose deliveries is still pending.
    this.pruneStmt = db.query(`DELETE FROM events WHERE id IN (
      SELECT e.id FROM events e WHERE e.created_at < $before
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
      ORDER BY e.created_at LIMIT $limit)`);
  }

  insert(e: Omit<StoredEvent, "createdAt">, now: number): void {
    this.insertStmt.run({
      id: e.id,
      tenant: e.tenant,
      type: e.type,
      payload: e.payload,
      occurred_at: e.occurredAt,
      callback_url: e.callbackUrl,
      is_test: e.isTest ? 1 : 0,
      now,
    });
  }

  get(id: string): StoredEvent | null {
    const row = this.getStmt.get(id);
    return row ? fromRow(row) : null;
  }

  /** Deletes up to `limit` finished events created before `before`; deliveries and attempts cascade. */
  prune(before: number, limit: number): number {
    return this.pruneStmt.run({ before, limit }).changes;
  }
}
