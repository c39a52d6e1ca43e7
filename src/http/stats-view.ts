/**
 * How stats look on the wire, like views.ts: snake_case, RFC 3339 times.
 * Its own module, as the stats are a resource of their own.
 */
import type { BacklogSnapshot, Percentiles, StatsFigures, StatsReport } from "../domain/model.ts";
import { time } from "./views.ts";

function percentilesView(p: Percentiles) {
  return { p50: p.p50, p95: p.p95, p99: p.p99 };
}

/** The figures of the totals or of one endpoint. */
export function statsFiguresView(f: StatsFigures) {
  return {
    deliveries: { pending: f.deliveries.pending, succeeded: f.deliveries.succeeded, failed: f.deliveries.failed },
    attempts: f.attempts,
    failed_attempts: f.failedAttempts,
    success_rate: f.successRate,
    attempt_latency_ms: percentilesView(f.attemptLatencyMs),
    time_to_delivery_ms: percentilesView(f.timeToDeliveryMs),
    failures_by_error: f.failuresByError,
    series: f.series.map((p) => ({ start: time(p.start), attempts: p.attempts, failures: p.failures, p95_latency_ms: p.p95LatencyMs })),
  };
}

/** GET /v1/stats. */
export function statsReportView(r: StatsReport) {
  return {
    window: r.window,
    from: time(r.from),
    to: time(r.to),
    bucket_seconds: r.bucketMs / 1000,
    totals: statsFiguresView(r.totals),
    endpoints: r.endpoints.map((e) => ({ endpoint_id: e.endpointId, ...statsFiguresView(e) })),
  };
}

/** The backlog, for a UI or a future route. */
export function backlogView(b: BacklogSnapshot) {
  return {
    pending: b.pending,
    oldest_pending_created_at: time(b.oldestPendingCreatedAt),
    endpoints_by_state: { enabled: b.endpointsByState.enabled, disabled: b.endpointsByState.disabled },
    failing: b.failing.map((e) => ({
      id: e.id,
      tenant: e.tenant,
      url: e.url,
      state: e.state,
      disabled_reason: e.disabledReason,
      failing_since: time(e.failingSince),
      consecutive_failures: e.consecutiveFailures,
      last_success_at: time(e.lastSuccessAt),
    })),
  };
}
