/**
 * The delivery engine end to end: the real daemon process, a real receiver
 * on 127.0.0.1, second-long retry schedules from config and no jitter.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { cleanupDaemons, deliveryWhen, startDaemon, type Daemon } from "../helpers/daemon.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const T = 60_000; // per-test bound; the waits inside are tighter

const BASE = `
[delivery]
require_https = false
allow_private_networks = true
retry_jitter = 0
retry_schedule = ["1s", "2s"]
timeout = "2s"

[signing]
header = "X-Sakura-Signature"
`;

let receiver: Receiver;
afterEach(() => receiver?.close());
afterAll(cleanupDaemons);

async function createEndpoint(d: Daemon, body: Record<string, unknown>) {
  const r = await d.api("POST", "/v1/endpoints", body);
  expect(r.status).toBe(201);
  return r.json as { id: string; secret: string };
}

async function send(d: Daemon, body: Record<string, unknown>, headers?: Record<string, string>) {
  return d.api("POST", "/v1/events", body, headers ? { headers } : {});
}

/** Verifies a received request's Standard Webhooks signature with the reference library; throws when it does not verify. */
function verifyStandard(secret: string, req: { body: string; headers: Record<string, string> }): unknown {
  return new Webhook(secret).verify(req.body, {
    "webhook-id": req.headers["webhook-id"]!,
    "webhook-timestamp": req.headers["webhook-timestamp"]!,
    "webhook-signature": req.headers["webhook-signature"]!,
  });
}

describe("fan-out", () => {
  test(
    "sends an event to every enabled endpoint of its tenant whose event_types match, and to no other",
    async () => {
      receiver = startReceiver();
      const d = await startDaemon({ config: BASE });
      await createEndpoint(d, { url: `${receiver.url}/acme-messages`, tenant: "acme", event_types: ["message.*"] });
      await createEndpoint(d, { url: `${receiver.url}/acme-credit`, tenant: "acme", event_types: ["credit.low"] });
      await createEndpoint(d, { url: `${receiver.url}/acme-all`, tenant: "acme", event_types: ["*"] });
      await createEndpoint(d, { url: `${receiver.url}/acme-exact`, tenant: "acme", event_types: ["message.delivered"] });
      await createEndpoint(d, { url: `${receiver.url}/globex-all`, tenant: "globex" });

      const r = await send(d, { type: "message.delivered", tenant: "acme", data: { message_id: "msg_abc123" } });
      expect(r.status).toBe(202);
      expect(r.json.deliveries).toHaveLength(3);

      await receiver.waitFor("/acme-messages", 1);
      await receiver.waitFor("/acme-all", 1);
      await receiver.waitFor("/acme-exact", 1);
      const event = (await d.api("GET", `/v1/events/${r.json.id}`)).json;
      expect(event.deliveries.map((x: any) => x.url).sort()).toEqual(
        ["/acme-all", "/acme-exact", "/acme-messages"].map((p) => `${receiver.url}${p}`),
      );
      // Give a wrong delivery every chance to show up before saying it did not.
      await Bun.sleep(300);
      expect(receiver.at("/acme-credit")).toHaveLength(0);
      expect(receiver.at("/globex-all")).toHaveLength(0);
      await d.stop();
    },
    T,
  );

  test(
    "signs with Standard Webhooks headers and the configured simple header, both verifiable",
    async () => {
      receiver = startReceiver();
      const d = await startDaemon({ config: BASE });
      const ep = await createEndpoint(d, { url: `${receiver.url}/hook`, headers: { "X-Customer": "acme" } });
      const r = await send(d, { type: "message.delivered", data: { message_id: "msg_abc123", phone: "255712345678" }, timestamp: "2024-01-15T10:30:00Z" });
      const [req] = await receiver.waitFor("/hook", 1);
      const h = req!.headers;

      expect(h["content-type"]).toBe("application/json");
      expect(h["user-agent"]).toStartWith("hookgate/");
      expect(h["x-customer"]).toBe("acme");
      expect(h["webhook-id"]).toBe(r.json.id);
      expect(JSON.parse(req!.body)).toEqual({
        id: r.json.id,
        event: "message.delivered",
        timestamp: "2024-01-15T10:30:00Z",
        data: { message_id: "msg_abc123", phone: "255712345678" },
      });
      expect(req!.body.startsWith(`{"id":"${r.json.id}","event":"message.delivered","timestamp":`)).toBe(true);

      // Standard Webhooks, with the reference library.
      expect(verifyStandard(ep.secret, req!)).toEqual(JSON.parse(req!.body));
      // The simple header, as a receiver would check it with node:crypto.
      expect(h["x-sakura-signature"]).toBe(createHmac("sha256", ep.secret).update(req!.body).digest("hex"));
      await d.stop();
    },
    T,
  );

  test(
    "signs with both secrets while a rotation overlaps",
    async () => {
      receiver = startReceiver();
      const d = await startDaemon({ config: BASE });
      const ep = await createEndpoint(d, { url: `${receiver.url}/hook` });
      const rotated = (await d.api("POST", `/v1/endpoints/${ep.id}/rotate-secret`)).json;
      await send(d, { type: "message.delivered", data: {} });
      const [req] = await receiver.waitFor("/hook", 1);
      const h = req!.headers;
      expect(h["webhook-signature"]!.split(" ")).toHaveLength(2);
      for (const secret of [rotated.secret, ep.secret]) expect(() => verifyStandard(secret, req!)).not.toThrow();
      expect(h["x-sakura-signature"]!.split(",")).toEqual([
        createHmac("sha256", rotated.secret).update(req!.body).digest("hex"),
        createHmac("sha256", ep.secret).update(req!.body).digest("hex"),
      ]);
      await d.stop();
    },
    T,
  );
});

