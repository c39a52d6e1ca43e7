/** SQL for the attempts table: one row per try, with what stats bin it under. */
import type { SQL } from "bun";
import type { Attempt } from "../../domain/model.ts";
import { measuresLatency } from "../../domain/outcome.ts";
import { attemptFromRow, type AttemptRow } from "./rows.ts";
import { LATENCY_BINS } from "./stats-bins.ts";

/** An attempt to write, with what stats need of its delivery. */
export interface AttemptInsert {
  attempt: Attempt;
  tenant: string;
  /** The delivery's created_at: time to delivery is measured from it. */
  deliveryCreatedAt: number;
}

/**
 * Counted exactly as the SQLite backend's StatsCounter counts: latency
 * unless nothing was measured (measuresLatency), time to delivery for a
 * success; test sends never.
 */
function row({ attempt: a, tenant, deliveryCreatedAt }: AttemptInsert) {
  const counted = !a.isTest;
  return {
    id: a.id,
    delivery_id: a.deliveryId,
    endpoint_id: a.endpointId,
    tenant,
    n: a.n,
    started_at: a.startedAt,
    duration_ms: a.durationMs,
    status_code: a.statusCode,
    error: a.error,
    request_headers: JSON.stringify(a.requestHeaders),
    response_headers: a.responseHeaders === null ? null : JSON.stringify(a.responseHeaders),
    response_body: a.responseBody,
    response_truncated: a.responseTruncated,
    next_attempt_at: a.nextAttemptAt,
    is_test: a.isTest,
    latency_bin: counted && measuresLatency(a.error) ? LATENCY_BINS.binOf(a.durationMs) : null,
    ttd_bin: counted && a.error === null ? LATENCY_BINS.binOf(a.startedAt + a.durationMs - deliveryCreatedAt) : null,
  };
}

/** Writes the attempts in one statement. */
export async function insertAttempts(sql: SQL, list: AttemptInsert[]): Promise<void> {
  if (list.length === 0) return;
  await sql`INSERT INTO attempts ${sql(list.map(row))}`;
}

export async function attemptsOf(sql: SQL, deliveryId: string): Promise<Attempt[]> {
  const rows = (await sql`SELECT * FROM attempts WHERE delivery_id = ${deliveryId} ORDER BY n`) as AttemptRow[];
  return rows.map(attemptFromRow);
}
