/**
 * SIGTERM with deliveries in flight, through the real process and a real,
 * slow receiver: new requests are refused at once, attempts in flight are
 * finished and recorded within server.shutdown_timeout, and what the
 * deadline cuts off is recorded interrupted and made again after the restart.
 */
import { Database } from "bun:sqlite";
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanupDaemons, startDaemon, type Daemon } from "../helpers/daemon.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const T = 60_000;
const IN_FLIGHT = 50;
const RECEIVER_DELAY_MS = 1500;

const config = (shutdownTimeout: string) => `
[server]
shutdown_timeout = "${shutdownTimeout}"

[delivery]
require_https = false
allow_private_networks = true
retry_jitter = 0
retry_schedule = ["1s"]
timeout = "10s"
max_in_flight_per_endpoint = ${IN_FLIGHT}
`;

let receiver: Receiver;
afterEach(() => receiver?.close());
afterAll(cleanupDaemons);

/** An endpoint at `path` and IN_FLIGHT events for it, all accepted; answers the event ids. */
async function fill(d: Daemon, path: string): Promise<string[]> {
  expect((await d.api("POST", "/v1/endpoints", { url: `${receiver.url}${path}` })).status).toBe(201);
  const batch = await d.api("POST", "/v1/events/batch", { events: Array.from({ length: IN_FLIGHT }, (_, i) => ({ type: "message.delivered", data: { i } })) });
  expect(batch.status).toBe(202);
  return batch.json.data.map((e: { id: string }) => e.id);
}

/** What the database says, read after the process is gone. */
function deliveriesOnDisk(dataDir: string) {
  const db = new Database(join(dataDir, "hookgate.db"), { readonly: true });
  try {
    return {
      byStatus: db.query("SELECT status, count(*) AS n FROM deliveries GROUP BY status ORDER BY status").all(),
      leased: (db.query("SELECT count(*) AS n FROM deliveries WHERE lease_until IS NOT NULL").get() as { n: number }).n,
      attempts: db.query("SELECT n, status_code, error FROM attempts ORDER BY id").all() as { n: number; status_code: number | null; error: string | null }[],
      endpointHealth: db.query("SELECT consecutive_failures, failing_since FROM endpoints").all(),
    };
  } finally {
    db.close();
  }
}

/** True when nothing accepts a new connection at `url`. */
async function refuses(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
    return false;
  } catch (err) {
    return (err as { code?: string }).code === "ConnectionRefused" || /ECONNREFUSED|Unable to connect/.test((err as Error).message);
  }
}

describe("SIGTERM with attempts in flight", () => {
  test(
    `refuses new requests, finishes and records all ${IN_FLIGHT} attempts in flight within the deadline, and exits 0`,
    async () => {
      receiver = startReceiver();
      receiver.respond("/slow", async () => {
        await Bun.sleep(RECEIVER_DELAY_MS);
        return 200;
      });
      const d = await startDaemon({ config: config("20s") });
      const ids = await fill(d, "/slow");
      await receiver.waitFor("/slow", IN_FLIGHT);

      const stopped = d.stop("SIGTERM");
      await d.waitForLog((r) => r.msg === "shutting down");
      expect(await refuses(`${d.url}/healthz`)).toBe(true);
      expect(await refuses(`${d.url}/v1/events`)).toBe(true);
      expect(await stopped).toBe(0);

      expect(d.logs().some((r) => r.msg === "draining deliveries in flight" && r.in_flight === IN_FLIGHT)).toBe(true);
      expect(d.logs().some((r) => r.msg?.startsWith("deliveries still in flight at the deadline"))).toBe(false);
      const disk = deliveriesOnDisk(d.dataDir);
      expect(disk.byStatus).toEqual([{ status: "succeeded", n: IN_FLIGHT }]);
      expect(disk.leased).toBe(0);
      expect(disk.attempts).toEqual(Array(IN_FLIGHT).fill({ n: 1, status_code: 200, error: null }));
      expect(new Set(receiver.at("/slow").map((r) => r.headers["webhook-id"]))).toEqual(new Set(ids));
      expect(receiver.at("/slow")).toHaveLength(IN_FLIGHT);
    },
    T,
  );

  test(
    "with a shutdown_timeout shorter than the receiver's answers: exits 0 at the deadline, the cut attempts are recorded interrupted, and they are made again after the restart",
    async () => {
      receiver = startReceiver();
      // Slow the first time a webhook-id comes, quick after the restart.
      receiver.respond("/slow", async (_n, req) => {
        const seen = receiver.at("/slow").filter((r) => r.headers["webhook-id"] === req.headers["webhook-id"]).length;
        if (seen === 1) await Bun.sleep(RECEIVER_DELAY_MS * 2);
        return 200;
      });
      const first = await startDaemon({ config: config("1s") });
      const ids = await fill(first, "/slow");
      await receiver.waitFor("/slow", IN_FLIGHT);

      const signalledAt = Date.now();
      expect(await first.stop("SIGTERM")).toBe(0);
      // It waited for the deadline, and no longer than the receiver's delay.
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(900);
      expect(first.logs().some((r) => r.msg?.startsWith("deliveries still in flight at the deadline"))).toBe(true);
      // Recorded at the deadline, leases ended: due again at once, the endpoint's health untouched.
      const cut = deliveriesOnDisk(first.dataDir);
      expect(cut.byStatus).toEqual([{ status: "pending", n: IN_FLIGHT }]);
      expect(cut.leased).toBe(0);
      expect(cut.attempts).toEqual(Array(IN_FLIGHT).fill({ n: 1, status_code: null, error: "interrupted" }));
      expect(cut.endpointHealth).toEqual([{ consecutive_failures: 0, failing_since: null }]);

      const second = await startDaemon({ config: config("1s"), dataDir: first.dataDir });
      await receiver.waitFor("/slow", 2 * IN_FLIGHT);
      const deadline = Date.now() + 15_000;
      while (JSON.stringify(deliveriesOnDisk(second.dataDir).byStatus) !== JSON.stringify([{ status: "succeeded", n: IN_FLIGHT }])) {
        if (Date.now() > deadline) throw new Error(`not all delivered after the restart: ${JSON.stringify(deliveriesOnDisk(second.dataDir))}`);
        await Bun.sleep(100);
      }
      expect(await second.stop()).toBe(0);
      // Every event came again, none lost; each attempt cut by the deadline is on record as interrupted.
      const again = receiver.at("/slow").slice(IN_FLIGHT).map((r) => r.headers["webhook-id"]);
      expect(new Set(again)).toEqual(new Set(ids));
      const disk = deliveriesOnDisk(second.dataDir);
      expect(disk.attempts.filter((a) => a.n === 1)).toEqual(Array(IN_FLIGHT).fill({ n: 1, status_code: null, error: "interrupted" }));
      expect(disk.attempts.filter((a) => a.n === 2)).toEqual(Array(IN_FLIGHT).fill({ n: 2, status_code: 200, error: null }));
    },
    T,
  );
});
