import { afterEach, describe, expect, test } from "bun:test";
import { createIdGenerator } from "../../src/domain/ids.ts";
import { createTestApi, type TestApi } from "../helpers/http-app.ts";
import { trafficWriter } from "../helpers/stats-data.ts";

let api: TestApi;
afterEach(() => api.close());

const MINUTE = 60_000;

async function createEndpoint(tenant = "default"): Promise<string> {
  const r = await api.call("POST", "/v1/endpoints", { url: "https://hooks.example.com/in", tenant });
  expect(r.status).toBe(201);
  return r.json.id;
}

describe("GET /v1/stats", () => {
  test("answers the 24h window by default, every bucket present, in snake_case with RFC 3339 times", async () => {
    api = await createTestApi();
    const r = await api.call("GET", "/v1/stats");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      window: "24h",
      from: "2026-01-14T10:30:00.000Z",
      to: "2026-01-15T10:30:00.000Z",
      bucket_seconds: 900,
      endpoints: [],
      totals: {
        deliveries: { pending: 0, succeeded: 0, failed: 0 },
        attempts: 0,
        failed_attempts: 0,
        success_rate: null,
        attempt_latency_ms: { p50: null, p95: null, p99: null },
        time_to_delivery_ms: { p50: null, p95: null, p99: null },
        failures_by_error: {},
      },
    });
    expect(r.json.totals.series).toHaveLength(96);
    expect(r.json.totals.series[0]).toEqual({ start: "2026-01-14T10:30:00.000Z", attempts: 0, failures: 0, p95_latency_ms: null });
  });

  test("reports what was delivered, per endpoint and in total, for a window, tenant or endpoint", async () => {
    api = await createTestApi();
    const acme = await createEndpoint("acme");
    const globex = await createEndpoint("globex");
    const w = trafficWriter(api.store, createIdGenerator(() => api.clock.now()));
    const now = api.clock.now();
    const [d1] = await w.event([(await api.store.endpoints.get(acme))!], now - 10 * MINUTE);
    const retried = await w.attempt(d1!, now - 10 * MINUTE, 40, { error: "timeout" });
    await w.attempt(retried, now - 9 * MINUTE, 10);
    const [d2] = await w.event([(await api.store.endpoints.get(globex))!], now - 5 * MINUTE);
    await w.attempt(d2!, now - 5 * MINUTE, 10);

    const r = await api.call("GET", "/v1/stats?window=1h");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ window: "1h", from: "2026-01-15T09:30:00.000Z", bucket_seconds: 60 });
    expect(r.json.totals).toMatchObject({
      deliveries: { pending: 0, succeeded: 2, failed: 0 },
      attempts: 3,
      failed_attempts: 1,
      failures_by_error: { timeout: 1 },
    });
    expect(r.json.totals.success_rate).toBeCloseTo(2 / 3, 10);
    expect(r.json.totals.attempt_latency_ms).toMatchObject({ p50: 10 });
    expect(r.json.totals.time_to_delivery_ms.p50).toBeGreaterThan(0);
    expect(r.json.totals.series).toHaveLength(60);
    expect(r.json.totals.series[50]).toEqual({ start: "2026-01-15T10:20:00.000Z", attempts: 1, failures: 1, p95_latency_ms: expect.any(Number) });
    expect(r.json.endpoints.map((e: any) => [e.endpoint_id, e.attempts])).toEqual([
      [acme, 2],
      [globex, 1],
    ]);

    const byTenant = await api.call("GET", "/v1/stats?window=1h&tenant=globex");
    expect(byTenant.json.totals.attempts).toBe(1);
    expect(byTenant.json.endpoints.map((e: any) => e.endpoint_id)).toEqual([globex]);
    const byEndpoint = await api.call("GET", `/v1/stats?window=7d&endpoint_id=${acme}`);
    expect(byEndpoint.json).toMatchObject({ window: "7d", bucket_seconds: 7200, totals: { attempts: 2 } });
    expect(byEndpoint.json.totals.series).toHaveLength(85); // 10:30 is not on a 2-hour boundary
  });

  test.each([
    ["an unknown window", "?window=2h", "window"],
    ["an empty window", "?window=", "window"],
    ["a repeated window", "?window=1h&window=7d", "window"],
    ["an unknown parameter", "?windw=1h", "windw"],
    ["a malformed tenant", "?tenant=a%20b", "tenant"],
  ])("refuses %s with 422 in the error shape", async (_name, query, path) => {
    api = await createTestApi();
    const r = await api.call("GET", `/v1/stats${query}`);
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe("validation_failed");
    expect(r.json.error.details.map((d: any) => d.path)).toContain(path);
  });

  test("answers 404 for an endpoint that does not exist", async () => {
    api = await createTestApi();
    const r = await api.call("GET", "/v1/stats?endpoint_id=ep_01JAAAAAAAAAAAAAAAAAAAAAAA");
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: { code: "not_found", message: "endpoint ep_01JAAAAAAAAAAAAAAAAAAAAAAA not found" } });
  });

  test("needs the admin token", async () => {
    api = await createTestApi();
    const r = await api.call("GET", "/v1/stats", undefined, { authorization: "Bearer wrong" });
    expect(r.status).toBe(401);
  });
});
