/**
 * Every metric hookgate exposes at GET /metrics, declared in one place with
 * its HELP text. Counters and histograms move as the DeliveryObserver hears
 * of events and attempts; gauges are read at scrape time (the backlog from
 * the store's index-based snapshot, in-flight attempts from the dispatcher).
 *
 * Labels stay bounded: closed lists of outcomes, status classes and error
 * classes, and an endpoint id (ours, one per endpoint) only with
 * `[metrics] per_endpoint = true`. Never a URL, a tenant or anything else a
 * caller wrote. Test sends are not deliveries and are left out throughout.
 */
import { ATTEMPT_ERRORS, measuresLatency } from "../domain/outcome.ts";
import type { AttemptRecord } from "../store/contract.ts";
import type { BacklogSnapshot } from "../domain/model.ts";
import type { DeliveryObserver } from "./observer.ts";
import { Registry } from "./registry.ts";
import type { RequestCounter } from "./request-counter.ts";

/** Seconds, 1 ms to 60 s: attempt durations and time to delivery share them. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** The endpoint_id label value of callback_url deliveries (endpoint ids are always ep_…). */
export const CALLBACK_ENDPOINT_LABEL = "callback";

/** Why a delivery ended failed: the closed list of the `reason` label. */
export const FAILURE_REASONS = ["retries_exhausted", "gone", "endpoint_disabled", "endpoint_deleted"] as const;

export interface MetricsDeps {
  version: string;
  /** Adds endpoint_id to the attempt counter and both histograms. */
  perEndpoint: boolean;
  /** The backlog now, from the store; null leaves its gauges without samples. */
  backlog: ((now: number) => Promise<BacklogSnapshot>) | null;
  /** Attempts the dispatcher has in flight now. */
  inFlight: () => number;
}

/** Methods counted by name; anything else is "other", so a client cannot invent series. */
const HTTP_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export interface HookgateMetrics extends DeliveryObserver, RequestCounter {
  /** The exposition at `now`; rejects when the backlog cannot be read (the scrape then fails loudly). */
  render(now: number): Promise<string>;
}

type AttemptLabel = "outcome" | "status_class" | "error" | "endpoint_id";

