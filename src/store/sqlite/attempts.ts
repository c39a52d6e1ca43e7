/** SQL for the attempts table: one row per try, the delivery log's detail. */
import type { Database, Statement } from "bun:sqlite";
import type { CountedDelivery, StatsCounter } from "./stats-counter.ts";
import type { Attempt } from "../../domain/model.ts";

interface AttemptRow {
  id: string;
  delivery_id: string;
  endpoint_id: string | null;
  n: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  request_headers: string;
  response_headers: string | null;
  response_body: Uint8Array | null;
  response_truncated: number;
  next_attempt_at: number | null;
  is_test: number;
}

function fromRow(r: AttemptRow): Attempt {
  return {
    id: r.id,
    deliveryId: r.delivery_id,
    endpointId: r.endpoint_id,
    n: r.n,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    statusCode: r.status_code,
    error: r.error,
    requestHeaders: JSON.parse(r.request_headers) as Record<string, string>,
    responseHeaders: r.response_headers === null ? null : (JSON.parse(r.response_headers) as Record<string, string>),
    responseBody: r.response_body,
    responseTruncated: r.response_truncated === 1,
    nextAttemptAt: r.next_attempt_at,
    isTest: r.is_test === 1,
  };
}

/** Statements over the attempts table; every attempt written is counted for stats. */
export class AttemptTable {
  private readonly insertStmt: Statement;
  private readonly forDeliveryStmt: Statement<AttemptRow, [string]>;

  constructor(
    db: Database,
    private readonly counter: StatsCounter,
  ) {
    this.insertStmt = db.query(`INSERT INTO attempts (id, delivery_id, endpoint_id, n, started_at, duration_ms,
      status_code, error, request_headers, response_headers, response_body, response_truncated, next_attempt_at, is_test)
      VALUES ($id, $delivery_id, $endpoint_id, $n, $started_at, $duration_ms, $status_code, $error,
      $request_headers, $response_headers, $response_body, $response_truncated, $next_attempt_at, $is_test)`);
    this.forDeliveryStmt = db.query("SELECT * FROM attempts WHERE delivery_id = ? ORDER BY n");
  }

  /** `delivery` is the attempt's delivery: its tenant and creation time count in stats. */
  insert(a: Attempt, delivery: Pick<CountedDelivery, "tenant" | "createdAt">): void {
    this.insertStmt.run({
      id: a.id,
      delivery_id: a.deliveryId,
      endpoint_id: a.endpointId,
      n: a.n,
      started_at: a.startedAt,
      duration_ms: a.durationMs,
      status_code: a.statusCode,
      error: a.error,
      request_headers: JSON.stringify(a.requestHeaders),
      response_headers: a.responseHeaders === null ? null : JSON.stringify(a.responseHeaders),
      response_body: a.responseBody,
      response_truncated: a.responseTruncated ? 1 : 0,
      next_attempt_at: a.nextAttemptAt,
      is_test: a.isTest ? 1 : 0,
    });
    this.counter.attempt(a, delivery);
  }

  forDelivery(deliveryId: string): Attempt[] {
    return this.forDeliveryStmt.all(deliveryId).map(fromRow);
  }
}
