/**
 * The deliverer's stages put together, against a real receiver on
 * loopback: what one claimed delivery turns into (the request the receiver
 * sees, and the record handed to the store). The stages' rules have their
 * own table tests (test/domain/, decide-next.test.ts); these hold the
 * composition to them.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { FakeClock } from "../../src/clock.ts";
import { configSchema } from "../../src/config/schema.ts";
import { createDeliverer, type Destination } from "../../src/delivery/deliver.ts";
import { createIdGenerator } from "../../src/domain/ids.ts";
import { createHttpClient } from "../../src/http-client/http-client.ts";
import type { ClaimedDelivery } from "../../src/store/contract.ts";
import type { Delivery, Endpoint } from "../../src/domain/model.ts";
import { VERSION } from "../../src/version.ts";
import { startReceiver } from "../helpers/receiver.ts";

const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const MINUTE = 60_000;
const START = Date.UTC(2026, 0, 15, 10, 30);
const PAYLOAD = '{"type":"order.paid","data":{"id":42}}';

const receiver = startReceiver();
const client = createHttpClient({ allowPrivateNetworks: true });
afterAll(async () => {
  await client.close();
  receiver.close();
});

let clock = new FakeClock(START);
afterEach(() => {
  clock = new FakeClock(START);
  receiver.requests.splice(0);
});

const config = configSchema.parse({ delivery: { retry_schedule: ["1m", "5m"], retry_jitter: 0, allow_private_networks: true, auto_disable_after: "1h" } });

function endpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  return {
    id: "ep_1", tenant: "acme", url: `${receiver.url}/hook`, description: "", eventTypes: [], headers: { "x-tenant": "acme" }, metadata: {},
    state: "enabled", disabledReason: null, failingSince: null, lastSuccessAt: null, consecutiveFailures: 0, createdAt: START, updatedAt: START,
    ...overrides,
  };
}

function claimed(overrides: Partial<Delivery> = {}): ClaimedDelivery {
  const delivery: Delivery = {
    id: "dlv_1", eventId: "evt_1", tenant: "acme", eventType: "order.paid", endpointId: "ep_1", url: `${receiver.url}/hook`, status: "pending",
    attemptCount: 0, nextAttemptAt: START, lease: { owner: "node_test", until: START + MINUTE, at: START }, lastError: null, scheduleStart: 0, isTest: false, createdAt: START, updatedAt: START,
    ...overrides,
  };
  return { delivery, payload: PAYLOAD };
}

/** A deliverer whose destination lookup answers `destination` (null: the endpoint was deleted). */
function deliverer(destination: Destination | null) {
  return createDeliverer({ client, config, clock, ids: createIdGenerator(() => clock.now()), random: () => 0.5, destination: async () => destination });
}

describe("createDeliverer", () => {
  test("a 2xx: one signed POST, the delivery succeeds and the endpoint's health records a success", async () => {
    const record = await deliverer({ endpoint: endpoint(), secrets: [SECRET] })(claimed());
    expect(receiver.requests).toHaveLength(1);
    const [sent] = receiver.requests;
    expect(sent!.body).toBe(PAYLOAD);
    expect(sent!.headers).toMatchObject({ "x-tenant": "acme", "user-agent": `hookgate/${VERSION}`, "webhook-id": "evt_1", "webhook-timestamp": String(START / 1000) });
    expect(sent!.headers["webhook-signature"]).toBe(new Webhook(SECRET).sign("evt_1", new Date(START), PAYLOAD));
    expect(record).toMatchObject({ next: { status: "succeeded" }, health: { success: true } });
    expect(record!.attempt).toMatchObject({ deliveryId: "dlv_1", n: 1, startedAt: START, statusCode: 200, error: null, nextAttemptAt: null });
    expect(record!.attempt.requestHeaders["webhook-id"]).toBe("evt_1");
  });

  test("a 429 with Retry-After is retried when the receiver asked, and counts against the endpoint", async () => {
    receiver.respond("/busy", () => new Response(null, { status: 429, headers: { "retry-after": "180" } }));
    const record = await deliverer({ endpoint: endpoint(), secrets: [SECRET] })(claimed({ url: `${receiver.url}/busy` }));
    expect(record).toMatchObject({ next: { status: "pending", at: START + 3 * MINUTE }, health: { success: false, disable: null } });
    expect(record!.attempt).toMatchObject({ statusCode: 429, error: "http_status", nextAttemptAt: START + 3 * MINUTE });
  });

  test("a 410 fails the delivery at once and reports the endpoint gone", async () => {
    receiver.respond("/gone", () => 410);
    const record = await deliverer({ endpoint: endpoint(), secrets: [SECRET] })(claimed({ url: `${receiver.url}/gone` }));
    expect(record).toMatchObject({ next: { status: "failed" }, health: { success: false, disable: "gone" } });
  });

  test("no listener: the transport error is recorded, not thrown, and the delivery is retried", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}/hook`;
    await closed.stop(true);
    const record = await deliverer({ endpoint: endpoint(), secrets: [SECRET] })(claimed({ url }));
    expect(record!.attempt).toMatchObject({ statusCode: null, error: "connection_refused", nextAttemptAt: START + MINUTE });
    expect(record!.next).toEqual({ status: "pending", at: START + MINUTE });
  });

  test("a disabled endpoint gets no request: the attempt is recorded as endpoint_disabled and the delivery fails", async () => {
    const record = await deliverer({ endpoint: endpoint({ state: "disabled", disabledReason: "manual" }), secrets: [SECRET] })(claimed());
    expect(receiver.requests).toHaveLength(0);
    expect(record).toMatchObject({ next: { status: "failed" }, health: null });
    expect(record!.attempt).toMatchObject({ n: 1, error: "endpoint_disabled", statusCode: null, requestHeaders: {}, nextAttemptAt: null });
  });

  test("a test send reaches a disabled endpoint, is not retried and leaves its health alone", async () => {
    receiver.respond("/down", () => 503);
    const record = await deliverer({ endpoint: endpoint({ state: "disabled", disabledReason: "auto_failing" }), secrets: [SECRET] })(claimed({ url: `${receiver.url}/down`, isTest: true }));
    expect(receiver.requests).toHaveLength(1);
    expect(record).toMatchObject({ next: { status: "failed" }, health: null });
    expect(record!.attempt.statusCode).toBe(503);
  });

  test("a callback_url delivery is signed with the given secret, without custom headers, and moves no health", async () => {
    const record = await deliverer({ endpoint: null, secrets: [SECRET] })(claimed({ endpointId: null }));
    expect(receiver.requests[0]!.headers["x-tenant"]).toBeUndefined();
    expect(record).toMatchObject({ next: { status: "succeeded" }, health: null });
  });

  test("an endpoint deleted meanwhile: nothing is sent and nothing recorded", async () => {
    expect(await deliverer(null)(claimed())).toBeNull();
    expect(receiver.requests).toHaveLength(0);
  });
});
