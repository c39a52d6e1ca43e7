/** How records look on the wire: snake_case fields and RFC 3339 UTC times with milliseconds. */
import type { Attempt, Endpoint, EndpointSecret, StoredEvent } from "../domain/model.ts";
import { formatRfc3339 } from "../domain/rfc3339.ts";
import { responseBodyText } from "../domain/response-body.ts";
import type { DeliveryRecord } from "../operations/deliveries.ts";
import type { Page } from "../operations/paging.ts";

/** RFC 3339 UTC with milliseconds ("2024-01-15T10:30:00.250Z"), or null. */
export function time(ms: number | null): string | null {
  return ms === null ? null : formatRfc3339(ms, "milliseconds");
}

/** A page of a list: `{ data, next_cursor }`, each row through `view`. */
export function page<T, V>(p: Page<T>, view: (row: T) => V): { data: V[]; next_cursor: string | null } {
  return { data: p.items.map(view), next_cursor: p.nextCursor };
}

/** An endpoint as the API shows it; the secret only when given (on create). */
export function endpointView(e: Endpoint, secret?: string) {
  return {
    id: e.id,
    tenant: e.tenant,
    url: e.url,
    description: e.description,
    event_types: e.eventTypes,
    headers: e.headers,
    metadata: e.metadata,
    state: e.state,
    disabled_reason: e.disabledReason,
    failing_since: time(e.failingSince),
    last_success_at: time(e.lastSuccessAt),
    consecutive_failures: e.consecutiveFailures,
    created_at: time(e.createdAt),
    updated_at: time(e.updatedAt),
    ...(secret === undefined ? {} : { secret }),
  };
}

/** `{ secret, previous }`: the current secret and the rotated-out ones still signing. */
export function secretsView(secrets: EndpointSecret[]) {
  const [current, ...previous] = secrets;
  return {
    secret: current?.secret ?? null,
    previous: previous.map((s) => ({ secret: s.secret, expires_at: time(s.expiresAt) })),
  };
}

/** A delivery as the API shows it; `attempts` only on the single view. */
export function deliveryView(d: DeliveryRecord, attempts?: Attempt[]) {
  return {
    id: d.id,
    event_id: d.eventId,
    endpoint_id: d.endpointId,
    tenant: d.tenant,
    event_type: d.eventType,
    url: d.url,
    status: d.status,
    attempt_count: d.attemptCount,
    next_attempt_at: d.status === "pending" ? time(d.nextAttemptAt) : null,
    last_error: d.lastError,
    test: d.isTest,
    created_at: time(d.createdAt),
    updated_at: time(d.updatedAt),
    ...(attempts === undefined ? {} : { attempts: attempts.map(attemptView) }),
  };
}

/**
 * One attempt. The response body is shown as text when it is valid UTF-8,
 * otherwise as base64 (response_body_encoding says which).
 */
export function attemptView(a: Attempt) {
  const { body, encoding } = responseBodyText(a.responseBody);
  return {
    id: a.id,
    n: a.n,
    started_at: time(a.startedAt),
    duration_ms: a.durationMs,
    status_code: a.statusCode,
    error: a.error,
    request_headers: a.requestHeaders,
    response_headers: a.responseHeaders,
    response_body: body,
    response_body_encoding: encoding,
    response_truncated: a.responseTruncated,
    next_attempt_at: time(a.nextAttemptAt),
    test: a.isTest,
  };
}

/** An event with its deliveries; `data` and `timestamp` come from the stored payload, exactly as sent. */
export function eventView(e: StoredEvent, deliveries: DeliveryRecord[]) {
  const payload = JSON.parse(e.payload) as { timestamp: string; data: Record<string, unknown> };
  return {
    id: e.id,
    type: e.type,
    tenant: e.tenant,
    timestamp: payload.timestamp,
    data: payload.data,
    callback_url: e.callbackUrl,
    test: e.isTest,
    created_at: time(e.createdAt),
    deliveries: deliveries.map((d) => deliveryView(d)),
  };
}
