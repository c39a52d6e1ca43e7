/**
 * Keeps the OpenAPI document honest about answers: a scenario calls every
 * route, and each real answer must have a status the document lists for
 * that operation and a body that parses with the documented response schema
 * (the very zod schema the document was generated from; objects are strict,
 * so an undocumented field fails too).
 */
import { afterEach, expect, test } from "bun:test";
import type { RouteDoc } from "../../src/http/openapi/build-document.ts";
import { apiRoutes } from "../../src/http/openapi/api-routes.ts";
import { endpointSchemas } from "../../src/operations/input/endpoint.ts";
import { eventSchemas } from "../../src/http/schemas/event.ts";
import { errorResponse } from "../../src/http/schemas/responses.ts";
import { createTestApi, type TestApi, type TestResponse } from "../helpers/http-app.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let api: TestApi;
let receiver: Receiver;
afterEach(async () => {
  receiver.close();
  await api.close();
});

/** Not JSON, or not an answer of the API itself. */
const NOT_CALLED = ["GET /metrics", "GET /openapi.json"];

class Checker {
  readonly covered = new Set<string>();
  readonly statuses = new Set<number>();
  private readonly routes: RouteDoc[];

  constructor(
    private readonly api: TestApi,
    private readonly doc: any,
  ) {
    this.routes = apiRoutes({ endpoint: endpointSchemas(api.config), event: eventSchemas(api.config) });
  }

  /** Calls the app and checks the answer against the document; returns it for the scenario to go on. */
  async call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse> {
    const res = await this.api.call(method, path, body, headers);
    this.check(method, path, res.status, res.json);
    return res;
  }

  check(method: string, path: string, status: number, json: unknown): void {
    const pathname = path.split("?")[0]!;
    const route = this.routes.find((r) => r.method === method.toLowerCase() && templateMatches(r.path, pathname));
    if (!route) throw new Error(`no documented route for ${method} ${pathname}`);
    const where = `${method} ${route.path} ${status}`;
    const documented = this.doc.paths[route.path][route.method].responses[String(status)];
    expect({ where, documented: documented !== undefined }).toEqual({ where, documented: true });
    const expected = status < 300 ? route.responses[status as 200]?.schema : errorResponse;
    if (expected) {
      const parsed = expected.safeParse(json);
      expect({ where, issues: parsed.error?.issues ?? [] }).toEqual({ where, issues: [] });
    } else {
      expect({ where, body: json }).toEqual({ where, body: null });
    }
    this.covered.add(`${method} ${route.path}`);
    this.statuses.add(status);
  }
}

function templateMatches(template: string, path: string): boolean {
  return new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path);
}

