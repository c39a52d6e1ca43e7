/**
 * Secrets and access through the real process, logging at debug so the most
 * is written: after a full session (endpoints created with a given and a
 * generated secret, rotations, the secret revealed, events delivered to a
 * local receiver with a callback_url, a test send, a failing endpoint, wrong
 * tokens, a 500) no admin token, endpoint secret, callbacks secret, rejected
 * token or signature value appears anywhere in stdout or stderr. Secrets
 * come back only from create, GET /secret and rotate-secret; the data dir
 * and the generated files are private; the generated token carries 256 bits.
 */
import { Database } from "bun:sqlite";
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { cleanupDaemons, startDaemon, type ApiResponse, type Daemon } from "../helpers/daemon.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const T = 60_000; // per-test bound; every wait inside is tighter

const CONFIG = `
[delivery]
require_https = false
allow_private_networks = true
retry_jitter = 0
retry_schedule = ["1s"]
timeout = "2s"

[signing]
header = "X-Sakura-Signature"

[log]
level = "debug"
`;

const GIVEN_SECRET = `whsec_${Buffer.alloc(32, 0x5a).toString("base64")}`;
const GIVEN_ROTATION = `whsec_${Buffer.alloc(48, 0x6b).toString("base64")}`;

let receiver: Receiver | undefined;
afterEach(() => receiver?.close());
afterAll(cleanupDaemons);

/** Polls a delivery until it is no longer pending; bounded. */
async function settled(d: Daemon, id: string, timeoutMs = 15_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await d.api("GET", `/v1/deliveries/${id}`);
    if (r.json.status !== "pending" || r.json.attempt_count > 0) return r;
    if (Date.now() > deadline) throw new Error(`delivery ${id} still pending after ${timeoutMs}ms: ${JSON.stringify(r.json)}`);
    await Bun.sleep(50);
  }
}

/** The secret strings worth hunting for: each whole, and the base64 after "whsec_" on its own. */
function forms(secret: string): string[] {
  return secret.startsWith("whsec_") ? [secret, secret.slice("whsec_".length)] : [secret];
}

