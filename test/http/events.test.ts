import { afterEach, describe, expect, test } from "bun:test";
import { createTestApi, type TestApi } from "../helpers/http-app.ts";

let api: TestApi;
afterEach(() => api.close());

const LOCAL = { delivery: { require_https: false, allow_private_networks: true } };

async function rows(api: TestApi, tenant = "default") {
  return api.store.deliveries.list({ limit: 1000, tenant });
}

describe("POST /v1/events", () => {
  test("answers 202 with the event id and one delivery per matching endpoint", async () => {
    api = await createTestApi();
    const a = (await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/", event_types: ["message.*"] })).json;
    await api.call("POST", "/v1/endpoints", { url: "https://b.example.com/", event_types: ["credit.low"] });
    const r = await api.call("POST", "/v1/events", { type: "message.delivered", data: { message_id: "m1" } });
    expect(r.status).toBe(202);
    expect(r.json).toEqual({ id: expect.stringMatching(/^evt_/), deliveries: [{ id: expect.stringMatching(/^dlv_/), endpoint_id: a.id }] });
    const event = (await api.call("GET", `/v1/events/${r.json.id}`)).json;
    expect(event).toMatchObject({
      id: r.json.id,
      type: "message.delivered",
      tenant: "default",
      timestamp: "2026-01-15T10:30:00Z",
      data: { message_id: "m1" },
      callback_url: null,
      test: false,
    });
    expect(event.deliveries).toHaveLength(1);
    expect(event.deliveries[0]).toMatchObject({ status: "pending", attempt_count: 0, endpoint_id: a.id });
  });

  test("accepts an event no endpoint wants, with no deliveries", async () => {
    api = await createTestApi();
    const r = await api.call("POST", "/v1/events", { type: "contact.opted_out", data: {} });
    expect(r.status).toBe(202);
    expect(r.json.deliveries).toEqual([]);
  });

  const cases: [string, unknown, Record<string, any>, string, string][] = [
    ["no type", { data: {} }, {}, "type", "expected an event type string"],
    ["a type with capitals", { type: "Message.Delivered", data: {} }, {}, "type", 'expected lower-case words separated by dots, such as "message.delivered"'],
    ["a type outside the catalog", { type: "message.bounced", data: {} }, { event_types: [{ name: "message.delivered" }] }, "type", "expected one of the catalog's event types (message.delivered)"],
    ["data that is not an object", { type: "a.b", data: [1, 2] }, {}, "data", "expected a JSON object"],
    ["missing data", { type: "a.b" }, {}, "data", "expected a JSON object"],
    ["a bad tenant", { type: "a.b", data: {}, tenant: "" }, {}, "tenant", "expected 1 to 128 letters, digits or . _ : -"],
    ["a timestamp that is not RFC 3339", { type: "a.b", data: {}, timestamp: "15/01/2024" }, {}, "timestamp", 'expected an RFC 3339 time, such as "2024-01-15T10:30:00Z"'],
    ["a callback_url on a private address", { type: "a.b", data: {}, callback_url: "https://10.0.0.1/x" }, {}, "callback_url", "host 10.0.0.1 is a private address (set delivery.allow_private_networks = true to allow it)"],
    ["an http callback_url", { type: "a.b", data: {}, callback_url: "http://example.com/x" }, {}, "callback_url", "must be an https URL (set delivery.require_https = false to allow http)"],
    ["an unknown field", { type: "a.b", data: {}, priority: "high" }, {}, "priority", "unknown field"],
  ];

  test.each(cases)("refuses %s with 422 and writes nothing", async (_name, body, config, path, message) => {
    api = await createTestApi(config);
    await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/" });
    const r = await api.call("POST", "/v1/events", body);
    expect(r.status).toBe(422);
    expect(r.json.error.details).toContainEqual({ path, message });
    expect(await rows(api)).toEqual([]);
  });

  test("refuses a malformed Idempotency-Key header", async () => {
    api = await createTestApi();
    const r = await api.call("POST", "/v1/events", { type: "a.b", data: {} }, { "idempotency-key": "has space" });
    expect(r.status).toBe(422);
    expect(r.json.error.message).toBe("expected 1 to 255 printable characters without spaces");
  });

  test("keeps idempotency keys per tenant", async () => {
    api = await createTestApi();
    const a = await api.call("POST", "/v1/events", { type: "a.b", data: {}, tenant: "acme" }, { "idempotency-key": "k1" });
    const b = await api.call("POST", "/v1/events", { type: "a.b", data: {}, tenant: "globex" }, { "idempotency-key": "k1" });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.json.id).not.toBe(a.json.id);
  });

  test("answers 404 for an unknown event", async () => {
    api = await createTestApi();
    expect((await api.call("GET", "/v1/events/evt_01M82A38PF3VYBN57YT8W23366")).status).toBe(404);
  });
});

