/**
 * What the API answers, as zod schemas: the OpenAPI document describes the
 * response bodies with them, and the tests parse real answers of every
 * route with them, so the document cannot drift from what views.ts renders.
 * Objects are strict: a field added to a view without being added here
 * fails those tests instead of going undocumented.
 */
import { z } from "zod";
import { ATTEMPT_ERRORS } from "../../domain/outcome.ts";
import type { ErrorCode } from "../errors.ts";
import { deliveryStatusSchema } from "../../operations/input/delivery.ts";

/** An RFC 3339 UTC time as views.ts renders it: always three fraction digits. */
const time = z.iso.datetime({ precision: 3 }).meta({ description: "RFC 3339 UTC time with milliseconds, e.g. 2024-01-15T10:30:00.250Z" });
/** The payload's timestamp: whole seconds, as subscribers receive it. */
const payloadTime = z.iso.datetime({ precision: 0 }).meta({ description: "RFC 3339 UTC time in whole seconds, e.g. 2024-01-15T10:30:00Z" });
const id = (prefix: string, what: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`))
    .meta({ description: `${what} id: "${prefix}_" and 26 characters, sortable by creation time` });
const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;
const count = z.number().int().min(0);
const stringMap = z.record(z.string(), z.string());

export const endpointResponse = z.strictObject({
  id: id("ep", "endpoint"),
  tenant: z.string(),
  url: z.string(),
  description: z.string(),
  event_types: z.array(z.string()).meta({ description: 'exact event types or patterns like "message.*" and "*"' }),
  headers: stringMap.meta({ description: "extra request headers sent with every delivery" }),
  metadata: z.record(z.string(), z.unknown()),
  state: z.enum(["enabled", "disabled"]),
  disabled_reason: z.enum(["manual", "auto_failing", "gone"]).nullable(),
  failing_since: time.nullable().meta({ description: "since when every attempt has failed; null while healthy" }),
  last_success_at: time.nullable(),
  consecutive_failures: count,
  created_at: time,
  updated_at: time,
});

/** The answer to a create: the only time the secret comes with the endpoint. */
export const createdEndpointResponse = endpointResponse.extend({
  secret: z.string().regex(SECRET).meta({ description: "signing secret; also at GET /v1/endpoints/{id}/secret" }),
});

export const endpointSecretsResponse = z.strictObject({
  secret: z.string().regex(SECRET).nullable(),
  previous: z
    .array(z.strictObject({ secret: z.string().regex(SECRET), expires_at: time }))
    .meta({ description: "rotated-out secrets that still sign beside the current one until expires_at" }),
});

export const attemptResponse = z.strictObject({
  id: id("att", "attempt"),
  n: z.number().int().min(1).meta({ description: "1 for the first try" }),
  started_at: time,
  duration_ms: count,
  status_code: z.number().int().nullable().meta({ description: "null when no response was received" }),
  error: z.enum(ATTEMPT_ERRORS).nullable(),
  request_headers: stringMap,
  response_headers: stringMap.nullable(),
  response_body: z.string().nullable().meta({ description: "cut at delivery.response_body_limit" }),
  response_body_encoding: z.enum(["utf8", "base64"]).nullable(),
  response_truncated: z.boolean(),
  next_attempt_at: time.nullable().meta({ description: "when the next attempt was scheduled after this one; null when it was final" }),
  test: z.boolean(),
});

/** POST /v1/endpoints/{id}/test: the attempt plus what was sent. */
export const testSendResponse = attemptResponse.extend({
  delivery_id: id("dlv", "delivery"),
  event_id: id("evt", "event"),
  event_type: z.string(),
});

export const deliveryResponse = z.strictObject({
  id: id("dlv", "delivery"),
  event_id: id("evt", "event"),
  endpoint_id: id("ep", "endpoint").nullable().meta({ description: "null for a callback_url delivery" }),
  tenant: z.string(),
  event_type: z.string(),
  url: z.string(),
  status: deliveryStatusSchema,
  attempt_count: count,
  next_attempt_at: time.nullable().meta({ description: "null unless pending" }),
  last_error: z.string().nullable().meta({ description: '"HTTP 500" for a status, else the error class, e.g. "timeout" or "endpoint_deleted"' }),
  test: z.boolean(),
  created_at: time,
  updated_at: time,
});

export const deliveryWithAttemptsResponse = deliveryResponse.extend({ attempts: z.array(attemptResponse) });

export const eventResponse = z.strictObject({
  id: id("evt", "event"),
  type: z.string(),
  tenant: z.string(),
  timestamp: payloadTime.meta({ description: "the payload's timestamp, exactly as subscribers receive it: whole seconds, e.g. 2024-01-15T10:30:00Z" }),
  data: z.record(z.string(), z.unknown()),
  callback_url: z.string().nullable(),
  test: z.boolean(),
  created_at: time,
  deliveries: z.array(deliveryResponse),
});

/** The 202 of POST /v1/events: sent once the event and its deliveries are on disk. */
export const eventAcceptedResponse = z.strictObject({
  id: id("evt", "event"),
  deliveries: z.array(z.strictObject({ id: id("dlv", "delivery"), endpoint_id: id("ep", "endpoint").nullable() })),
});

const ERROR_CODES = [
  "invalid_json",
  "unauthorized",
  "not_found",
  "conflict",
  "payload_too_large",
  "validation_failed",
  "unavailable",
  "internal_error",
] as const satisfies readonly ErrorCode[];

/** The one error shape of every failure. */
export const errorResponse = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "every problem, for validation_failed (and the failing checks of /readyz)" }),
  }),
});

export const batchAcceptedResponse = z.strictObject({
  data: z
    .array(z.union([eventAcceptedResponse.extend({ replayed: z.literal(true).optional() }), errorResponse]))
    .meta({ description: "one result per event, in order: accepted (replayed: true on a repeat) or a conflict error" }),
});

export const queuedResponse = z.strictObject({ queued: count });

export const eventTypeResponse = z.strictObject({
  name: z.string(),
  description: z.string(),
  example: z.record(z.string(), z.unknown()),
});

/** A page of a list, newest first. */
function listOf<T extends z.ZodType>(item: T) {
  return z.strictObject({
    data: z.array(item),
    next_cursor: z.string().nullable().meta({ description: "pass as ?cursor= for the next page; null on the last page" }),
  });
}

export const endpointListResponse = listOf(endpointResponse);
export const deliveryListResponse = listOf(deliveryResponse);
export const eventTypeListResponse = listOf(eventTypeResponse);

export const healthResponse = z.strictObject({ status: z.literal("ok"), version: z.string() });
export const readyResponse = z.strictObject({
  status: z.literal("ready"),
  checks: z.record(z.string(), z.literal("ok")),
});

const milliseconds = z.number().min(0).nullable();
const percentiles = z.strictObject({ p50: milliseconds, p95: milliseconds, p99: milliseconds }).meta({ description: "milliseconds; null when nothing was measured" });

/** The figures of the totals or of one endpoint, as stats-view.ts renders them. */
const statsFigures = {
  deliveries: z.strictObject({ pending: count, succeeded: count, failed: count }).meta({ description: "deliveries created in the window, by their status now" }),
  attempts: count.meta({ description: "attempts started in the window" }),
  failed_attempts: count,
  success_rate: z.number().min(0).max(1).nullable().meta({ description: "2xx attempts ÷ attempts; null without attempts" }),
  attempt_latency_ms: percentiles,
  time_to_delivery_ms: percentiles.meta({ description: "event accepted → 2xx received, milliseconds; null when nothing succeeded" }),
  failures_by_error: z.record(z.string(), count).meta({ description: "failed attempts by their error (http_status, timeout, …)" }),
  series: z
    .array(z.strictObject({ start: time, attempts: count, failures: count, p95_latency_ms: milliseconds }))
    .meta({ description: "every bucket of the window, oldest first" }),
};

export const statsReportResponse = z.strictObject({
  window: z.enum(["1h", "24h", "7d"]),
  from: time.meta({ description: "start of the window, inclusive" }),
  to: time.meta({ description: "end of the window, exclusive" }),
  bucket_seconds: z.number().int().positive().meta({ description: "length of a series bucket: 60, 900 or 7200" }),
  totals: z.strictObject(statsFigures),
  endpoints: z
    .array(z.strictObject({ endpoint_id: id("ep", "endpoint").nullable().meta({ description: "null gathers one-off callback_url deliveries" }), ...statsFigures }))
    .meta({ description: "one row per endpoint with any delivery or attempt in the window, most attempts first" }),
});