describe("retries", () => {
  test(
    "retries 500, 500, 200 as three attempts spaced by the schedule, with one webhook-id and the same body bytes",
    async () => {
      receiver = startReceiver();
      receiver.respond("/flaky", (n) => (n < 3 ? 500 : 200));
      const d = await startDaemon({ config: BASE });
      const ep = await createEndpoint(d, { url: `${receiver.url}/flaky` });
      const r = await send(d, { type: "message.failed", data: { message_id: "m1" } });
      const reqs = await receiver.waitFor("/flaky", 3);
      expect(new Set(reqs.map((q) => q.headers["webhook-id"]))).toEqual(new Set([r.json.id]));
      // The body is rendered once at ingest (the default timestamp, now, in whole seconds) and signed as is every time.
      expect(new Set(reqs.map((q) => q.body)).size).toBe(1);
      expect(JSON.parse(reqs[0]!.body).timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      for (const q of reqs) verifyStandard(ep.secret, q);
      const gap1 = reqs[1]!.receivedAt - reqs[0]!.receivedAt;
      const gap2 = reqs[2]!.receivedAt - reqs[1]!.receivedAt;
      expect(gap1).toBeGreaterThanOrEqual(950);
      expect(gap1).toBeLessThan(4000);
      expect(gap2).toBeGreaterThanOrEqual(1950);
      expect(gap2).toBeLessThan(6000);

      const dl = await deliveryWhen(d, r.json.deliveries[0].id, (x) => x.status === "succeeded");
      expect(dl.attempt_count).toBe(3);
      expect(dl.attempts.map((a: any) => [a.n, a.status_code, a.error])).toEqual([
        [1, 500, "http_status"],
        [2, 500, "http_status"],
        [3, 200, null],
      ]);
      expect(dl.attempts[0].next_attempt_at).not.toBeNull();
      expect(dl.attempts[2].next_attempt_at).toBeNull();
      await d.stop();
    },
    T,
  );

  test(
    "fails a delivery once the schedule is spent",
    async () => {
      receiver = startReceiver();
      receiver.respond("/down", () => 500);
      const d = await startDaemon({ config: BASE.replace('["1s", "2s"]', '["1s"]') });
      await createEndpoint(d, { url: `${receiver.url}/down` });
      const r = await send(d, { type: "message.failed", data: {} });
      const dl = await deliveryWhen(d, r.json.deliveries[0].id, (x) => x.status === "failed");
      expect(dl.attempt_count).toBe(2);
      expect(dl.last_error).toBe("HTTP 500");
      expect(dl.next_attempt_at).toBeNull();
      await Bun.sleep(1500);
      expect(receiver.at("/down")).toHaveLength(2);
      await d.stop();
    },
    T,
  );

  test(
    "disables the endpoint on 410 Gone and does not retry",
    async () => {
      receiver = startReceiver();
      receiver.respond("/gone", () => 410);
      const d = await startDaemon({ config: BASE });
      const ep = await createEndpoint(d, { url: `${receiver.url}/gone` });
      const r = await send(d, { type: "message.failed", data: {} });
      const dl = await deliveryWhen(d, r.json.deliveries[0].id, (x) => x.status === "failed");
      expect(dl.attempt_count).toBe(1);
      const e = (await d.api("GET", `/v1/endpoints/${ep.id}`)).json;
      expect(e).toMatchObject({ state: "disabled", disabled_reason: "gone" });
      await d.stop();
    },
    T,
  );

  test(
    "does not follow a redirect and records it as a failed attempt",
    async () => {
      receiver = startReceiver();
      receiver.respond("/moved", () => new Response(null, { status: 302, headers: { location: "/target" } }));
      const d = await startDaemon({ config: BASE.replace('["1s", "2s"]', "[]") });
      await createEndpoint(d, { url: `${receiver.url}/moved` });
      const r = await send(d, { type: "message.failed", data: {} });
      const dl = await deliveryWhen(d, r.json.deliveries[0].id, (x) => x.status === "failed");
      expect(dl.attempts[0]).toMatchObject({ status_code: 302, error: "redirect" });
      expect(receiver.at("/target")).toHaveLength(0);
      await d.stop();
    },
    T,
  );

  test(
    "gives up on a hung receiver at the timeout",
    async () => {
      receiver = startReceiver();
      receiver.respond("/hung", () => "hang");
      const d = await startDaemon({ config: BASE.replace('timeout = "2s"', 'timeout = "1s"').replace('["1s", "2s"]', "[]") });
      await createEndpoint(d, { url: `${receiver.url}/hung` });
      const r = await send(d, { type: "message.failed", data: {} });
      const dl = await deliveryWhen(d, r.json.deliveries[0].id, (x) => x.status === "failed");
      expect(dl.attempts[0].error).toBe("timeout");
      expect(dl.attempts[0].status_code).toBeNull();
      expect(dl.attempts[0].duration_ms).toBeGreaterThanOrEqual(900);
      expect(dl.attempts[0].duration_ms).toBeLessThan(5000);
      await d.stop();
    },
    T,
  );

  test(
    "keeps a pending retry across kill -9 and makes it after the restart",
    async () => {
      receiver = startReceiver();
      receiver.respond("/later", (n) => (n === 1 ? 500 : 200));
      const config = BASE.replace('["1s", "2s"]', '["3s"]');
      const first = await startDaemon({ config });
      await createEndpoint(first, { url: `${receiver.url}/later` });
      const r = await send(first, { type: "message.failed", data: {} });
      await deliveryWhen(first, r.json.deliveries[0].id, (x) => x.attempt_count === 1 && x.status === "pending");
      await first.kill9();

      const second = await startDaemon({ config, dataDir: first.dataDir });
      const reqs = await receiver.waitFor("/later", 2);
      expect(reqs[1]!.headers["webhook-id"]).toBe(r.json.id);
      expect(reqs[1]!.body).toBe(reqs[0]!.body);
      await deliveryWhen(second, r.json.deliveries[0].id, (x) => x.status === "succeeded");
      await second.stop();
    },
    T,
  );
});

describe("ingest options", () => {
  test(
    "answers a repeated Idempotency-Key with the first result and 409 for another body",
    async () => {
      receiver = startReceiver();
      const d = await startDaemon({ config: BASE });
      await createEndpoint(d, { url: `${receiver.url}/hook` });
      const body = { type: "credit.low", tenant: "default", data: { balance: 90 } };
      const first = await send(d, body, { "Idempotency-Key": "order-42" });
      const again = await send(d, body, { "Idempotency-Key": "order-42" });
      expect(first.status).toBe(202);
      expect(again.status).toBe(202);
      expect(again.json).toEqual(first.json);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      const other = await send(d, { ...body, data: { balance: 5 } }, { "Idempotency-Key": "order-42" });
      expect(other.status).toBe(409);
      expect(other.json.error.code).toBe("conflict");
      await receiver.waitFor("/hook", 1);
      await Bun.sleep(300);
      expect(receiver.at("/hook")).toHaveLength(1);
      await d.stop();
    },
    T,
  );

  test(
    "delivers to a one-off callback_url signed with the callbacks secret",
    async () => {
      receiver = startReceiver();
      const d = await startDaemon({ config: BASE });
      const r = await send(d, { type: "message.delivered", data: { message_id: "m9" }, callback_url: `${receiver.url}/dlr` });
      expect(r.json.deliveries).toEqual([{ id: expect.any(String), endpoint_id: null }]);
      const [req] = await receiver.waitFor("/dlr", 1);
      const secret = readFileSync(join(d.dataDir, "callbacks.secret"), "utf8").trim();
      expect(() => verifyStandard(secret, req!)).not.toThrow();
      await d.stop();
    },
    T,
  );

  test(
    "sends a signed sample on Test, answers the attempt, and leaves health and retries out of it",
    async () => {
      receiver = startReceiver();
      receiver.respond("/t", () => new Response("thanks", { status: 200 }));
      const d = await startDaemon({ config: BASE });
      const ep = await createEndpoint(d, { url: `${receiver.url}/t` });
      const r = await d.api("POST", `/v1/endpoints/${ep.id}/test`, { event_type: "credit.low" });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ n: 1, status_code: 200, error: null, response_body: "thanks", test: true, event_type: "credit.low" });
      const [req] = await receiver.waitFor("/t", 1);
      expect(JSON.parse(req!.body).event).toBe("credit.low");
      expect(() => verifyStandard(ep.secret, req!)).not.toThrow();
      const dl = (await d.api("GET", `/v1/deliveries/${r.json.delivery_id}`)).json;
      expect(dl).toMatchObject({ status: "succeeded", test: true });

      receiver.respond("/t", () => 500);
      const failed = await d.api("POST", `/v1/endpoints/${ep.id}/test`);
      expect(failed.json).toMatchObject({ status_code: 500, error: "http_status", next_attempt_at: null });
      const e = (await d.api("GET", `/v1/endpoints/${ep.id}`)).json;
      expect(e).toMatchObject({ consecutive_failures: 0, failing_since: null, last_success_at: null });
      await d.stop();
    },
    T,
  );
});