describe("POST /v1/events/batch", () => {
  test("answers one result per event, in order", async () => {
    api = await createTestApi();
    await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/", event_types: ["credit.*"] });
    const r = await api.call("POST", "/v1/events/batch", {
      events: [
        { type: "credit.low", data: { balance: 1 } },
        { type: "message.sent", data: {} },
        { type: "credit.purchased", data: { credits: 5 }, idempotency_key: "p1" },
      ],
    });
    expect(r.status).toBe(202);
    expect(r.json.data.map((x: any) => x.deliveries.length)).toEqual([1, 0, 1]);
    const again = await api.call("POST", "/v1/events/batch", {
      events: [
        { type: "credit.purchased", data: { credits: 5 }, idempotency_key: "p1" },
        { type: "credit.purchased", data: { credits: 6 }, idempotency_key: "p1" },
      ],
    });
    expect(again.json.data[0]).toEqual({ ...r.json.data[2], replayed: true });
    expect(again.json.data[1].error.code).toBe("conflict");
  });

  test.each([
    ["no events", { events: [] }, "events", "expected at least one event"],
    ["too many events", { events: Array.from({ length: 1001 }, () => ({ type: "a.b", data: {} })) }, "events", "expected at most 1000 events"],
    ["one bad event among good ones", { events: [{ type: "a.b", data: {} }, { type: "a.b", data: 5 }] }, "events[1].data", "expected a JSON object"],
  ])("refuses %s with 422 and writes nothing", async (_name, body, path, message) => {
    api = await createTestApi();
    await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/" });
    const r = await api.call("POST", "/v1/events/batch", body);
    expect(r.status).toBe(422);
    expect(r.json.error.details[0]).toEqual({ path, message });
    expect(await rows(api)).toEqual([]);
  });

  test("refuses an Idempotency-Key header, which batches do not take", async () => {
    api = await createTestApi();
    const r = await api.call("POST", "/v1/events/batch", { events: [{ type: "a.b", data: {} }] }, { "idempotency-key": "k" });
    expect(r.status).toBe(422);
    expect(r.json.error.details[0].path).toBe("Idempotency-Key");
  });
});

