/**
 * The observer side of the hookgate metrics, fed AttemptRecords directly:
 * the cases the HTTP scenarios cannot reach (a test send the dispatcher
 * picked up after its caller died, odd statuses, an error outside the list).
 */
import { describe, expect, test } from "bun:test";
import { createHookgateMetrics, statusClass } from "../../src/metrics/hookgate-metrics.ts";
import type { AttemptRecord } from "../../src/store/contract.ts";
import type { Delivery } from "../../src/domain/model.ts";
import { parsePrometheusText } from "../helpers/prometheus-text.ts";

const T0 = Date.UTC(2026, 0, 15, 10, 30);

function record(overrides: { delivery?: Partial<Delivery>; attempt?: Partial<AttemptRecord["attempt"]>; next?: AttemptRecord["next"] } = {}): AttemptRecord {
  const delivery: Delivery = {
    id: "dlv_1",
    eventId: "evt_1",
    tenant: "acme",
    eventType: "a.b",
    endpointId: "ep_1",
    url: "https://hooks.example/x",
    status: "pending",
    attemptCount: 0,
    nextAttemptAt: T0,
    lease: { owner: "node_test", until: T0 + 60_000, at: T0 },
    lastError: null,
    scheduleStart: 0,
    isTest: false,
    createdAt: T0,
    updatedAt: T0,
    ...overrides.delivery,
  };
  return {
    delivery,
    attempt: {
      id: "att_1",
      deliveryId: delivery.id,
      n: 1,
      startedAt: T0 + 1000,
      durationMs: 20,
      statusCode: 200,
      error: null,
      requestHeaders: {},
      responseHeaders: {},
      responseBody: null,
      responseTruncated: false,
      nextAttemptAt: null,
      ...overrides.attempt,
    },
    next: overrides.next ?? { status: "succeeded" },
    lastError: null,
    health: null,
  };
}

const metrics = (perEndpoint = false) => createHookgateMetrics({ version: "1.2.3", perEndpoint, backlog: null, inFlight: () => 0 });

describe("hookgate metrics", () => {
  test("a test delivery that reaches the dispatcher (its caller died) is left out entirely", async () => {
    const m = metrics();
    m.attemptRecorded(record({ delivery: { isTest: true } }));
    m.attemptRecorded(record({ delivery: { isTest: true }, attempt: { statusCode: 500, error: "http_status" }, next: { status: "failed" } }));
    const e = parsePrometheusText(await m.render(T0));
    expect(e.find("hookgate_attempts_total")).toEqual([]);
    expect(e.value("hookgate_deliveries_succeeded_total")).toBe(0);
    expect(e.value("hookgate_deliveries_failed_total", { reason: "retries_exhausted" })).toBe(0);
    expect(e.value("hookgate_attempt_duration_seconds_count")).toBe(0);
  });

  test("time to delivery runs from the delivery's creation to the end of the successful attempt", async () => {
    const m = metrics();
    m.attemptRecorded(record({ attempt: { startedAt: T0 + 1000, durationMs: 500 } }));
    const e = parsePrometheusText(await m.render(T0));
    expect(e.value("hookgate_time_to_delivery_seconds_sum")).toBe(1.5);
    expect(e.value("hookgate_time_to_delivery_seconds_bucket", { le: "1" })).toBe(0);
    expect(e.value("hookgate_time_to_delivery_seconds_bucket", { le: "2.5" })).toBe(1);
    expect(e.value("hookgate_attempt_duration_seconds_sum")).toBe(0.5);
  });

  test("an error outside the closed list is counted as other, so the label stays bounded", async () => {
    const m = metrics();
    m.attemptRecorded(record({ attempt: { statusCode: null, error: "something_new" }, next: { status: "pending", at: T0 + 60_000 } }));
    const e = parsePrometheusText(await m.render(T0));
    expect(e.value("hookgate_attempts_total", { outcome: "failure", status_class: "none", error: "other" })).toBe(1);
  });

  test("attempts recorded interrupted at start-up count as failed attempts, per endpoint, test sends left out, with no duration and no delivery outcome", async () => {
    const m = metrics(true);
    m.attemptsInterrupted([
      { deliveryId: "dlv_1", endpointId: "ep_1", isTest: false },
      { deliveryId: "dlv_2", endpointId: "ep_1", isTest: false },
      { deliveryId: "dlv_3", endpointId: null, isTest: false },
      { deliveryId: "dlv_4", endpointId: "ep_1", isTest: true },
    ]);
    const e = parsePrometheusText(await m.render(T0));
    expect(e.value("hookgate_attempts_total", { outcome: "failure", status_class: "none", error: "interrupted", endpoint_id: "ep_1" })).toBe(2);
    expect(e.value("hookgate_attempts_total", { outcome: "failure", status_class: "none", error: "interrupted", endpoint_id: "callback" })).toBe(1);
    expect(e.find("hookgate_attempt_duration_seconds_count")).toEqual([]);
    for (const reason of ["retries_exhausted", "gone", "endpoint_disabled", "endpoint_deleted"]) expect(e.value("hookgate_deliveries_failed_total", { reason })).toBe(0);
  });

  test("an attempt cut off at the shutdown deadline counts as interrupted, without entering the duration histogram", async () => {
    const m = metrics();
    m.attemptRecorded(record({ attempt: { statusCode: null, error: "interrupted", durationMs: 9_000 }, next: { status: "pending", at: T0 + 10_000 } }));
    const e = parsePrometheusText(await m.render(T0));
    expect(e.value("hookgate_attempts_total", { outcome: "failure", status_class: "none", error: "interrupted" })).toBe(1);
    expect(e.value("hookgate_attempt_duration_seconds_count")).toBe(0);
  });

  test("a 410 ends the delivery as gone, a spent schedule as retries_exhausted, a callback is labelled callback", async () => {
    const m = metrics(true);
    m.attemptRecorded(record({ attempt: { statusCode: 410, error: "http_status" }, next: { status: "failed" } }));
    m.attemptRecorded(record({ delivery: { endpointId: null }, attempt: { statusCode: null, error: "timeout" }, next: { status: "failed" } }));
    const e = parsePrometheusText(await m.render(T0));
    expect(e.value("hookgate_deliveries_failed_total", { reason: "gone" })).toBe(1);
    expect(e.value("hookgate_deliveries_failed_total", { reason: "retries_exhausted" })).toBe(1);
    expect(e.value("hookgate_attempts_total", { outcome: "failure", status_class: "4xx", error: "http_status", endpoint_id: "ep_1" })).toBe(1);
    expect(e.value("hookgate_attempts_total", { outcome: "failure", status_class: "none", error: "timeout", endpoint_id: "callback" })).toBe(1);
  });

  test.each([
    [null, "none"],
    [101, "1xx"],
    [204, "2xx"],
    [302, "3xx"],
    [429, "4xx"],
    [599, "5xx"],
    [600, "other"],
    [42, "other"],
  ])("status %p is class %p", (status, expected) => {
    expect(statusClass(status)).toBe(expected);
  });

  test("the CPU counter never goes down between scrapes", async () => {
    const m = metrics();
    const first = parsePrometheusText(await m.render(T0)).value("process_cpu_seconds_total")!;
    for (let i = 0; i < 1e5; i++) Math.sqrt(i);
    const second = parsePrometheusText(await m.render(T0)).value("process_cpu_seconds_total")!;
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThanOrEqual(first);
  });
});
