/**
 * Rows as Bun's PostgreSQL client returns them, and the records they map
 * to. bigint columns (every time) arrive as strings: they are converted
 * here, once, and nowhere else.
 */
import type { Attempt, Delivery, DeliveryStatus, DisabledReason, Endpoint, StoredEvent } from "../../domain/model.ts";

type Int8 = string | number;

export function num(v: Int8): number {
  return typeof v === "number" ? v : Number(v);
}

export function numOrNull(v: Int8 | null): number | null {
  return v === null ? null : num(v);
}

export interface EndpointRow {
  id: string;
  tenant: string;
  url: string;
  description: string;
  event_types: string;
  headers: string;
  metadata: string;
  state: "enabled" | "disabled";
  disabled_reason: DisabledReason | null;
  failing_since: Int8 | null;
  last_success_at: Int8 | null;
  consecutive_failures: number;
  created_at: Int8;
  updated_at: Int8;
}

export function endpointFromRow(r: EndpointRow): Endpoint {
  return {
    id: r.id,
    tenant: r.tenant,
    url: r.url,
    description: r.description,
    eventTypes: JSON.parse(r.event_types) as string[],
    headers: JSON.parse(r.headers) as Record<string, string>,
    metadata: JSON.parse(r.metadata) as Record<string, unknown>,
    state: r.state,
    disabledReason: r.disabled_reason,
    failingSince: numOrNull(r.failing_since),
    lastSuccessAt: numOrNull(r.last_success_at),
    consecutiveFailures: r.consecutive_failures,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export interface EventRow {
  id: string;
  tenant: string;
  type: string;
  payload: string;
  occurred_at: Int8;
  callback_url: string | null;
  is_test: boolean;
  created_at: Int8;
}

export function eventFromRow(r: EventRow): StoredEvent {
  return {
    id: r.id,
    tenant: r.tenant,
    type: r.type,
    payload: r.payload,
    occurredAt: num(r.occurred_at),
    callbackUrl: r.callback_url,
    isTest: r.is_test,
    createdAt: num(r.created_at),
  };
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  tenant: string;
  event_type: string;
  endpoint_id: string | null;
  url: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Int8 | null;
  lease_owner: string | null;
  lease_until: Int8 | null;
  leased_at: Int8 | null;
  last_error: string | null;
  schedule_start: number;
  is_test: boolean;
  created_at: Int8;
  updated_at: Int8;
}

export function deliveryFromRow(r: DeliveryRow): Delivery {
  const until = numOrNull(r.lease_until);
  return {
    id: r.id,
    eventId: r.event_id,
    tenant: r.tenant,
    eventType: r.event_type,
    endpointId: r.endpoint_id,
    url: r.url,
    status: r.status,
    attemptCount: r.attempt_count,
    nextAttemptAt: numOrNull(r.next_attempt_at),
    lease: until === null ? null : { owner: r.lease_owner ?? "", until, at: numOrNull(r.leased_at) ?? until },
    lastError: r.last_error,
    scheduleStart: r.schedule_start,
    isTest: r.is_test,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export interface AttemptRow {
  id: string;
  delivery_id: string;
  endpoint_id: string | null;
  n: number;
  started_at: Int8;
  duration_ms: Int8;
  status_code: number | null;
  error: string | null;
  request_headers: string;
  response_headers: string | null;
  response_body: Uint8Array | null;
  response_truncated: boolean;
  next_attempt_at: Int8 | null;
  is_test: boolean;
}

export function attemptFromRow(r: AttemptRow): Attempt {
  return {
    id: r.id,
    deliveryId: r.delivery_id,
    endpointId: r.endpoint_id,
    n: r.n,
    startedAt: num(r.started_at),
    durationMs: num(r.duration_ms),
    statusCode: r.status_code,
    error: r.error,
    requestHeaders: JSON.parse(r.request_headers) as Record<string, string>,
    responseHeaders: r.response_headers === null ? null : (JSON.parse(r.response_headers) as Record<string, string>),
    // A Buffer from the driver; the record promises a plain Uint8Array.
    responseBody: r.response_body === null ? null : new Uint8Array(r.response_body),
    responseTruncated: r.response_truncated,
    nextAttemptAt: numOrNull(r.next_attempt_at),
    isTest: r.is_test,
  };
}
