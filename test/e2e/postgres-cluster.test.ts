/**
 * Several hookgate processes on one PostgreSQL database, end to end: three
 * real daemons, each with its own data dir, one database the test server
 * (test/helpers/postgres.ts) made for this file, one real receiver.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { cleanupDaemons, deliveryWhen, startDaemon, type Daemon } from "../helpers/daemon.ts";
import { freshPostgresDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const T = 90_000;
const TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef";
const CALLBACKS = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

let database: TestDatabase;
let nodes: Daemon[];
let receiver: Receiver;

function config(url: string, extra = ""): string {
  return `
[server]
admin_token = "${TOKEN}"
[storage]
driver = "postgres"
url = "${url}"
pool_size = 4
[callbacks]
secret = "${CALLBACKS}"
[delivery]
require_https = false
allow_private_networks = true
retry_jitter = 0
retry_schedule = ["1s", "2s"]
timeout = "2s"
max_in_flight_per_endpoint = 4
${extra}`;
}

beforeAll(async () => {
  database = await freshPostgresDatabase();
  // One after the other: the first migrates, the others find the schema current.
  nodes = [];
  for (let i = 0; i < 3; i++) nodes.push(await startDaemon({ config: config(database.url) }));
}, T);
afterEach(() => receiver?.close());
afterAll(async () => {
  await cleanupDaemons();
  await database?.drop();
});

const a = () => nodes[0]!;
const b = () => nodes[1]!;
const c = () => nodes[2]!;

async function endpoint(d: Daemon, body: Record<string, unknown>): Promise<{ id: string }> {
  const r = await d.api("POST", "/v1/endpoints", body);
  expect(r.status).toBe(201);
  return r.json;
}

describe("three processes on one database", () => {
  test(
    "an endpoint created through one process is matched by an ingest through another at once, and delivered",
    async () => {
      receiver = startReceiver();
      const ep = await endpoint(a(), { url: `${receiver.url}/at-once`, tenant: "t-at-once" });
      const sent = await b().api("POST", "/v1/events", { type: "message.delivered", tenant: "t-at-once", data: { n: 1 } });
      expect(sent.status).toBe(202);
      expect(sent.json.deliveries).toEqual([{ id: expect.any(String), endpoint_id: ep.id }]);
      await receiver.waitFor("/at-once", 1, 10_000);
      // Any process answers for any delivery.
      await deliveryWhen(c(), sent.json.deliveries[0].id, (dl) => dl.status === "succeeded");
    },
    T,
  );

  test(
    "a disable through one process stops deliveries from every process",
    async () => {
      receiver = startReceiver();
      const ep = await endpoint(a(), { url: `${receiver.url}/off`, tenant: "t-off" });
      expect((await c().api("POST", `/v1/endpoints/${ep.id}/disable`)).status).toBe(200);
      for (const d of nodes) {
        const sent = await d.api("POST", "/v1/events", { type: "message.delivered", tenant: "t-off", data: {} });
        expect(sent.status).toBe(202);
        const dl = await deliveryWhen(d, sent.json.deliveries[0].id, (x) => x.status !== "pending");
        expect(dl).toMatchObject({ status: "failed", last_error: "endpoint_disabled" });
      }
      await Bun.sleep(500);
      expect(receiver.at("/off")).toHaveLength(0);
    },
    T,
  );

  test(
    "one idempotency key sent to all three at once makes one event",
    async () => {
      const key = `key-${crypto.randomUUID()}`;
      const answers = await Promise.all(
        nodes.map((d) => d.api("POST", "/v1/events", { type: "message.delivered", tenant: "t-idem", data: { n: 1 } }, { headers: { "idempotency-key": key } })),
      );
      expect(answers.map((r) => r.status)).toEqual([202, 202, 202]);
      expect(new Set(answers.map((r) => r.json.id)).size).toBe(1);
    },
    T,
  );

  test(
    "max_in_flight_per_endpoint holds for the three together",
    async () => {
      receiver = startReceiver();
      let inFlight = 0;
      let most = 0;
      receiver.respond("/slow", async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await Bun.sleep(150);
        inFlight--;
        return 200;
      });
      await endpoint(a(), { url: `${receiver.url}/slow`, tenant: "t-slow" });
      const before = await Promise.all(nodes.map(attemptsMade));
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => nodes[i % 3]!.api("POST", "/v1/events", { type: "message.delivered", tenant: "t-slow", data: { i } })),
      );
      await receiver.waitFor("/slow", 30, 60_000);
      expect(most).toBeLessThanOrEqual(4);
      expect(most).toBeGreaterThanOrEqual(2);
      const made = await attemptsSince(before, 30);
      expect(made.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(30);
    },
    T,
  );

  test(
    "deliveries are shared out over the processes",
    async () => {
      receiver = startReceiver();
      await endpoint(a(), { url: `${receiver.url}/shared`, tenant: "t-shared" });
      const before = await Promise.all(nodes.map(attemptsMade));
      for (let i = 0; i < 30; i++) {
        expect((await nodes[i % 3]!.api("POST", "/v1/events", { type: "message.delivered", tenant: "t-shared", data: { i } })).status).toBe(202);
        await Bun.sleep(10);
      }
      await receiver.waitFor("/shared", 30, 30_000);
      const made = await attemptsSince(before, 30);
      expect(made.reduce((x, y) => x + y, 0)).toBe(30);
      // Each delivery once, and more than one process made them.
      expect(new Set(receiver.at("/shared").map((r) => r.headers["webhook-id"])).size).toBe(30);
      expect(made.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    },
    T,
  );

  test(
    "a console login through one process is valid on another",
    async () => {
      const login = await fetch(`${a().url}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: a().url },
        body: new URLSearchParams({ token: TOKEN, next: "/" }),
      });
      expect(login.status).toBe(303);
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      const page = await fetch(`${b().url}/webhooks`, { headers: { cookie }, redirect: "manual" });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<h1>Webhooks</h1>");
    },
    T,
  );
});

describe("a process that dies", () => {
  test(
    "killed -9 while it holds an attempt: another process makes it again within timeout + 15 s, and the cut attempt reads interrupted",
    async () => {
      receiver = startReceiver();
      // The first request hangs, so whoever sends it is mid-attempt when it is killed.
      receiver.respond("/cut", (n) => (n === 1 ? "hang" : 200));
      await endpoint(a(), { url: `${receiver.url}/cut`, tenant: "t-cut" });
      const sent = await b().api("POST", "/v1/events", { type: "message.delivered", tenant: "t-cut", data: {} });
      const id: string = sent.json.deliveries[0].id;
      await receiver.waitFor("/cut", 1, 10_000);
      const holders = [];
      for (const d of nodes) if ((await inFlight(d)) > 0) holders.push(d);
      expect(holders).toHaveLength(1);
      const holder = holders[0]!;
      const killedAt = Date.now();
      await holder.kill9();
      const survivor = nodes.find((d) => d !== holder)!;
      // timeout (2 s) + 15 s, plus a little for the claim to come round.
      await receiver.waitFor("/cut", 2, 22_000);
      expect(Date.now() - killedAt).toBeLessThan(22_000);
      const done = await deliveryWhen(survivor, id, (dl) => dl.status === "succeeded", 10_000);
      expect(done.attempt_count).toBe(2);
      const detail = await survivor.api("GET", `/v1/deliveries/${id}`);
      expect(detail.json.attempts.map((x: { error: string | null }) => x.error)).toEqual(["interrupted", null]);
    },
    T,
  );
});

describe("a process that restarts", () => {
  test(
    "killed -9 mid-attempt and started again on its data dir: it takes its own lease back at once, long before the lease runs out",
    async () => {
      receiver = startReceiver();
      receiver.respond("/restart", (n) => (n === 1 ? "hang" : 200));
      const live = nodes.filter((d) => d.proc.exitCode === null && !d.proc.killed);
      await endpoint(live[0]!, { url: `${receiver.url}/restart`, tenant: "t-restart" });
      const sent = await live[0]!.api("POST", "/v1/events", { type: "message.delivered", tenant: "t-restart", data: {} });
      const id: string = sent.json.deliveries[0].id;
      await receiver.waitFor("/restart", 1, 10_000);
      let holder: Daemon | undefined;
      for (const d of live) if ((await inFlight(d)) > 0) holder = d;
      expect(holder).toBeDefined();
      await holder!.kill9();
      const restartedAt = Date.now();
      const again = await startDaemon({ config: config(database.url), dataDir: holder!.dataDir });
      nodes[nodes.indexOf(holder!)] = again;
      await receiver.waitFor("/restart", 2, 15_000);
      // The lease is timeout + 15 s = 17 s: taken back at start, not by expiry.
      expect(Date.now() - restartedAt).toBeLessThan(8_000);
      const done = await deliveryWhen(again, id, (dl) => dl.status === "succeeded", 10_000);
      expect(done.attempt_count).toBe(2);
      const detail = await again.api("GET", `/v1/deliveries/${id}`);
      expect(detail.json.attempts.map((x: { error: string | null }) => x.error)).toEqual(["interrupted", null]);
    },
    T,
  );
});

/** Attempts in flight on this process now, from its /metrics. */
async function inFlight(d: Daemon): Promise<number> {
  const r = await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const line = (await r.text()).split("\n").find((l) => l.startsWith("hookgate_attempts_in_flight"));
  return Number(line?.split(" ").at(-1) ?? 0);
}

/**
 * Attempts each process made since `before` (one count per node), once they
 * add up to `total` or after 10 s: an attempt is counted when recorded, a
 * moment after the receiver answered.
 */
async function attemptsSince(before: number[], total: number): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const made = (await Promise.all(nodes.map(attemptsMade))).map((n, i) => n - before[i]!);
    if (made.reduce((x, y) => x + y, 0) >= total || Date.now() > deadline) return made;
    await Bun.sleep(100);
  }
}

/** Attempts this process made, from its /metrics (all outcomes). */
async function attemptsMade(d: Daemon): Promise<number> {
  const r = await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await r.text();
  let total = 0;
  for (const line of text.split("\n")) if (line.startsWith("hookgate_attempts_total")) total += Number(line.split(" ").at(-1));
  return total;
}