test("every route answers what the OpenAPI document says, on success and on error", async () => {
  receiver = startReceiver();
  receiver.respond("/fail", () => new Response("down for maintenance", { status: 500, headers: { "x-reason": "maintenance" } }));
  api = await createTestApi({
    server: { max_body: "4KiB" },
    delivery: { require_https: false, allow_private_networks: true, retry_schedule: ["1s"], retry_jitter: 0 },
    event_types: [
      { name: "message.delivered", description: "Delivery confirmed by network", example: { message_id: "msg_abc123" } },
      { name: "message.failed" },
    ],
  });
  const doc: any = await (await api.request("/openapi.json")).json();
  const c = new Checker(api, doc);

  // Probes, without a token.
  for (const path of ["/healthz", "/readyz"]) {
    const res = await api.request(path);
    c.check("GET", path, res.status, await res.json());
  }

  // Endpoints.
  const ok = (await c.call("POST", "/v1/endpoints", { url: `${receiver.url}/ok`, tenant: "acme", headers: { "x-team": "sms" }, metadata: { plan: "gold" } })).json;
  const failing = (await c.call("POST", "/v1/endpoints", { url: `${receiver.url}/fail`, tenant: "acme", event_types: ["message.*"] })).json;
  const page1 = await c.call("GET", "/v1/endpoints?tenant=acme&limit=1");
  expect(page1.json.next_cursor).not.toBeNull();
  await c.call("GET", `/v1/endpoints?tenant=acme&limit=1&cursor=${page1.json.next_cursor}`);
  await c.call("GET", `/v1/endpoints/${ok.id}`);
  await c.call("PATCH", `/v1/endpoints/${ok.id}`, { description: "Acme production" });
  await c.call("POST", `/v1/endpoints/${ok.id}/rotate-secret`);
  expect((await c.call("GET", `/v1/endpoints/${ok.id}/secret`)).json.previous).toHaveLength(1);
  await c.call("POST", `/v1/endpoints/${ok.id}/disable`);
  await c.call("POST", `/v1/endpoints/${ok.id}/enable`, {});
  await c.call("GET", "/v1/event-types");

  // Events: single with a key and a callback, its replay, a conflicting reuse, a batch.
  const event = { type: "message.delivered", tenant: "acme", data: { message_id: "m1" }, callback_url: `${receiver.url}/callback` };
  const accepted = (await c.call("POST", "/v1/events", event, { "idempotency-key": "k1" })).json;
  expect(accepted.deliveries).toHaveLength(3);
  expect((await c.call("POST", "/v1/events", event, { "idempotency-key": "k1" })).headers.get("idempotent-replayed")).toBe("true");
  await c.call("POST", "/v1/events", { ...event, data: { message_id: "m2" } }, { "idempotency-key": "k1" });
  const first = { type: "message.failed", tenant: "acme", data: {}, idempotency_key: "b1", timestamp: "2026-01-15T12:00:00+02:00" };
  const batch = await c.call("POST", "/v1/events/batch", { events: [first, first, { ...first, data: { other: true } }] });
  expect(batch.json.data.map((r: any) => (r.error ? r.error.code : r.replayed ? "replayed" : "accepted"))).toEqual(["accepted", "replayed", "conflict"]);

  // Deliver: /ok and the callback succeed, /fail fails, retries after 1 s and fails for good.
  await api.deliverDue();
  api.clock.advance(1_000);
  await api.deliverDue();
  await c.call("GET", `/v1/events/${accepted.id}`);
  await c.call("GET", "/v1/deliveries?tenant=acme");
  const failed = (await c.call("GET", `/v1/deliveries?status=failed&endpoint_id=${failing.id}&event_type=message.delivered`)).json.data;
  expect(failed).toHaveLength(1);
  const detail = (await c.call("GET", `/v1/deliveries/${failed[0].id}`)).json;
  expect(detail.attempts.map((a: any) => a.status_code)).toEqual([500, 500]);
  await c.call("POST", `/v1/deliveries/${failed[0].id}/retry`);
  await c.call("POST", `/v1/deliveries/${failed[0].id}/retry`); // already pending: 409
  await c.call("GET", `/v1/endpoints/${failing.id}/deliveries?status=pending`);
  await c.call("POST", `/v1/endpoints/${failing.id}/recover`, { since: "2026-01-01T00:00:00Z" });
  await c.call("POST", `/v1/endpoints/${ok.id}/test`, { event_type: "message.delivered" });
  await c.call("POST", `/v1/endpoints/${failing.id}/test`);
  await c.call("POST", `/v1/endpoints/${failing.id}/disable`);
  await c.call("POST", `/v1/endpoints/${failing.id}/recover`, { since: "2026-01-01T00:00:00Z" }); // disabled: 409
  await c.call("DELETE", `/v1/endpoints/${failing.id}`);

  // Stats over what happened above, for every window, one tenant and one endpoint.
  for (const window of ["1h", "24h", "7d"]) {
    const stats = (await c.call("GET", `/v1/stats?window=${window}`)).json;
    expect(stats.totals.attempts).toBeGreaterThan(0);
    expect(stats.endpoints.map((e: any) => e.endpoint_id)).toContain(null); // the callback_url delivery
  }
  await c.call("GET", `/v1/stats?tenant=acme&endpoint_id=${ok.id}`);
  await c.call("GET", "/v1/stats?window=30d"); // 422
  await c.call("GET", "/v1/stats?endpoint_id=ep_01JHGZ4N5B6C7D8E9F0G1H2J3K"); // 404

  // Errors of every kind.
  await c.call("GET", "/v1/endpoints", undefined, { authorization: "Bearer wrong" });
  await c.call("GET", "/v1/endpoints/ep_01JHGZ4N5B6C7D8E9F0G1H2J3K");
  await c.call("POST", "/v1/endpoints", "{not json");
  await c.call("POST", "/v1/endpoints", { url: "ftp://example.com/", surprise: 1 });
  await c.call("GET", "/v1/deliveries?limit=0");
  await c.call("POST", "/v1/events", { type: "message.delivered", data: { blob: "x".repeat(8192) } });
  api.readiness.push({ name: "delivery", check: async () => Promise.reject(new Error("the delivery loop stopped")) });
  const notReady = await api.request("/readyz");
  c.check("GET", "/readyz", notReady.status, await notReady.json());

  const documented = Object.entries<any>(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
  expect(documented.filter((r) => !c.covered.has(r) && !NOT_CALLED.includes(r))).toEqual([]);
  expect([...c.statuses].sort()).toEqual([200, 201, 202, 204, 400, 401, 404, 409, 413, 422, 503]);
}, 30_000);
