/**
 * Crashes: the real daemon killed with SIGKILL at the worst moments, then
 * started again on the same data dir, against a real receiver. What a 202
 * promised must still happen, and an attempt cut off by the crash must be
 * made again and be on record as failed (`interrupted`), never as a success,
 * and be counted as such in /metrics and /v1/stats.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { cleanupDaemons, deliveryWhen, startDaemon, type Daemon } from "../helpers/daemon.ts";
import { parsePrometheusText } from "../helpers/prometheus-text.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const T = 60_000; // per-test bound; the waits inside are tighter

const CONFIG = `
[delivery]
require_https = false
allow_private_networks = true
retry_jitter = 0
retry_schedule = ["1s", "2s"]
timeout = "10s"
`;

let receiver: Receiver;
afterEach(() => receiver?.close());
afterAll(cleanupDaemons);

async function createEndpoint(d: Daemon, url: string): Promise<string> {
  const r = await d.api("POST", "/v1/endpoints", { url });
  expect(r.status).toBe(201);
  return r.json.id;
}

describe("kill -9", () => {
  test(
    "right after the 202s: every acknowledged event is delivered after the restart",
    async () => {
      receiver = startReceiver();
      // Before the kill nothing completes: a request that arrives is held
      // open. So every success below is the restarted process's work, from
      // what the 202 had put on disk.
      let restarted = false;
      receiver.respond("/hook", () => (restarted ? 200 : "hang"));
      const first = await startDaemon({ config: CONFIG });
      await createEndpoint(first, `${receiver.url}/hook`);

      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => first.api("POST", "/v1/events", { type: "message.delivered", data: { i } })));
      first.proc.kill("SIGKILL"); // at once, before anything else runs here
      await first.kill9();
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
      const acknowledged = answers.map((a) => a.json.id as string);

      restarted = true;
      const sinceRestart = receiver.requests.length;
      const second = await startDaemon({ config: CONFIG, dataDir: first.dataDir });
      const deadline = Date.now() + 15_000;
      for (;;) {
        const arrived = new Set(receiver.requests.slice(sinceRestart).map((r) => r.headers["webhook-id"]));
        if (acknowledged.every((id) => arrived.has(id))) break;
        if (Date.now() > deadline) throw new Error(`lost after kill -9: ${acknowledged.filter((id) => !arrived.has(id)).join(", ")}`);
        await Bun.sleep(100);
      }
      for (const a of answers) await deliveryWhen(second, a.json.deliveries[0].id, (x) => x.status === "succeeded");
      expect(await second.stop()).toBe(0);
    },
    T,
  );

  test(
    "while the receiver holds the request open: the same webhook-id and body are sent again, and the cut attempt is on record and counted as interrupted",
    async () => {
      receiver = startReceiver();
      // 1: held open until the kill; 2: the attempt made again, failing; 3: success.
      receiver.respond("/slow", (n) => (n === 1 ? "hang" : n === 2 ? 500 : 200));
      const first = await startDaemon({ config: CONFIG });
      await createEndpoint(first, `${receiver.url}/slow`);
      const sent = await first.api("POST", "/v1/events", { type: "message.delivered", data: { message_id: "m1" } });
      expect(sent.status).toBe(202);
      await receiver.waitFor("/slow", 1);
      await first.kill9();

      const second = await startDaemon({ config: CONFIG, dataDir: first.dataDir });
      const reqs = await receiver.waitFor("/slow", 3);
      for (const r of reqs) {
        expect(r.headers["webhook-id"]).toBe(sent.json.id);
        expect(r.body).toBe(reqs[0]!.body);
      }

      const dl = await deliveryWhen(second, sent.json.deliveries[0].id, (x) => x.status === "succeeded");
      expect(dl.attempt_count).toBe(3);
      expect(dl.attempts.map((a: any) => [a.n, a.status_code, a.error])).toEqual([
        [1, null, "interrupted"],
        [2, 500, "http_status"],
        [3, 200, null],
      ]);
      const [cut, again] = dl.attempts;
      expect(cut).toMatchObject({ request_headers: {}, response_body: null });
      expect(cut.duration_ms).toBeGreaterThanOrEqual(0);
      // Made again at once after the restart...
      expect(cut.next_attempt_at).not.toBeNull();
      expect(Date.parse(again.started_at)).toBeGreaterThanOrEqual(Date.parse(cut.next_attempt_at));
      // ...and the schedule goes on from the counted attempt: the cut one used
      // the first wait (1s), so the failure after it waits the second (2s).
      const wait = Date.parse(again.next_attempt_at) - Date.parse(again.started_at);
      expect(wait).toBeGreaterThanOrEqual(2000);
      expect(wait).toBeLessThan(2000 + again.duration_ms + 1000);
      expect(second.logs().some((r) => r.msg?.startsWith("attempts cut off by the end of the previous run") && r.deliveries === 1)).toBe(true);

      // Counted where an operator looks: the restarted process's metrics, and the stats.
      const scrape = await fetch(`${second.url}/metrics`);
      expect(scrape.status).toBe(200);
      const metrics = parsePrometheusText(await scrape.text());
      expect(metrics.value("hookgate_attempts_total", { outcome: "failure", status_class: "none", error: "interrupted" })).toBe(1);
      expect(metrics.value("hookgate_attempts_total", { outcome: "failure", status_class: "5xx", error: "http_status" })).toBe(1);
      expect(metrics.value("hookgate_attempts_total", { outcome: "success", status_class: "2xx", error: "none" })).toBe(1);
      const stats = await second.api("GET", "/v1/stats?window=1h");
      expect(stats.status).toBe(200);
      expect(stats.json.totals).toMatchObject({ attempts: 3, failed_attempts: 2, failures_by_error: { interrupted: 1, http_status: 1 } });
      // The log tells the endpoint's streak (the 500, then the 200), not the interrupted attempt: that was hookgate's.
      const streak = second.logs().filter((r) => ["endpoint failing", "endpoint still failing", "endpoint recovered"].includes(r.msg));
      expect(streak.map((r) => [r.msg, r.failures])).toEqual([
        ["endpoint failing", 1],
        ["endpoint recovered", 0],
      ]);
      expect(await second.stop()).toBe(0);
    },
    T,
  );
});