export function createHookgateMetrics(deps: MetricsDeps): HookgateMetrics {
  const r = new Registry();
  const perEndpoint = deps.perEndpoint;
  const endpointLabel: "endpoint_id"[] = perEndpoint ? ["endpoint_id"] : [];

  const eventsAccepted = r.counter({
    name: "hookgate_events_accepted_total",
    help: "Events accepted by ingest (committed; idempotent replays and test sends not counted).",
  });
  const attempts = r.counter<AttemptLabel>({
    name: "hookgate_attempts_total",
    help: "Delivery attempts made, by outcome, response status class (none: no response) and error class (none: success; interrupted: cut off by a crash or the shutdown deadline, counted when recorded, for a crash at the next start). Test sends and deliveries to a disabled endpoint (no request) not counted.",
    labelNames: ["outcome", "status_class", "error", ...endpointLabel],
  });
  const httpRequests = r.counter<"route" | "method" | "status_class">({
    name: "hookgate_http_requests_total",
    help: "HTTP requests answered, by matched route (unmatched: no route), method and status class; ingest refused is route /v1/events with 4xx or 5xx.",
    labelNames: ["route", "method", "status_class"],
  });
  const succeeded = r.counter({
    name: "hookgate_deliveries_succeeded_total",
    help: "Deliveries that ended succeeded (a 2xx answer). Test sends not counted.",
  });
  const failed = r.counter<"reason">({
    name: "hookgate_deliveries_failed_total",
    help: "Deliveries that ended failed, by reason: retries_exhausted, gone (410), endpoint_disabled (at ingest or when due), endpoint_deleted. Test sends not counted.",
    labelNames: ["reason"],
  });
  const attemptDuration = r.histogram<"endpoint_id">({
    name: "hookgate_attempt_duration_seconds",
    help: "Duration of attempts that sent a request, connect to last byte read. Test sends and interrupted attempts (cut off by hookgate) not counted.",
    labelNames: endpointLabel,
    buckets: LATENCY_BUCKETS,
  });
  const timeToDelivery = r.histogram<"endpoint_id">({
    name: "hookgate_time_to_delivery_seconds",
    help: "Time from the event being accepted to the 2xx of its delivery, retries included. Test sends not counted.",
    labelNames: endpointLabel,
    buckets: LATENCY_BUCKETS,
  });
  const pending = r.gauge({ name: "hookgate_deliveries_pending", help: "Deliveries pending now (due, waiting for a retry or in flight)." });
  const oldestAge = r.gauge({
    name: "hookgate_oldest_pending_age_seconds",
    help: "Age of the oldest pending delivery, since its event was accepted; 0 when none is pending.",
  });
  const endpoints = r.gauge<"state">({ name: "hookgate_endpoints", help: "Endpoints by state.", labelNames: ["state"] });
  const inFlight = r.gauge({ name: "hookgate_attempts_in_flight", help: "Attempts the dispatcher has in flight now." });
  const buildInfo = r.gauge<"version" | "bun_version">({
    name: "hookgate_build_info",
    help: "Always 1; the labels say which build runs.",
    labelNames: ["version", "bun_version"],
  });
  const rss = r.gauge({ name: "process_resident_memory_bytes", help: "Resident memory size in bytes." });
  const cpu = r.counter({ name: "process_cpu_seconds_total", help: "User and system CPU time spent in seconds." });
  const startTime = r.gauge({ name: "process_start_time_seconds", help: "Start time of the process since unix epoch in seconds." });

  /** The endpoint label, when per_endpoint asks for it. */
  const byEndpoint = <T extends object>(labels: T, endpointId: string | null) =>
    (perEndpoint ? { ...labels, endpoint_id: endpointId ?? CALLBACK_ENDPOINT_LABEL } : labels) as T & Record<"endpoint_id", string>;

  // Known series start at zero, so rate() and increase() see their first event.
  eventsAccepted.touch({});
  succeeded.touch({});
  for (const reason of FAILURE_REASONS) failed.touch({ reason });
  if (!perEndpoint) {
    attemptDuration.touch(byEndpoint({}, null));
    timeToDelivery.touch(byEndpoint({}, null));
  }
  buildInfo.set({ version: deps.version, bun_version: Bun.version }, 1);
  startTime.set({}, Math.round(performance.timeOrigin) / 1000);

  let cpuSeenSeconds = 0;

  return {
    httpRequest(route, method, status) {
      httpRequests.inc({ route, method: HTTP_METHODS.has(method) ? method : "other", status_class: statusClass(status) });
    },

    eventAccepted(disabledDeliveries) {
      eventsAccepted.inc({});
      if (disabledDeliveries > 0) failed.inc({ reason: "endpoint_disabled" }, disabledDeliveries);
    },

    attemptRecorded({ attempt, delivery, next }) {
      if (delivery.isTest) return;
      // An endpoint_disabled "attempt" sent nothing (like the ones made at
      // ingest): no attempt here, no latency, only a failed delivery.
      if (attempt.error !== "endpoint_disabled") {
        const error = attempt.error === null ? "none" : boundedError(attempt.error);
        const outcome = attempt.error === null ? "success" : "failure";
        attempts.inc(byEndpoint({ outcome, status_class: statusClass(attempt.statusCode), error }, delivery.endpointId));
        if (measuresLatency(attempt.error)) attemptDuration.observe(byEndpoint({}, delivery.endpointId), attempt.durationMs / 1000);
      }
      if (next.status === "succeeded") {
        succeeded.inc({});
        const finishedAt = attempt.startedAt + attempt.durationMs;
        timeToDelivery.observe(byEndpoint({}, delivery.endpointId), Math.max(0, finishedAt - delivery.createdAt) / 1000);
      } else if (next.status === "failed") {
        failed.inc({ reason: failureReason(attempt) });
      }
    },

    attemptsInterrupted(list) {
      // Their deliveries stay pending (or, for test sends, are left out): only the attempt counts.
      for (const a of list) {
        if (!a.isTest) attempts.inc(byEndpoint({ outcome: "failure", status_class: "none", error: "interrupted" }, a.endpointId));
      }
    },

    endpointDeleted(endpointId, failedDeliveries) {
      if (failedDeliveries > 0) failed.inc({ reason: "endpoint_deleted" }, failedDeliveries);
      // Its series would otherwise stay until restart: keep the label set bounded by the endpoints that exist.
      if (perEndpoint) for (const family of [attempts, attemptDuration, timeToDelivery]) family.removeWhere("endpoint_id", endpointId);
    },

    async render(now) {
      const snapshot = deps.backlog ? await deps.backlog(now) : null;
      for (const g of [pending, oldestAge, endpoints]) g.reset();
      if (snapshot) {
        pending.set({}, snapshot.pending);
        oldestAge.set({}, snapshot.oldestPendingCreatedAt === null ? 0 : Math.max(0, now - snapshot.oldestPendingCreatedAt) / 1000);
        endpoints.set({ state: "enabled" }, snapshot.endpointsByState.enabled);
        endpoints.set({ state: "disabled" }, snapshot.endpointsByState.disabled);
      }
      inFlight.set({}, deps.inFlight());
      rss.set({}, process.memoryUsage.rss());
      const usage = process.cpuUsage();
      const cpuSeconds = (usage.user + usage.system) / 1e6;
      cpu.inc({}, Math.max(0, cpuSeconds - cpuSeenSeconds));
      cpuSeenSeconds = Math.max(cpuSeenSeconds, cpuSeconds);
      return r.render();
    },
  };
}

/** "2xx" … "5xx"; "none" without a response; "other" for a status outside 100–599. */
export function statusClass(status: number | null): string {
  if (status === null) return "none";
  const c = Math.floor(status / 100);
  return c >= 1 && c <= 5 ? `${c}xx` : "other";
}

const KNOWN_ERRORS: ReadonlySet<string> = new Set(ATTEMPT_ERRORS);

/** The attempt's error class; the list is closed, so anything else (none today) is "other". */
function boundedError(error: string): string {
  return KNOWN_ERRORS.has(error) ? error : "other";
}

/** Why the delivery ended failed after this attempt. */
function failureReason(attempt: AttemptRecord["attempt"]): (typeof FAILURE_REASONS)[number] {
  if (attempt.error === "endpoint_disabled") return "endpoint_disabled";
  if (attempt.statusCode === 410) return "gone";
  return "retries_exhausted";
}
