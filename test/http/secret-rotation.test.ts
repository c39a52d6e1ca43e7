/**
 * Secret rotation as a subscriber sees it: real signed deliveries to a local
 * receiver, checked with the Standard Webhooks reference library and with a
 * plain HMAC for the simple header, the 24 h overlap walked with the fake
 * clock (the daemon has none, so this runs in process through createTestApi).
 */
import { afterEach, beforeEach, describe, expect, setSystemTime, test } from "bun:test";
import { createHmac } from "node:crypto";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { MAX_PREVIOUS_SECRETS, ROTATION_OVERLAP_MS } from "../../src/operations/endpoints.ts";
import { createTestApi, type TestApi } from "../helpers/http-app.ts";
import { startReceiver, type ReceivedRequest, type Receiver } from "../helpers/receiver.ts";

const secretOf = (fill: number) => `whsec_${Buffer.alloc(32, fill).toString("base64")}`;
const OLD = secretOf(1);
const NEW = secretOf(2);

let api: TestApi;
let receiver: Receiver;
beforeEach(async () => {
  receiver = startReceiver();
  api = await createTestApi({
    delivery: { require_https: false, allow_private_networks: true, retry_jitter: 0 },
    signing: { header: "X-Sakura-Signature" },
  });
});
afterEach(async () => {
  receiver.close();
  await api.close();
});

/**
 * Whether `secret` verifies `req` with the reference library. The library
 * refuses timestamps more than 5 minutes from its own Date.now(), and the
 * request was signed at the fake clock's time, so the system time is set to
 * the request's own for the check and put back at once.
 */
function verifies(secret: string, req: ReceivedRequest): boolean {
  setSystemTime(new Date(Number(req.headers["webhook-timestamp"]) * 1000));
  try {
    new Webhook(secret).verify(req.body, {
      "webhook-id": req.headers["webhook-id"]!,
      "webhook-timestamp": req.headers["webhook-timestamp"]!,
      "webhook-signature": req.headers["webhook-signature"]!,
    });
    return true;
  } catch (err) {
    if (err instanceof WebhookVerificationError) return false;
    throw err;
  } finally {
    setSystemTime();
  }
}

const hex = (secret: string, body: string) => createHmac("sha256", secret).update(body).digest("hex");

let sent = 0;
/** Ingests one event, delivers what is due, and answers the request the receiver got for it. */
async function deliverOne(): Promise<ReceivedRequest> {
  sent += 1;
  const r = await api.call("POST", "/v1/events", { type: "message.delivered", data: { n: sent } });
  expect(r.status).toBe(202);
  await api.deliverDue();
  const got = receiver.at("/hook");
  const req = got.find((q) => JSON.parse(q.body).id === r.json.id);
  if (!req) throw new Error(`event ${r.json.id} never reached the receiver (${got.length} requests there)`);
  return req;
}

async function createEndpoint(secret: string): Promise<string> {
  const r = await api.call("POST", "/v1/endpoints", { url: `${receiver.url}/hook`, secret });
  expect(r.status).toBe(201);
  return r.json.id;
}

describe("rotating an endpoint secret", () => {
  test("both secrets verify during the 24 h overlap, and only the new one from the moment it ends", async () => {
    const id = await createEndpoint(OLD);
    const rotated = await api.call("POST", `/v1/endpoints/${id}/rotate-secret`, { secret: NEW });
    const endsAt = new Date(api.clock.now() + ROTATION_OVERLAP_MS).toISOString();
    expect(rotated.json).toEqual({ secret: NEW, previous: [{ secret: OLD, expires_at: endsAt }] });

    const during = await deliverOne();
    expect(verifies(NEW, during)).toBe(true);
    expect(verifies(OLD, during)).toBe(true);
    expect(during.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    // Simple header: newest first, comma-separated.
    expect(during.headers["x-sakura-signature"]).toBe(`${hex(NEW, during.body)},${hex(OLD, during.body)}`);

    api.clock.advance(ROTATION_OVERLAP_MS - 1_000);
    const lastSecond = await deliverOne();
    expect([verifies(NEW, lastSecond), verifies(OLD, lastSecond)]).toEqual([true, true]);

    api.clock.advance(1_000);
    const after = await deliverOne();
    expect(verifies(NEW, after)).toBe(true);
    expect(verifies(OLD, after)).toBe(false);
    expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(after.headers["x-sakura-signature"]).toBe(hex(NEW, after.body));
    expect((await api.call("GET", `/v1/endpoints/${id}/secret`)).json).toEqual({ secret: NEW, previous: [] });
  });

  test("a delivery made before the rotation is retried with the secrets active at the retry", async () => {
    receiver.respond("/hook", (n) => (n === 1 ? 503 : 200));
    const id = await createEndpoint(OLD);
    const first = await deliverOne();
    expect(verifies(OLD, first)).toBe(true);
    await api.call("POST", `/v1/endpoints/${id}/rotate-secret`, { secret: NEW });
    api.clock.advance(ROTATION_OVERLAP_MS + 60 * 60_000); // past the overlap and the first retry wait
    await api.deliverDue();
    const retried = (await receiver.waitFor("/hook", 2))[1]!;
    expect(retried.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(verifies(NEW, retried)).toBe(true);
    expect(verifies(OLD, retried)).toBe(false);
  });

  test(`keeps at most ${MAX_PREVIOUS_SECRETS} rotated-out secrets, dropping the oldest, and signs with the current one and those`, async () => {
    const all = Array.from({ length: MAX_PREVIOUS_SECRETS + 3 }, (_, i) => secretOf(10 + i));
    const id = await createEndpoint(all[0]!);
    for (const secret of all.slice(1)) {
      api.clock.advance(1_000);
      expect((await api.call("POST", `/v1/endpoints/${id}/rotate-secret`, { secret })).status).toBe(200);
    }
    const current = all.at(-1)!;
    const kept = all.slice(-1 - MAX_PREVIOUS_SECRETS, -1).reverse(); // newest first
    const dropped = all.slice(0, -1 - MAX_PREVIOUS_SECRETS);
    const shown = (await api.call("GET", `/v1/endpoints/${id}/secret`)).json;
    expect(shown.secret).toBe(current);
    expect(shown.previous.map((p: { secret: string }) => p.secret)).toEqual(kept);

    const req = await deliverOne();
    expect(req.headers["webhook-signature"]!.split(" ")).toHaveLength(1 + MAX_PREVIOUS_SECRETS);
    expect(req.headers["x-sakura-signature"]).toBe([current, ...kept].map((s) => hex(s, req.body)).join(","));
    for (const secret of [current, ...kept]) expect(verifies(secret, req)).toBe(true);
    for (const secret of dropped) expect(verifies(secret, req)).toBe(false);
  });

  test("a rotation without a body draws a fresh 32-byte secret each time", async () => {
    const id = await createEndpoint(OLD);
    const a = (await api.call("POST", `/v1/endpoints/${id}/rotate-secret`)).json.secret as string;
    const b = (await api.call("POST", `/v1/endpoints/${id}/rotate-secret`, {})).json.secret as string;
    for (const s of [a, b]) expect(Buffer.from(s.slice("whsec_".length), "base64")).toHaveLength(32);
    expect(new Set([OLD, a, b]).size).toBe(3);
  });
});