describe("a full session at log level debug", () => {
  test(
    "leaks no token, secret or signature into the log, and shows secrets only where the API promises them",
    async () => {
      receiver = startReceiver();
      receiver.respond("/failing", () => 500);
      const d = await startDaemon({ config: CONFIG });
      const callbacksSecret = readFileSync(join(d.dataDir, "callbacks.secret"), "utf8").trim();
      const secrets: string[] = [d.token, callbacksSecret, GIVEN_SECRET, GIVEN_ROTATION];
      /** Answers that may carry endpoint secrets; every other answer is scanned for them. */
      const revealing: ApiResponse[] = [];
      const answers: { call: string; res: ApiResponse }[] = [];
      const call = async (method: string, path: string, body?: unknown, options?: Parameters<Daemon["api"]>[3]) => {
        const res = await d.api(method, path, body, options);
        answers.push({ call: `${method} ${path}`, res });
        return res;
      };

      // Endpoints: one with a given secret, one generated, one that fails.
      const a = await call("POST", "/v1/endpoints", { url: `${receiver.url}/a`, secret: GIVEN_SECRET, headers: { "X-Customer": "acme" } });
      expect(a.status).toBe(201);
      expect(a.json.secret).toBe(GIVEN_SECRET);
      revealing.push(a);
      const b = await call("POST", "/v1/endpoints", { url: `${receiver.url}/b` });
      expect(b.status).toBe(201);
      secrets.push(b.json.secret);
      revealing.push(b);
      const failing = await call("POST", "/v1/endpoints", { url: `${receiver.url}/failing`, event_types: ["credit.low"] });
      secrets.push(failing.json.secret);
      revealing.push(failing);

      // Rotate twice (generated, then given) and reveal.
      const rotated = await call("POST", `/v1/endpoints/${a.json.id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      secrets.push(rotated.json.secret);
      revealing.push(rotated);
      const rotatedGiven = await call("POST", `/v1/endpoints/${a.json.id}/rotate-secret`, { secret: GIVEN_ROTATION });
      expect(rotatedGiven.json.secret).toBe(GIVEN_ROTATION);
      revealing.push(rotatedGiven);
      const revealed = await call("GET", `/v1/endpoints/${a.json.id}/secret`);
      expect(revealed.json.secret).toBe(GIVEN_ROTATION);
      expect(revealed.json.previous.map((p: { secret: string }) => p.secret)).toEqual([rotated.json.secret, GIVEN_SECRET]);
      revealing.push(revealed);

      // Views that must not carry a secret.
      await call("GET", `/v1/endpoints/${a.json.id}`);
      await call("GET", "/v1/endpoints");
      await call("GET", "/v1/endpoints?tenant=default&limit=1");
      await call("PATCH", `/v1/endpoints/${a.json.id}`, { description: "patched" });
      await call("POST", `/v1/endpoints/${b.json.id}/disable`);
      await call("POST", `/v1/endpoints/${b.json.id}/enable`);

      // Events to the receiver, with a callback_url signed by the callbacks secret, and one that fails.
      const event = await call("POST", "/v1/events", { type: "message.delivered", data: { message_id: "msg_1" }, callback_url: `${receiver.url}/cb` }, {
        headers: { "Idempotency-Key": "session-1" },
      });
      expect(event.status).toBe(202);
      expect(event.json.deliveries).toHaveLength(3);
      const credit = await call("POST", "/v1/events/batch", { events: [{ type: "credit.low", data: { balance: 3 } }] });
      expect(credit.status).toBe(202);
      await receiver.waitFor("/a", 1);
      await receiver.waitFor("/b", 1);
      await receiver.waitFor("/cb", 1);
      await receiver.waitFor("/failing", 1);
      for (const dl of [...event.json.deliveries, ...credit.json.data[0].deliveries]) await settled(d, dl.id);

      // A test send (it answers the attempt, request headers included).
      const testSend = await call("POST", `/v1/endpoints/${a.json.id}/test`, {});
      expect(testSend.status).toBe(200);
      expect(testSend.json.status_code).toBe(200);

      // Logs of deliveries and events.
      await call("GET", `/v1/events/${event.json.id}`);
      await call("GET", "/v1/deliveries");
      await call("GET", `/v1/endpoints/${a.json.id}/deliveries`);
      await call("GET", `/v1/endpoints/${failing.json.id}/deliveries`);
      for (const dl of event.json.deliveries) await call("GET", `/v1/deliveries/${dl.id}`);
      await call("GET", `/v1/deliveries/${credit.json.data[0].deliveries[0].id}`);
      await call("GET", "/v1/event-types");

      // Wrong tokens: near misses of the real one and unrelated ones.
      const wrongTokens = [`${d.token.slice(0, -1)}${d.token.endsWith("A") ? "B" : "A"}`, `hgat_${"Z".repeat(43)}`, "guessing-the-admin-token-0123456789abcdef"];
      for (const wrong of wrongTokens) {
        const r = await call("GET", "/v1/endpoints", undefined, { token: wrong });
        expect(r.status).toBe(401);
        expect(JSON.stringify(r.json)).not.toContain(wrong);
      }
      const basic = await call("GET", "/v1/endpoints", undefined, { token: null, headers: { authorization: `Basic ${btoa(`admin:${d.token}`)}` } });
      expect(basic.status).toBe(401);
      secrets.push(...wrongTokens, btoa(`admin:${d.token}`));

      // A 500: an event row whose stored payload is no longer JSON (as after disk damage).
      const db = new Database(join(d.dataDir, "hookgate.db"));
      try {
        db.run("PRAGMA busy_timeout = 5000");
        db.run("UPDATE events SET payload = ? WHERE id = ?", ["{not json", event.json.id]);
      } finally {
        db.close();
      }
      const broken = await call("GET", `/v1/events/${event.json.id}`);
      expect(broken.status).toBe(500);
      expect(broken.json).toEqual({ error: { code: "internal_error", message: "internal error; see the server log for this request id" } });

      expect(await d.stop()).toBe(0);

      // Every signature the receiver saw, both kinds, each value on its own.
      const signatures = receiver.requests.flatMap((r) => [
        ...(r.headers["webhook-signature"] ?? "").split(" ").filter(Boolean),
        ...(r.headers["x-sakura-signature"] ?? "").split(",").filter(Boolean),
      ]);
      expect(signatures.length).toBeGreaterThanOrEqual(2 * receiver.requests.length);

      const hunted = [...new Set([...secrets.flatMap(forms), ...signatures])];
      const output = `${d.lines.join("\n")}\n${d.stderr()}`;
      for (const value of hunted) {
        if (output.includes(value)) throw new Error(`the daemon's output contains ${JSON.stringify(value)}: ${output.split("\n").find((l) => l.includes(value))}`);
      }
      // The session did log at debug, and did log the 500 (with its request id, not its details to the client).
      expect(d.logs().some((r) => r.level === "debug")).toBe(true);
      const internal = d.logs().find((r) => r.msg === "internal error");
      expect(internal?.request_id).toBe(broken.headers.get("x-request-id"));

      // Endpoint secrets only in the answers that promise them.
      const endpointSecrets = secrets.filter((s) => s.startsWith("whsec_") && s !== callbacksSecret).flatMap(forms);
      for (const { call: name, res } of answers) {
        if (revealing.includes(res)) continue;
        const text = JSON.stringify(res.json);
        for (const value of [...endpointSecrets, ...forms(callbacksSecret), d.token]) {
          if (text.includes(value)) throw new Error(`${name} answered a secret: ${text.slice(0, 500)}`);
        }
      }
      expect(answers.length - revealing.length).toBeGreaterThanOrEqual(20);
    },
    T,
  );
});

describe("files and the generated token", () => {
  test(
    "keeps the data dir 0700 and the generated secrets and database 0600, with a 256-bit admin token",
    async () => {
      const d = await startDaemon({ config: CONFIG });
      expect(statSync(d.dataDir).mode & 0o777).toBe(0o700);
      for (const name of ["admin.token", "callbacks.secret", "hookgate.db"]) {
        expect({ name, mode: (statSync(join(d.dataDir, name)).mode & 0o777).toString(8) }).toEqual({ name, mode: "600" });
      }
      // Nothing else in the data dir is readable by group or others either (WAL, shared memory, lock).
      for (const name of readdirSync(d.dataDir)) expect({ name, other: statSync(join(d.dataDir, name)).mode & 0o077 }).toEqual({ name, other: 0 });

      // "hgat_" + base64url of 32 bytes: 43 characters of 6 bits each, at least 256 bits.
      expect(d.token).toMatch(/^hgat_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(d.token.slice("hgat_".length), "base64url")).toHaveLength(32);
      expect(readFileSync(join(d.dataDir, "admin.token"), "utf8")).toBe(`${d.token}\n`);
      const callbacks = readFileSync(join(d.dataDir, "callbacks.secret"), "utf8").trim();
      expect(callbacks).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(await d.stop()).toBe(0);

      // Another data dir gets another token: it is drawn, not derived.
      const other = await startDaemon({ config: CONFIG });
      expect(other.token).not.toBe(d.token);
      expect(await other.stop()).toBe(0);
    },
    T,
  );
});