describe("endpoint health", () => {
  test(
    "auto-disables a failing endpoint; after enable and recover every event sent meanwhile arrives",
    async () => {
      receiver = startReceiver();
      let up = false;
      receiver.respond("/flaky", () => (up ? 200 : 503));
      const config = BASE.replace('retry_schedule = ["1s", "2s"]', 'retry_schedule = ["1s", "1s", "1s", "1s"]\nauto_disable_after = "2s"');
      const d = await startDaemon({ config });
      const started = new Date().toISOString();
      const ep = await createEndpoint(d, { url: `${receiver.url}/flaky` });
      const sent: string[] = [];
      sent.push((await send(d, { type: "message.failed", data: { i: 0 } })).json.id);

      const deadline = Date.now() + 15_000;
      while ((await d.api("GET", `/v1/endpoints/${ep.id}`)).json.state !== "disabled") {
        if (Date.now() > deadline) throw new Error("endpoint was never auto-disabled");
        await Bun.sleep(200);
      }
      const disabled = (await d.api("GET", `/v1/endpoints/${ep.id}`)).json;
      expect(disabled.disabled_reason).toBe("auto_failing");
      expect(disabled.consecutive_failures).toBeGreaterThanOrEqual(2);

      // Sent while disabled: recorded failed, no request.
      for (let i = 1; i <= 3; i++) sent.push((await send(d, { type: "message.failed", data: { i } })).json.id);
      const before = receiver.at("/flaky").length;
      const list = (await d.api("GET", `/v1/endpoints/${ep.id}/deliveries?status=failed`)).json.data;
      expect(list.filter((x: any) => x.last_error === "endpoint_disabled").length).toBeGreaterThanOrEqual(3);

      up = true;
      expect((await d.api("POST", `/v1/endpoints/${ep.id}/enable`)).json.state).toBe("enabled");
      const rec = await d.api("POST", `/v1/endpoints/${ep.id}/recover`, { since: started });
      expect(rec.json.queued).toBeGreaterThanOrEqual(3);

      const deadline2 = Date.now() + 15_000;
      for (;;) {
        const ok = new Set(receiver.at("/flaky").slice(before).map((q) => q.headers["webhook-id"]));
        if (sent.every((id) => ok.has(id))) break;
        if (Date.now() > deadline2) throw new Error(`not every event arrived after recover: ${[...ok].join(",")}`);
        await Bun.sleep(200);
      }
      await d.stop();
    },
    T,
  );

  test(
    "keeps delivering to a healthy endpoint while a hung one has hundreds pending",
    async () => {
      receiver = startReceiver();
      receiver.respond("/hung", () => "hang");
      const config = BASE.replace('timeout = "2s"', 'timeout = "30s"') + "\n";
      const d = await startDaemon({
        config: config.replace("[delivery]", "[delivery]\nconcurrency = 8\nmax_in_flight_per_endpoint = 4"),
      });
      await createEndpoint(d, { url: `${receiver.url}/hung`, event_types: ["message.*"] });
      await createEndpoint(d, { url: `${receiver.url}/fast`, event_types: ["credit.low"] });
      const batch = Array.from({ length: 300 }, (_, i) => ({ type: "message.sent", data: { i } }));
      expect((await d.api("POST", "/v1/events/batch", { events: batch })).status).toBe(202);
      await receiver.waitFor("/hung", 4);

      const sentAt = Date.now();
      await send(d, { type: "credit.low", data: { balance: 1 } });
      const [fast] = await receiver.waitFor("/fast", 1, 10_000);
      expect(fast!.receivedAt - sentAt).toBeLessThan(5000);
      // Still only the per-endpoint limit in flight to the hung one.
      expect(receiver.at("/hung")).toHaveLength(4);
      await d.stop("SIGKILL");
    },
    T,
  );
});
