/**
 * GET /metrics after real operations through the API: ingest, attempts to a
 * real receiver on loopback, failures, deletions; its token; per-endpoint
 * labels; and what must never appear in it.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { once } from "node:events";
import { PROMETHEUS_CONTENT_TYPE } from "../../src/metrics/registry.ts";
import type { BacklogSnapshot } from "../../src/domain/model.ts";
import { createTestApi, TEST_TOKEN, type TestApi, type TestApiOptions } from "../helpers/http-app.ts";
import { parsePrometheusText, type Exposition } from "../helpers/prometheus-text.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const LOCAL = { require_https: false, allow_private_networks: true, retry_schedule: [] as string[] };
const METRICS_TOKEN = "metrics-token-0123456789abcdef0123456789";

let api: TestApi;
let receiver: Receiver | null = null;
afterEach(async () => {
  await api.close();
  receiver?.close();
  receiver = null;
});

async function setup(raw: Record<string, any> = {}, options: TestApiOptions = {}): Promise<void> {
  api = await createTestApi({ ...raw, delivery: { ...LOCAL, ...raw.delivery } }, options);
  receiver = startReceiver();
}

async function scrape(headers: Record<string, string> = {}): Promise<{ res: Response; text: string; m: Exposition }> {
  const res = await api.request("/metrics", { headers });
  const text = await res.text();
  return { res, text, m: res.status === 200 ? parsePrometheusText(text) : (null as never) };
}

async function endpoint(path = "/hook", extra: Record<string, unknown> = {}): Promise<string> {
  const r = await api.call("POST", "/v1/endpoints", { url: `${receiver!.url}${path}`, ...extra });
  expect(r.status).toBe(201);
  return r.json.id;
}

const event = (extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  api.call("POST", "/v1/events", { type: "message.delivered", data: { n: 1 }, ...extra }, headers);

describe("GET /metrics", () => {
  test("counts HTTP requests by matched route, method and status class, so 401s, 422s and refused ingests show", async () => {
    await setup();
    expect((await api.request("/v1/endpoints")).status).toBe(401);
    expect((await api.call("POST", "/v1/events", { type: "", data: {} })).status).toBe(422);
    expect((await event()).status).toBe(202);
    expect((await api.call("GET", "/v1/endpoints/ep_01KF0K8Y20NNDJJ3V3ZHB1S256")).status).toBe(404);
    expect((await api.call("GET", "/no/such/path")).status).toBe(404);
    const { m } = await scrape();
    const count = (route: string, method: string, status_class: string) => m.value("hookgate_http_requests_total", { route, method, status_class });
    expect(count("/v1/endpoints", "GET", "4xx")).toBe(1);
    expect(count("/v1/events", "POST", "4xx")).toBe(1);
    expect(count("/v1/events", "POST", "2xx")).toBe(1);
    // A route's pattern, never its ids: one series however many endpoints are asked for.
    expect(count("/v1/endpoints/:id", "GET", "4xx")).toBe(1);
    expect(count("unmatched", "GET", "4xx")).toBe(1);
    expect(m.find("hookgate_http_requests_total").every((s) => !s.labels.route!.includes("ep_"))).toBe(true);
  });

  test("answers the text format with every hookgate family declared, counters at zero, and build info", async () => {
    await setup();
    const { res, m } = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(Object.fromEntries([...m.types].filter(([n]) => n.startsWith("hookgate_")))).toEqual({
      hookgate_events_accepted_total: "counter",
      hookgate_http_requests_total: "counter",
      hookgate_attempts_total: "counter",
      hookgate_deliveries_succeeded_total: "counter",
      hookgate_deliveries_failed_total: "counter",
      hookgate_attempt_duration_seconds: "histogram",
      hookgate_time_to_delivery_seconds: "histogram",
      hookgate_deliveries_pending: "gauge",
      hookgate_oldest_pending_age_seconds: "gauge",
      hookgate_endpoints: "gauge",
      hookgate_attempts_in_flight: "gauge",
      hookgate_build_info: "gauge",
    });
    expect(m.value("hookgate_events_accepted_total")).toBe(0);
    expect(m.value("hookgate_deliveries_succeeded_total")).toBe(0);
    for (const reason of ["retries_exhausted", "gone", "endpoint_disabled", "endpoint_deleted"]) {
      expect(m.value("hookgate_deliveries_failed_total", { reason })).toBe(0);
    }
    expect(m.find("hookgate_attempts_total")).toEqual([]);
    expect(m.value("hookgate_attempt_duration_seconds_count")).toBe(0);
    expect(m.find("hookgate_attempt_duration_seconds_bucket").map((s) => s.labels.le)).toEqual(
      ["0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "+Inf"],
    );
    expect(m.value("hookgate_attempts_in_flight")).toBe(0);
    expect(m.find("hookgate_build_info")).toEqual([{ name: "hookgate_build_info", labels: { version: "test", bun_version: Bun.version }, value: 1 }]);
    expect(m.value("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(m.value("process_start_time_seconds")).toBeGreaterThan(Date.UTC(2020, 0, 1) / 1000);
    expect(m.types.get("process_cpu_seconds_total")).toBe("counter");
  });

  test("counts each committed event once: not an idempotent replay, not a test send", async () => {
    await setup();
    await endpoint();
    expect((await event({}, { "idempotency-key": "k1" })).status).toBe(202);
    expect((await event({}, { "idempotency-key": "k1" })).headers.get("idempotent-replayed")).toBe("true");
    expect((await api.call("POST", "/v1/events/batch", { events: [{ type: "a.b", data: {} }, { type: "a.c", data: {} }] })).status).toBe(202);
    const ep = await endpoint("/other");
    expect((await api.call("POST", `/v1/endpoints/${ep}/test`)).status).toBe(200);
    const { m } = await scrape();
    expect(m.value("hookgate_events_accepted_total")).toBe(3);
    // The test send made a real attempt, but it is no delivery.
    expect(m.find("hookgate_attempts_total")).toEqual([]);
    expect(m.value("hookgate_attempt_duration_seconds_count")).toBe(0);
  });

  test("a delivered attempt counts as a success, with its duration and the time from acceptance to the 2xx", async () => {
    await setup();
    await endpoint();
    await event();
    // The delivery is made 3 s after the event was accepted.
    api.clock.advance(3000);
    await api.deliverDue();
    expect(receiver!.at("/hook")).toHaveLength(1);
    const { m } = await scrape();
    expect(m.find("hookgate_attempts_total")).toEqual([
      { name: "hookgate_attempts_total", labels: { outcome: "success", status_class: "2xx", error: "none" }, value: 1 },
    ]);
    expect(m.value("hookgate_attempt_duration_seconds_count")).toBe(1);
    expect(m.value("hookgate_attempt_duration_seconds_bucket", { le: "+Inf" })).toBe(1);
    expect(m.value("hookgate_deliveries_succeeded_total")).toBe(1);
    expect(m.value("hookgate_time_to_delivery_seconds_count")).toBe(1);
    expect(m.value("hookgate_time_to_delivery_seconds_bucket", { le: "2.5" })).toBe(0);
    expect(m.value("hookgate_time_to_delivery_seconds_bucket", { le: "5" })).toBe(1);
    expect(m.value("hookgate_time_to_delivery_seconds_sum")).toBeGreaterThanOrEqual(3);
  });

  test("failures count by status class and error, and their deliveries end failed by reason", async () => {
    await setup();
    receiver!.respond("/down", () => 500);
    receiver!.respond("/gone", () => 410);
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const closedPort = (closed.address() as { port: number }).port;
    closed.close();
    await endpoint("/down", { event_types: ["a.down"] });
    await endpoint("/gone", { event_types: ["a.gone"] });
    const refused = await api.call("POST", "/v1/endpoints", { url: `http://127.0.0.1:${closedPort}/x`, event_types: ["a.refused"] });
    expect(refused.status).toBe(201);
    for (const type of ["a.down", "a.gone", "a.refused"]) expect((await event({ type })).status).toBe(202);
    await api.deliverDue();
    const { m } = await scrape();
    expect(m.value("hookgate_attempts_total", { outcome: "failure", status_class: "5xx", error: "http_status" })).toBe(1);
    expect(m.value("hookgate_attempts_total", { outcome: "failure", status_class: "4xx", error: "http_status" })).toBe(1);
    expect(m.value("hookgate_attempts_total", { outcome: "failure", status_class: "none", error: "connection_refused" })).toBe(1);
    expect(m.value("hookgate_attempt_duration_seconds_count")).toBe(3);
    expect(m.value("hookgate_deliveries_failed_total", { reason: "retries_exhausted" })).toBe(2);
    expect(m.value("hookgate_deliveries_failed_total", { reason: "gone" })).toBe(1);
    expect(m.value("hookgate_deliveries_succeeded_total")).toBe(0);
    expect(m.value("hookgate_time_to_delivery_seconds_count")).toBe(0);
  });

  test("a failure with retries left is an attempt, not yet a failed delivery", async () => {
    await setup({ delivery: { retry_schedule: ["1m"] } });
    receiver!.respond("/hook", (n) => (n === 1 ? 503 : 200));
    await endpoint();
    await event();
    await api.deliverDue();
    let { m } = await scrape();
    expect(m.value("hookgate_attempts_total", { outcome: "failure", status_class: "5xx", error: "http_status" })).toBe(1);
    expect(m.value("hookgate_deliveries_failed_total", { reason: "retries_exhausted" })).toBe(0);
    api.clock.advance(120_000);
    await api.deliverDue();
    ({ m } = await scrape());
    expect(m.value("hookgate_attempts_total", { outcome: "success", status_class: "2xx", error: "none" })).toBe(1);
    expect(m.value("hookgate_deliveries_succeeded_total")).toBe(1);
    // Accepted → 2xx includes the wait for the retry.
    expect(m.value("hookgate_time_to_delivery_seconds_bucket", { le: "60" })).toBe(0);
    expect(m.value("hookgate_time_to_delivery_seconds_count")).toBe(1);
  });

  test("deliveries to a disabled endpoint and those ended by its deletion count as failed, with no attempt", async () => {
    await setup();
    const disabled = await endpoint("/off", { event_types: ["a.off"] });
    await api.call("POST", `/v1/endpoints/${disabled}/disable`);
    await event({ type: "a.off" });
    const deleted = await endpoint("/del", { event_types: ["a.del"] });
    await event({ type: "a.del" });
    await event({ type: "a.del" });
    expect((await api.call("DELETE", `/v1/endpoints/${deleted}`)).status).toBe(204);
    await api.deliverDue();
    const { m } = await scrape();
    expect(m.value("hookgate_deliveries_failed_total", { reason: "endpoint_disabled" })).toBe(1);
    expect(m.value("hookgate_deliveries_failed_total", { reason: "endpoint_deleted" })).toBe(2);
    expect(m.find("hookgate_attempts_total")).toEqual([]);
    expect(receiver!.requests).toEqual([]);
  });

  test("an endpoint disabled after its event was accepted fails the delivery when due, with no attempt counted", async () => {
    await setup();
    const ep = await endpoint();
    await event();
    await api.call("POST", `/v1/endpoints/${ep}/disable`);
    await api.deliverDue();
    const { m } = await scrape();
    expect(m.value("hookgate_deliveries_failed_total", { reason: "endpoint_disabled" })).toBe(1);
    expect(m.find("hookgate_attempts_total")).toEqual([]);
    expect(m.value("hookgate_attempt_duration_seconds_count")).toBe(0);
  });
});

describe("labels", () => {
  test("without per_endpoint no series carries an endpoint id", async () => {
    await setup();
    await endpoint();
    await event({ callback_url: `${receiver!.url}/cb` });
    await api.deliverDue();
    const { m, text } = await scrape();
    expect(m.value("hookgate_attempts_total", { outcome: "success", status_class: "2xx", error: "none" })).toBe(2);
    expect(text).not.toContain("endpoint_id");
    expect(text).not.toContain("ep_");
  });

  test("per_endpoint adds endpoint_id to attempts and both histograms, callback for callback_url, and a deleted endpoint's series go", async () => {
    await setup({ metrics: { per_endpoint: true } });
    const a = await endpoint("/a");
    const b = await endpoint("/b");
    await event({ callback_url: `${receiver!.url}/cb` });
    await api.deliverDue();
    let { m } = await scrape();
    for (const id of [a, b, "callback"]) {
      expect(m.value("hookgate_attempts_total", { outcome: "success", status_class: "2xx", error: "none", endpoint_id: id })).toBe(1);
      expect(m.value("hookgate_attempt_duration_seconds_count", { endpoint_id: id })).toBe(1);
      expect(m.value("hookgate_time_to_delivery_seconds_count", { endpoint_id: id })).toBe(1);
    }
    // Only those three families take the label.
    const labelled = new Set(m.samples.filter((s) => "endpoint_id" in s.labels).map((s) => s.name.replace(/_(bucket|sum|count)$/, "")));
    expect([...labelled].sort()).toEqual(["hookgate_attempt_duration_seconds", "hookgate_attempts_total", "hookgate_time_to_delivery_seconds"]);

    await api.call("DELETE", `/v1/endpoints/${a}`);
    ({ m } = await scrape());
    expect(m.samples.filter((s) => s.labels.endpoint_id === a)).toEqual([]);
    expect(m.value("hookgate_attempt_duration_seconds_count", { endpoint_id: b })).toBe(1);
  });

  test("never shows a tenant, a URL or anything else a caller wrote", async () => {
    await setup({ metrics: { per_endpoint: true } });
    receiver!.respond("/secret-path-xyz", () => new Response("body-marker-xyz", { status: 500, headers: { "x-marker": "header-marker-xyz" } }));
    await endpoint("/secret-path-xyz", { tenant: "tenant-marker-xyz", description: "desc-marker-xyz", metadata: { m: "meta-marker-xyz" } });
    await event(
      { tenant: "tenant-marker-xyz", type: "type.marker_xyz", data: { d: "data-marker-xyz" }, callback_url: `${receiver!.url}/cb-marker-xyz` },
      { "idempotency-key": "key-marker-xyz" },
    );
    await api.deliverDue();
    const { text, m } = await scrape();
    expect(m.value("hookgate_events_accepted_total")).toBe(1);
    expect(text).not.toMatch(/marker|xyz|127\.0\.0\.1|http:/);
  });
});

describe("protection with server.metrics_token", () => {
  test.each([
    ["no header", undefined],
    ["a wrong token", `Bearer ${METRICS_TOKEN}x`],
    ["the admin token", `Bearer ${TEST_TOKEN}`],
  ])("refuses %s with 401 in the error shape", async (_name, authorization) => {
    await setup({ server: { metrics_token: METRICS_TOKEN } });
    const { res, text } = await scrape(authorization === undefined ? {} : { authorization });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toStartWith('Bearer realm="hookgate"');
    expect(JSON.parse(text)).toEqual({ error: { code: "unauthorized", message: "missing or wrong bearer token" } });
  });

  test("answers with the metrics token", async () => {
    await setup({ server: { metrics_token: METRICS_TOKEN } });
    const { res, m } = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(res.status).toBe(200);
    expect(m.value("hookgate_events_accepted_total")).toBe(0);
  });

  test("without a metrics token /metrics is open, and the admin token does not change that", async () => {
    await setup();
    expect((await scrape()).res.status).toBe(200);
    expect((await scrape({ authorization: "Bearer whatever" })).res.status).toBe(200);
  });
});

describe("scrape-time gauges", () => {
  const snapshot = (now: number): BacklogSnapshot => ({
    pending: 42,
    oldestPendingCreatedAt: now - 90_500,
    endpointsByState: { enabled: 7, disabled: 2 },
    failing: [],
  });

  test("come from the store: pending deliveries, the oldest one's age, endpoints by state", async () => {
    await setup();
    receiver!.respond("/down", () => 500);
    await endpoint("/down");
    const off = await endpoint("/off");
    await api.call("POST", `/v1/endpoints/${off}/disable`);
    let { m } = await scrape();
    expect(m.value("hookgate_deliveries_pending")).toBe(0);
    expect(m.value("hookgate_oldest_pending_age_seconds")).toBe(0);
    expect(m.value("hookgate_endpoints", { state: "enabled" })).toBe(1);
    expect(m.value("hookgate_endpoints", { state: "disabled" })).toBe(1);

    await event();
    api.clock.advance(1500);
    await event();
    api.clock.advance(2000);
    ({ m } = await scrape());
    expect(m.value("hookgate_deliveries_pending")).toBe(2);
    expect(m.value("hookgate_oldest_pending_age_seconds")).toBe(3.5);
  });

  test("read the backlog at the scrape's time: pending, the oldest one's age in seconds, endpoints by state", async () => {
    const asked: number[] = [];
    await setup({}, { backlog: async (now) => (asked.push(now), snapshot(now)) });
    const { m } = await scrape();
    expect(asked).toEqual([api.clock.now()]);
    expect(m.value("hookgate_deliveries_pending")).toBe(42);
    expect(m.value("hookgate_oldest_pending_age_seconds")).toBe(90.5);
    expect(m.value("hookgate_endpoints", { state: "enabled" })).toBe(7);
    expect(m.value("hookgate_endpoints", { state: "disabled" })).toBe(2);
  });

  test("the oldest pending age is 0 when nothing is pending", async () => {
    await setup({}, { backlog: async () => ({ pending: 0, oldestPendingCreatedAt: null, endpointsByState: { enabled: 0, disabled: 0 }, failing: [] }) });
    const { m } = await scrape();
    expect(m.value("hookgate_deliveries_pending")).toBe(0);
    expect(m.value("hookgate_oldest_pending_age_seconds")).toBe(0);
  });

  test("a backlog that cannot be read fails the scrape with 500 in the error shape, not with the gauges silently gone", async () => {
    await setup({}, { backlog: async () => Promise.reject(new Error("database is locked")) });
    const res = await api.request("/metrics");
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({ error: { code: "internal_error", message: "internal error; see the server log for this request id" } });
  });

  test("attempts in flight come from the dispatcher", async () => {
    await setup();
    receiver!.respond("/slow", () => "hang");
    await endpoint("/slow");
    await event();
    await api.dispatcher.tick();
    await receiver!.waitFor("/slow", 1);
    expect((await scrape()).m.value("hookgate_attempts_in_flight")).toBe(1);
    receiver!.close();
    receiver = null;
    await api.dispatcher.idle();
    expect((await scrape()).m.value("hookgate_attempts_in_flight")).toBe(0);
  });
});