describe("deliveries and operator actions", () => {
  async function failedDelivery(api: TestApi) {
    // Nothing listens on port 9 (discard) on loopback: the attempt is refused, and with no retries it fails.
    const ep = (await api.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/hook" })).json;
    const r = await api.call("POST", "/v1/events", { type: "a.b", data: {} });
    await api.deliverDue();
    return { ep, deliveryId: r.json.deliveries[0].id as string };
  }

  test("lists deliveries with filters and shows one with its attempts", async () => {
    api = await createTestApi({ ...LOCAL, delivery: { ...LOCAL.delivery, retry_schedule: [] } });
    const { ep, deliveryId } = await failedDelivery(api);
    const list = await api.call("GET", `/v1/deliveries?status=failed&endpoint_id=${ep.id}&tenant=default&event_type=a.b`);
    expect(list.json.data.map((d: any) => d.id)).toEqual([deliveryId]);
    expect((await api.call("GET", "/v1/deliveries?status=succeeded")).json.data).toEqual([]);
    const one = (await api.call("GET", `/v1/deliveries/${deliveryId}`)).json;
    expect(one).toMatchObject({ status: "failed", attempt_count: 1, last_error: "connection_refused", next_attempt_at: null });
    expect(one.attempts).toHaveLength(1);
    expect(one.attempts[0]).toMatchObject({ n: 1, status_code: null, error: "connection_refused", response_body: null });
    expect(one.attempts[0].request_headers["webhook-id"]).toBe(one.event_id);
    const byEndpoint = await api.call("GET", `/v1/endpoints/${ep.id}/deliveries?status=failed`);
    expect(byEndpoint.json.data.map((d: any) => d.id)).toEqual([deliveryId]);
  });

  test("retries a failed delivery at once, and refuses to retry a pending one", async () => {
    api = await createTestApi({ ...LOCAL, delivery: { ...LOCAL.delivery, retry_schedule: [] } });
    const { deliveryId } = await failedDelivery(api);
    const r = await api.call("POST", `/v1/deliveries/${deliveryId}/retry`);
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ status: "pending", next_attempt_at: "2026-01-15T10:30:00.000Z" });
    const again = await api.call("POST", `/v1/deliveries/${deliveryId}/retry`);
    expect(again.status).toBe(409);
    expect((await api.call("POST", "/v1/deliveries/dlv_01M82A38PF3VYBN57YT8W23366/retry")).status).toBe(404);
  });

  test("a manual retry starts the retry schedule afresh", async () => {
    api = await createTestApi({ ...LOCAL, delivery: { ...LOCAL.delivery, retry_schedule: ["1s"], retry_jitter: 0 } });
    const { deliveryId } = await failedDelivery(api);
    api.clock.advance(1000);
    await api.deliverDue();
    expect((await api.call("GET", `/v1/deliveries/${deliveryId}`)).json).toMatchObject({ status: "failed", attempt_count: 2 });

    await api.call("POST", `/v1/deliveries/${deliveryId}/retry`);
    await api.deliverDue();
    // Attempt 3 fails, and with the schedule restarted there is again one retry left.
    const after = (await api.call("GET", `/v1/deliveries/${deliveryId}`)).json;
    expect(after).toMatchObject({ status: "pending", attempt_count: 3, next_attempt_at: "2026-01-15T10:30:02.000Z" });
    expect(after.attempts.map((a: any) => a.n)).toEqual([1, 2, 3]);
  });

  test("refuses to retry for a disabled endpoint or recover one", async () => {
    api = await createTestApi({ ...LOCAL, delivery: { ...LOCAL.delivery, retry_schedule: [] } });
    const { ep, deliveryId } = await failedDelivery(api);
    await api.call("POST", `/v1/endpoints/${ep.id}/disable`);
    expect((await api.call("POST", `/v1/deliveries/${deliveryId}/retry`)).status).toBe(409);
    const rec = await api.call("POST", `/v1/endpoints/${ep.id}/recover`, { since: "2026-01-01T00:00:00Z" });
    expect(rec.status).toBe(409);
    expect(rec.json.error.message).toBe(`endpoint ${ep.id} is disabled; enable it first, then recover`);
  });

  test("recovers the failed deliveries created since a time", async () => {
    api = await createTestApi({ ...LOCAL, delivery: { ...LOCAL.delivery, retry_schedule: [] } });
    const { ep } = await failedDelivery(api);
    const none = await api.call("POST", `/v1/endpoints/${ep.id}/recover`, { since: "2026-01-15T10:30:01Z" });
    expect(none.json).toEqual({ queued: 0 });
    const some = await api.call("POST", `/v1/endpoints/${ep.id}/recover`, { since: "2026-01-15T10:30:00Z" });
    expect(some.json).toEqual({ queued: 1 });
    const bad = await api.call("POST", `/v1/endpoints/${ep.id}/recover`, { since: "yesterday" });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0].path).toBe("since");
  });

  test.each([
    ["status=lost", "status"],
    ["limit=0", "limit"],
    ["cursor=abc", "cursor"],
  ])("refuses ?%s on the delivery log with 422", async (query, path) => {
    api = await createTestApi();
    const r = await api.call("GET", `/v1/deliveries?${query}`);
    expect(r.status).toBe(422);
    expect(r.json.error.details[0].path).toBe(path);
  });

  test("records a delivery for a disabled endpoint as failed with endpoint_disabled and sends nothing", async () => {
    api = await createTestApi(LOCAL);
    const ep = (await api.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/hook" })).json;
    await api.call("POST", `/v1/endpoints/${ep.id}/disable`);
    const r = await api.call("POST", "/v1/events", { type: "a.b", data: {} });
    const d = (await api.call("GET", `/v1/deliveries/${r.json.deliveries[0].id}`)).json;
    expect(d).toMatchObject({ status: "failed", last_error: "endpoint_disabled", attempt_count: 1 });
    expect(d.attempts[0]).toMatchObject({ error: "endpoint_disabled", status_code: null, request_headers: {} });
  });

  test("deleting an endpoint ends its pending deliveries as failed (endpoint_deleted)", async () => {
    api = await createTestApi(LOCAL);
    const ep = (await api.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/hook" })).json;
    const r = await api.call("POST", "/v1/events", { type: "a.b", data: {} });
    await api.call("DELETE", `/v1/endpoints/${ep.id}`);
    const d = (await api.call("GET", `/v1/deliveries/${r.json.deliveries[0].id}`)).json;
    expect(d).toMatchObject({ status: "failed", last_error: "endpoint_deleted" });
  });
});
